"""``riskline tune``: fit rule and policy thresholds on a labelled training world."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from riskline.cli.base import app, console, engine_schema, handle_errors
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
    from riskline.cli.world import _engine_database, _score_world
    from riskline.decisioning.policy import DEFAULT_POLICY_PATH
    from riskline.rules import EXAMPLE_RULESET
    from riskline.sim import Labels
    from riskline.sim.tune import Budget, summary_rows, table_for, write_tuned
    from riskline.sim.tune import tune as fit

    with handle_errors():
        rules_path, policy_path = rules or EXAMPLE_RULESET, policy or DEFAULT_POLICY_PATH
        rules_doc, policy_doc = _yaml(rules_path), _yaml(policy_path)
        labels = Labels.load(world / "labels.jsonl")
        schema = engine_schema()
        table = table_for(rules_doc, policy_doc, schema)
        with _engine_database(None, world) as url:
            _score_world(
                world,
                url,
                False,
                pii_warning=False,
                on_decision=table.collector(),
                rules_path=rules_path,
                policy_path=policy_path,
            )
        result = fit(
            table,
            labels,
            table.person_of,
            rules_doc,
            policy_doc,
            schema,
            Budget(max_good, max_hard),
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
