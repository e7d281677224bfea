"""Render notices from the template files (``templates/<language>.yaml``).

Reason codes map to plain-language explanations in the templates; the rule's own text,
evidence values, thresholds and model details are never shown to the user.

>>> from datetime import datetime, timezone
>>> from riskline.notices.types import NoticeKind
>>> r = Renderer.default()
>>> n = Notice("n1", NoticeKind.FREEZE, "a1", None, ("CASHOUT_PATTERN",),
...            datetime(2026, 1, 1, tzinfo=timezone.utc), "line:1", {"product": "revolving"})
>>> r.render(n, "en").title
'We have paused your credit line'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from riskline.errors import InvalidConfig, NotFound
from riskline.notices.types import LANGUAGES, Notice, RenderedNotice, language

__all__ = ["Renderer"]


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise InvalidConfig(f"notice template uses unknown placeholder {{{key}}}")


@dataclass(frozen=True, slots=True)
class Renderer:
    """Notices, education texts and the disclosure in every supported language."""

    templates: Mapping[str, Mapping[str, Any]]

    @classmethod
    def default(cls) -> Renderer:
        """The templates shipped in ``riskline/notices/templates``."""
        root = resources.files("riskline.notices").joinpath("templates")
        loaded = {
            lang: yaml.safe_load(root.joinpath(f"{lang}.yaml").read_text("utf-8"))
            for lang in LANGUAGES
        }
        return cls(loaded)

    def _t(self, lang: str) -> Mapping[str, Any]:
        return self.templates[language(lang)]

    def render(self, notice: Notice, lang: str) -> RenderedNotice:
        """The notice in ``lang``; :class:`InvalidConfig` when a template is missing a key."""
        t = self._t(lang)
        try:
            kind = t["kinds"][notice.kind.value]
        except KeyError:
            raise InvalidConfig(f"no {language(lang)} template for notice {notice.kind}") from None
        product = t["products"].get(notice.params.get("product", "any"), t["products"]["any"])
        values = _Strict(product=product)
        reasons = t["reasons"]
        why = tuple(
            dict.fromkeys(reasons.get(code, reasons["default"]) for code in notice.reason_codes)
        )
        return RenderedNotice(
            notice=notice,
            language=language(lang),
            title=_cap(str(kind["title"]).format_map(values)),
            what_happened=_cap(str(kind["happened"]).format_map(values)),
            why=why,
            what_you_can_do=str(kind["can_do"]).format_map(values),
            how_to_appeal=str(t["appeal"] if notice.appealable else t["no_appeal"]),
        )

    def education(self, lang: str) -> dict[str, dict[str, str]]:
        """Risk education texts (cash-out, fake transactions, scams) by topic."""
        return {
            k: {"title": v["title"], "body": v["body"]}
            for k, v in self._t(lang)["education"].items()
        }

    def disclosure(self, lang: str) -> dict[str, str]:
        """The disclosure shown at application time."""
        d = self._t(lang)["disclosure"]
        return {"title": d["title"], "body": d["body"]}

    def explain(self, code: str, lang: str) -> str:
        """The plain-language explanation of one reason code."""
        reasons = self._t(lang)["reasons"]
        found = reasons.get(code)
        if found is None and code != "default":
            raise NotFound(f"no explanation for {code}")
        return str(found or reasons["default"])


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
