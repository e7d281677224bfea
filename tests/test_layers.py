"""The import graph of ``src/riskline``, read from the source (nothing is imported):

- no import cycle between modules. What counts: every import a module makes when it is loaded,
  including those under ``if TYPE_CHECKING:`` (a cycle through annotations is still two modules
  that each need the other to be read) and in ``try``/``if`` blocks; imports inside functions
  (deferred) may close a cycle only where :data:`DEFERRED_CYCLES` says why;
- the packages of the decision path (docs/architecture.md) import only downward: a module of
  a layer in :data:`DECISION_PATH` may import its own package, :data:`FOUNDATION` and the
  layers below, deferred imports included (a deferred import up the path is still a
  dependency up the path); :data:`BESIDE` does the same for packages beside the path;
- ``riskline.bench`` is the top: nothing imports it but the CLI commands that run it.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import riskline

SRC = Path(riskline.__file__).parent

FOUNDATION = frozenset({"errors", "clock"})
"""Leaf modules every layer may use: the one error tree and the clock protocol."""

DECISION_PATH: tuple[frozenset[str], ...] = tuple(
    frozenset(layer)
    for layer in (
        {"events"},  # schema, domain event types, PII hashing
        {"features", "graph", "rules", "scoring"},  # the signals, independent of each other
        {"credit"},  # products, the line state machine, limit bands
        {"decisioning"},  # the engine and the policy, over ports
        {"storage"},  # tables, SqlStore, migrations
        {"projection"},  # the followers' cursor / window / rescan helper
        {"cases", "identity"},  # projections of decisions: review cases, step-up challenges
        {"notices"},  # notices and appeals (an appeal opens a case)
        {"monitoring"},  # series and alerts over decisions, case outcomes and the registry
    )
)
"""The stage packages, bottom to top; packages of one layer do not import each other."""

BESIDE: Mapping[str, frozenset[str]] = {
    # the simulator talks to the engine through a callable: it reads event types, grants
    # limits as the band table would, and may use the signal stages (the audit's ROC AUC)
    "sim": frozenset({"events", "features", "graph", "rules", "scoring", "credit"}),
    # the model lab reads users' tables and trains through the scoring stage (and, for fraud
    # histories, the feature engine's catalog)
    "lab": frozenset({"events", "features", "scoring"}),
}
"""Packages beside the path and the packages (besides :data:`FOUNDATION`) they may import."""

BENCH_USERS = frozenset({"bench", "cli"})
"""Who may import ``riskline.bench``: itself and the CLI commands that run benchmarks."""

DEFERRED_CYCLES: Mapping[tuple[str, str], str] = {
    ("riskline.state.wiring", "riskline.runtime"): (
        "`riskline state rebuild` builds a runtime to replay the ledger, and the runtime wires "
        "the shared state"
    ),
    ("riskline.ui.app", "riskline.ui.views.dashboard"): (
        "the console app mounts its views, and the dashboard view reads the app's Console"
    ),
}
"""Deferred imports allowed to close a cycle, each with its reason."""


@dataclass(frozen=True, slots=True)
class Import:
    """One import of one riskline module by another."""

    source: str
    target: str
    line: int
    deferred: bool


def module_files(root: Path = SRC) -> dict[str, Path | None]:
    """Every module under ``root`` by dotted name; compiled extensions (built or only as a C
    source) map to None."""
    mods: dict[str, Path | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root.parent)
        if path.suffix == ".py":
            parts = rel.with_suffix("").parts
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
        elif path.suffix == ".c" or any(path.name.endswith(s) for s in EXTENSION_SUFFIXES):
            mods.setdefault(".".join((*rel.parent.parts, path.name.split(".")[0])), None)
    return mods


def _targets(
    node: ast.Import | ast.ImportFrom, package: str, mods: Mapping[str, object]
) -> set[str]:
    """The riskline modules one import statement loads (submodules where it names them)."""

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    if isinstance(node, ast.Import):
        found = {known(a.name) for a in node.names if a.name.split(".")[0] == "riskline"}
    else:
        base = node.module or ""
        if node.level:
            head = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*head, base] if base else head)
        if base.split(".")[0] != "riskline":
            return set()
        found = {
            f"{base}.{a.name}" if f"{base}.{a.name}" in mods else known(base) for a in node.names
        }
    return {t for t in found if t is not None}


def imports(mods: Mapping[str, Path | None] | None = None) -> Iterator[Import]:
    """Every import between riskline modules, marked deferred when inside a function."""
    mods = module_files() if mods is None else mods
    for name, path in mods.items():
        if path is None:
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        todo: list[tuple[ast.AST, bool]] = [(ast.parse(path.read_text(encoding="utf-8")), False)]
        while todo:
            node, deferred = todo.pop()
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, package, mods) - {name}:
                    yield Import(name, target, node.lineno, deferred)
            inner = deferred or isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            todo.extend((child, inner) for child in ast.iter_child_nodes(node))


def package_of(module: str) -> str:
    """``riskline.features.plan`` -> ``features``; ``riskline.runtime`` -> ``runtime``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def find_cycle(edges: list[Import]) -> list[str] | None:
    """One import cycle among ``edges`` (its modules in order), or None."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as err:
        cycle: list[str] = err.args[1]
        return cycle[::-1]
    return None


def layer_violations(edges: list[Import]) -> list[str]:
    """Imports from a stage (or beside-the-path) package to a package it may not import."""
    allowed: dict[str, frozenset[str]] = dict(BESIDE)
    below: frozenset[str] = frozenset()
    for layer in DECISION_PATH:
        allowed.update(dict.fromkeys(layer, below))
        below |= layer
    out = []
    for e in edges:
        src, dst = package_of(e.source), package_of(e.target)
        if src in allowed and dst != src and dst not in FOUNDATION | allowed[src]:
            how = "deferred import" if e.deferred else "import"
            out.append(f"{e.source}:{e.line} {how} of {e.target} ({src} may not import {dst})")
    return sorted(out)


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    return list(imports())


def test_the_graph_is_read(graph: list[Import]) -> None:
    pairs = {(e.source, e.target) for e in graph}
    assert ("riskline.decisioning.engine", "riskline.clock") in pairs
    assert ("riskline.features.windows", "riskline.features._native") in pairs  # C extension
    assert any(e.deferred for e in graph) and any(not e.deferred for e in graph)


def test_no_import_cycle(graph: list[Import]) -> None:
    cycle = find_cycle([e for e in graph if not e.deferred])
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_deferred_imports_close_no_other_cycle(graph: list[Import]) -> None:
    cycle = find_cycle([e for e in graph if (e.source, e.target) not in DEFERRED_CYCLES])
    assert cycle is None, (
        "import cycle, counting imports inside functions (move the shared part to a module "
        "both can import, or invert the dependency): " + " -> ".join(cycle or [])
    )


def test_decision_path_imports_point_down(graph: list[Import]) -> None:
    assert layer_violations(graph) == []


def test_nothing_imports_bench(graph: list[Import]) -> None:
    users = sorted(
        f"{e.source}:{e.line}"
        for e in graph
        if package_of(e.target) == "bench" and package_of(e.source) not in BENCH_USERS
    )
    assert users == []


def test_checks_catch_what_they_forbid() -> None:
    """The checks on a made-up graph: a cycle, an import up the path, a sideways one."""
    edges = [
        Import("riskline.features.plan", "riskline.features.codegen", 1, False),
        Import("riskline.features.codegen", "riskline.features.plan", 1, False),
        Import("riskline.rules.parser", "riskline.decisioning", 2, True),
        Import("riskline.graph.rings", "riskline.features", 3, False),
        Import("riskline.sim.world", "riskline.runtime", 4, False),
        Import("riskline.decisioning.engine", "riskline.rules", 5, False),
        Import("riskline.notices.follower", "riskline.cases.repo", 6, False),
    ]
    assert set(find_cycle(edges) or []) == {"riskline.features.plan", "riskline.features.codegen"}
    assert [v.split(" ")[0] for v in layer_violations(edges)] == [
        "riskline.graph.rings:3",
        "riskline.rules.parser:2",
        "riskline.sim.world:4",
    ]
