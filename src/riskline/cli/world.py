"""``riskline simulate`` and ``riskline evaluate``: labeled worlds and engine scores on them."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from riskline.cli.base import app, console, err_console, handle_errors, load_settings
from riskline.errors import InvalidConfig

__all__ = ["evaluate", "simulate"]


def _world_config(
    config: Path | None, preset: str, overrides: dict[str, Any], size: str = "full"
) -> Any:
    from riskline.sim import WorldConfig

    raw: dict[str, Any] = {}
    if config is not None:
        try:
            loaded = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as err:
            raise InvalidConfig(f"cannot read world config {config}: {err}") from None
        if not isinstance(loaded, dict):
            raise InvalidConfig(f"{config}: a world config is a mapping of parameters")
        raw.update(loaded)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    if preset == "small":  # kept for older scripts: the small size at the default difficulty
        preset, size = "default", "small"
    if size not in ("small", "full"):
        raise InvalidConfig(f"unknown size {size!r} (small or full)")
    if size == "small":
        return WorldConfig.small(preset, **raw)
    return WorldConfig.preset(preset, **raw)


@app.command()
def simulate(
    out: Annotated[Path, typer.Argument(help="Folder to write the world into")],
    config: Annotated[Path | None, typer.Option(help="YAML of WorldConfig parameters")] = None,
    preset: Annotated[
        str, typer.Option(help="Difficulty: easy | default | hard (docs/simulator.md)")
    ] = "default",
    size: Annotated[
        str, typer.Option(help="full (20,000 persons x 90 days) | small (2,000 x 45)")
    ] = "full",
    persons: Annotated[int | None, typer.Option(min=10)] = None,
    days: Annotated[int | None, typer.Option(min=1)] = None,
    seed: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Write a seeded, labeled world: events.jsonl, events.parquet, labels.jsonl, summary.json."""
    from rich.progress import Progress

    from riskline.sim import simulate as run

    with handle_errors():
        overrides = {"persons": persons, "days": days, "seed": seed}
        cfg = _world_config(config, preset, overrides, size)
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task("simulating", total=cfg.days)
            summary = run(
                cfg, out, lambda done, total: bar.update(task, completed=done, total=total)
            )
    console.print_json(data=summary.to_dict())


