"""Real photos for face tests: scikit-image's astronaut, matplotlib's Grace Hopper, a cat."""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray


def encode(pixels: NDArray[np.uint8], fmt: str = "PNG") -> bytes:
    """Pixels as an image file."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt)
    return out.getvalue()


def astronaut() -> bytes:
    """Eileen Collins (scikit-image sample)."""
    from skimage import data

    return encode(data.astronaut())


def astronaut_transformed() -> bytes:
    """The astronaut rotated 6 degrees, scaled to 80 %, 25 % brighter, as JPEG."""
    from PIL import Image, ImageEnhance
    from skimage import data

    img = Image.fromarray(data.astronaut()).rotate(6, resample=Image.Resampling.BILINEAR)
    img = img.resize((410, 410))
    img = ImageEnhance.Brightness(img).enhance(1.25)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def grace_hopper() -> bytes | None:
    """Grace Hopper (matplotlib sample data), if matplotlib is installed."""
    try:
        from matplotlib import cbook
    except ImportError:
        return None
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        data: bytes = f.read()
    return data


def cat() -> bytes:
    """Chelsea the cat: no human face."""
    from skimage import data

    return encode(data.chelsea())


def two_astronauts() -> bytes:
    """The astronaut and her mirror image side by side: two faces."""
    from skimage import data

    a = data.astronaut()
    return encode(np.concatenate([a, a[:, ::-1]], axis=1))
