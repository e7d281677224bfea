"""``riskline tune``: fit rule and policy thresholds on labelled training worlds, and calibrate
the policy's checks (how often the persons each fires on are fraud) for decisions by expected
loss."""

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
    worlds: Annotated[
        list[Path],
        typer.Argument(
            exists=True, file_okay=False, help="Training worlds from `simulate` (one or more)"
        ),
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
    keep_thresholds: Annotated[
        bool,
        typer.Option(help="Leave every threshold as written; only calibrate the policy checks"),
    ] = False,
) -> None:
    """Move every numeric threshold of the rules and policy checks to catch the most fraud
    actors on the WORLDS within the honest-person budget; calibrate each policy check (the
    share of the persons it fires on who are fraud, impostors among them) so that it acts by
    expected loss; write the tuned files and the figures.

    The report world must be another one: check the result with `riskline evaluate OTHER
    --rules OUT/rules.yaml --policy OUT/policy.yaml`.
    """
    from riskline.cli.world import _engine_database, _score_world
    from riskline.decisioning.loss import LossSpec
    from riskline.decisioning.policy import DEFAULT_POLICY_PATH
    from riskline.rules import EXAMPLE_RULESET
    from riskline.sim import Labels
    from riskline.sim.labels import world_prefix
    from riskline.sim.tune import Budget, summary_rows, table_for, write_tuned
    from riskline.sim.tune import tune as fit

    with handle_errors():
        rules_path, policy_path = rules or EXAMPLE_RULESET, policy or DEFAULT_POLICY_PATH
        rules_doc, policy_doc = _yaml(rules_path), _yaml(policy_path)
        labels = Labels.load_many(w / "labels.jsonl" for w in worlds)
        schema = engine_schema()
        table = table_for(rules_doc, policy_doc, schema)
        for i, world in enumerate(worlds):
            with _engine_database(None, world) as url:
                _score_world(
                    world,
                    url,
                    False,
                    pii_warning=False,
                    on_decision=table.collector(world_prefix(i, len(worlds))),
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
            passes=0 if keep_thresholds else 2,
        )
        origin = ", ".join(str(w) for w in worlds)
        paths = write_tuned(result, rules_doc, policy_doc, out, origin, LossSpec().model_dump())
    shown = Table(title=f"Tuned on {origin} (offline replay of its recorded features)")
    for name in ("figure", "before", "after"):
        shown.add_column(name, justify="left" if name == "figure" else "right")
    for row in summary_rows(result):
        shown.add_row(*row)
    console.print(shown)
    moved = [(k, v) for k, v in result.changes if abs(v - k.value) > 1e-9]
    for knob, value in moved:
        console.print(f"  {knob.item}: {knob.feature} {knob.op} {knob.value:g} -> {value:g}")
    for check, cal in result.calibration.items():
        console.print(
            f"  policy:{check}: p_fraud {cal['p_fraud']:.3f} "
            f"({cal['fraud_persons']} fraud of {cal['persons']} persons, "
            f"impostors {cal['impostor_share']:.0%})"
        )
    console.print(f"wrote {paths[0]}, {paths[1]} and {paths[2]}")