@app.command()
def evaluate(
    world: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="A folder from `simulate`")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Write evaluation.json and evaluation.html here")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="Engine database, kept (default: a temporary SQLite file, removed)"),
    ] = None,
    models: Annotated[bool, typer.Option(help="Score with the registry's active models")] = True,
    baseline: Annotated[
        bool,
        typer.Option(
            help="Also train the end-of-day LightGBM baseline on --train-world and compare it "
            "at Riskline's good-person flag rate and at 1 % (docs/evaluation.md)"
        ),
    ] = False,
    train_world: Annotated[
        Path | None,
        typer.Option(
            exists=True, file_okay=False, help="The baseline's training world (not this one)"
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Rule set to decide with (e.g. `riskline tune`'s rules.yaml); else "
            "RISKLINE_RULES_PATH or the example",
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Policy to decide with (e.g. `riskline tune`'s policy.yaml); else "
            "RISKLINE_POLICY_PATH or the built-in",
        ),
    ] = None,
) -> None:
    """Stream a world through the engine in time order and score it against the labels."""
    from riskline.sim import (
        print_report,
        refuse_same_world,
        run_baseline,
        write_cases,
        write_report,
    )

    with handle_errors():
        if baseline != (train_world is not None):
            raise InvalidConfig("--baseline and --train-world DIR go together")
        if train_world is not None:
            refuse_same_world(train_world, world)
        with _engine_database(database, world) as url:
            report = _score_world(
                world,
                url,
                models,
                pii_warning=database is not None,
                rules_path=rules,  # None: the environment's or the shipped files
                policy_path=policy,
            )
        if train_world is not None:
            points = (("equal FPR", report.fpr_good), ("1% FPR", 0.01))
            report = replace(report, baseline=run_baseline(train_world, world, points))
    print_report(report, console)
    if out is not None:
        paths = write_report(report, out)
        cases = write_cases(report, out)
        console.print(f"wrote {paths[0]}, {paths[1]} and {cases} (the review cases opened)")


@contextmanager
def _engine_database(database: str | None, world: Path | None = None) -> Iterator[str]:
    """``database`` as given, or a scratch SQLite file in a temporary folder removed afterwards.

    An in-memory SQLite database is not shared between connections (the writer thread and
    the projections would each see an empty one), so the default is a file: a scratch one
    (no fsync, journal in memory: ``riskline.storage.scratch_url``), as nothing reads it after,
    in RAM (``/dev/shm``) when that has room for it (see :func:`_scratch_folder`).
    """
    from riskline.storage import scratch_url

    if database is not None:
        yield database
        return
    folder = _scratch_folder(world)
    with tempfile.TemporaryDirectory(prefix="riskline-evaluate-", dir=folder) as path:
        yield scratch_url(str(Path(path) / "evaluate.db"))


_RAM_FOLDER = Path("/dev/shm")
_DB_BYTES_PER_WORLD_BYTE = 8
"""Scratch database bytes per byte of ``events.jsonl``, with room to spare (measured 6.7)."""


def _scratch_folder(world: Path | None) -> str | None:
    """``/dev/shm`` when it, and twice as much free memory, can hold the scratch database of
    ``world``; otherwise None (the system's temporary folder, on disk).

    On disk, the kernel writes the random index pages each batch touches back every half
    minute or so: on a 1M-event world 2.6 times the file size was written after 174 CPU-s.
    """
    if world is None or not _RAM_FOLDER.is_dir():
        return None
    try:
        need = _DB_BYTES_PER_WORLD_BYTE * (world / "events.jsonl").stat().st_size
        room = shutil.disk_usage(_RAM_FOLDER).free
        memory = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None
    return str(_RAM_FOLDER) if need <= room and 2 * need <= memory else None


def _score_world(
    world: Path,
    url: str,
    models: bool,
    *,
    pii_warning: bool,
    on_decision: Callable[[Any, Any], None] | None = None,
    **overrides: Any,
) -> Any:
    """Stream ``world`` through a runtime on ``url`` (settings ``overrides`` such as
    ``rules_path``) and score it; ``on_decision`` sees every event with its engine decision.

    The engine's batches are written by a second process while it decides the next ones
    (``riskline.writebehind``: the same decisions, one core more); every batch is stored
    before this returns."""
    from riskline.decisioning import ModelSignals
    from riskline.lookahead import LookaheadDecider
    from riskline.runtime import build_runtime
    from riskline.sim import evaluate as score
    from riskline.sim import load_world
    from riskline.writebehind import WriteBehindStore

    signals = None if models else ModelSignals()
    settings = load_settings(database_url=url, **overrides)
    runtime = build_runtime(settings, models=signals, pii_warning=pii_warning)
    writer = WriteBehindStore(runtime.store, url)
    runtime.engine.store = writer
    decided: dict[str, Any] = {}

    def process(events: Sequence[Any]) -> Any:
        result = runtime.engine.process_batch(events)
        decided.update((d.event_id, d) for d in result.decisions)
        if on_decision is not None:
            for event, decision in zip(events, result.decisions, strict=True):
                on_decision(event, decision)
        return result

    try:
        loaded = load_world(world)
        # one read of the file: the look-ahead runs up to a batch ahead of the scoring loop
        to_engine, to_score = itertools.tee(loaded.events())
        ahead = LookaheadDecider(process, runtime.hasher, to_engine)

        def decide(wire: dict[str, Any]) -> Any:
            """The full decision (reasons, actions, scores): the look-ahead keeps only a view."""
            ahead(wire)
            return decided.pop(str(wire["event_id"]))

        report = score((to_score, loaded.labels), decide, runtime.engine.passive_codes())
        writer.flush()
        return report
    finally:
        try:
            writer.close()
        finally:
            runtime.close()
