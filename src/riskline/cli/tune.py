"""``riskline tune``: fit rule and policy thresholds on a labelled training world."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from riskline.cli.base import app, console, handle_errors, load_settings
from riskline.errors import InvalidConfig

__all__ = ["tune"]


def _yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise InvalidConfig(f"cannot read {path}: {err}") from None
    if not isinstance(doc, dict):
        raise InvalidConfig(f"{path}: expected a mapping with a version")
    return doc


@app.command()
def tune(
    world: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="A training world from `simulate`")
    ],
    out: Annotated[Path, typer.Option(help="Write rules.yaml, policy.yaml, tuning.json here")],
    rules: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Rule set to tune (default: the example)"),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Policy to tune (default: the built-in)"),
    ] = None,
    max_good: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of good persons the checks may touch")
    ] = 0.005,
    max_hard: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of each hard-negative kind they may touch"),
    ] = 0.03,
) -> None:
    """Move every numeric threshold of the rules and policy checks to catch the most fraud
    actors on WORLD within the honest-person budget; write the tuned files and the figures.

    The report world must be another one: check the result with `riskline evaluate OTHER
    --rules OUT/rules.yaml --policy OUT/policy.yaml`.
    """
    from riskline.decisioning import ModelSignals
    from riskline.decisioning.policy import DEFAULT_POLICY_PATH
    from riskline.lookahead import LookaheadDecider
    from riskline.rules import EXAMPLE_RULESET
    from riskline.runtime import build_runtime
    from riskline.sim import Labels, load_world
    from riskline.sim.tune import Budget, summary_rows, table_for, write_tuned
    from riskline.sim.tune import tune as fit

    with handle_errors():
        rules_path, policy_path = rules or EXAMPLE_RULESET, policy or DEFAULT_POLICY_PATH
        rules_doc, policy_doc = _yaml(rules_path), _yaml(policy_path)
        labels = Labels.load(world / "labels.jsonl")
        with tempfile.TemporaryDirectory(prefix="riskline-tune-") as folder:
            settings = load_settings(
                database_url=f"sqlite:///{Path(folder) / 'tune.db'}",
                rules_path=rules_path,
                policy_path=policy_path,
            )
            runtime = build_runtime(settings, models=ModelSignals(), pii_warning=False)
            try:
                table = table_for(rules_doc, policy_doc, runtime.engine.schema)
                keep = table.collector()
                person_of: dict[str, str] = {}

                def process(events: Sequence[Any]) -> Any:
                    for e in events:
                        if e.type == "account_opened":
                            person_of[e.account_id] = e.person_id
                    result = runtime.engine.process_batch(events)
                    for d in result.decisions:
                        keep(d)
                    return result

                ahead = LookaheadDecider(process, runtime.hasher, load_world(world).events())
                for wire in load_world(world).events():
                    ahead(wire)
                schema = runtime.engine.schema
            finally:
                runtime.close()
        result = fit(
            table, labels, person_of, rules_doc, policy_doc, schema, Budget(max_good, max_hard)
        )
        paths = write_tuned(result, rules_doc, policy_doc, out, str(world))
    shown = Table(title=f"Tuned on {world} (offline replay of its recorded features)")
    for name in ("figure", "before", "after"):
        shown.add_column(name, justify="left" if name == "figure" else "right")
    for row in summary_rows(result):
        shown.add_row(*row)
    console.print(shown)
    moved = [(k, v) for k, v in result.changes if abs(v - k.value) > 1e-9]
    for knob, value in moved:
        console.print(f"  {knob.item}: {knob.feature} {knob.op} {knob.value:g} -> {value:g}")
    console.print(f"wrote {paths[0]}, {paths[1]} and {paths[2]}")
