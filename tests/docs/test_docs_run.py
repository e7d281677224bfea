"""Every fenced shell block of README.md and docs/*.md runs, in order, and each command exits 0.

Each document runs as one bash script (``set -euo pipefail``) in its own fresh folder where
``.venv``, ``src`` and ``scripts`` link to this checkout and ``riskline`` is on PATH, so
commands run as written from a clone. What the test changes, and why, is listed here:

- sizes: ``--persons N`` becomes ``--persons 200``, ``--days N`` ``--days 10``, ``--events N``
  ``--events 1000``; ``riskline demo`` without sizes gets ``--persons 200 --days 10``;
- servers: ``riskline serve`` and ``riskline demo`` (which serves) start in the background on a
  free port (``RISKLINE_PORT``; ``127.0.0.1:8000`` in commands becomes that port) and must
  answer ``/healthz`` and the console sign-in page; each stops when the next starts or at the end;
- ``RISKLINE_CONSOLE_PASSWORD`` is set, so ``console add-user`` does not prompt;
- commands in ``SKIPPED`` do not run, each for the reason given (every entry must match).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskline.bench.common import free_port

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(bash|sh|shell)\n(.*?)^```$", re.M | re.S)
SIZES = ((r"--persons \d+", "--persons 200"), (r"--days \d+", "--days 10"))
SIZES += ((r"--events \d+", "--events 1000"),)
SKIPPED = {
    r"^scripts/setup\b": "creates the virtual environment this test already runs in",
    r"^scripts/test\b": "runs the whole suite, which this test is part of",
    r"-m pytest\b": "runs test suites, which this test is part of",
    r"\briskline spark\b": "needs Apache Spark and a cluster (tests/batch run the jobs)",
    r"^export RISKLINE_DATABASE_URL=postgresql": "points at a PostgreSQL host named db",
    r"\briskline (stream|worker|publish)\b": "needs NATS JetStream (tests/stream use it)",
    r"\briskline bench\b": "measures throughput: over 40 s of CPU even at 1,000 events",
}
SERVER = re.compile(r"(^|\s|/)riskline (serve|demo)\b")
PRELUDE = r"""
docs_stop() { if [ -n "${DOCS_PID:-}" ]; then kill "$DOCS_PID" 2>/dev/null || true;
  wait "$DOCS_PID" 2>/dev/null || true; fi; DOCS_PID=; }
trap docs_stop EXIT
docs_server() {  # start "$@" in the background; it must answer /healthz and the console
  docs_stop; "$@" > server.log 2>&1 & DOCS_PID=$!
  for _ in $(seq 1 900); do
    if curl -sf "http://127.0.0.1:$RISKLINE_PORT/healthz" > /dev/null; then
      curl -sf "http://127.0.0.1:$RISKLINE_PORT/console/login" > /dev/null; return; fi
    kill -0 "$DOCS_PID" 2>/dev/null || { cat server.log; return 1; }; sleep 0.2
  done; cat server.log; return 1
}
"""


def blocks(path: Path) -> list[str]:
    """The shell blocks of a Markdown file, in order."""
    return [m[2] for m in FENCE.finditer(path.read_text(encoding="utf-8"))]


def commands(block: str) -> Iterator[str]:
    """Logical commands: continuation lines joined, quotes spanning lines kept together."""
    pending = ""
    for line in block.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.endswith("\\"):
            continue
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # a quote still open
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            yield pending
        pending = ""


def skipped(command: str) -> str | None:
    """Why ``command`` does not run, or None."""
    return next((why for rx, why in SKIPPED.items() if re.search(rx, command.strip())), None)


def rewrite(command: str) -> str:
    """The command as the test runs it (see the module docstring)."""
    for rx, small in SIZES:
        command = re.sub(rx, small, command)
    command = command.replace("127.0.0.1:8000", "127.0.0.1:$RISKLINE_PORT")
    if re.search(r"riskline demo\b", command) and "--persons" not in command:
        command = re.sub(r"(riskline demo\b)", r"\1 --persons 200 --days 10", command)
    if SERVER.search(command):
        bare = re.sub(r"\s*&\s*(#.*)?$", "", command.split(" #")[0]).strip()
        return f"docs_server {bare}"
    return command


def script(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """The bash script of one document, and the commands left out with their reasons."""
    lines, left_out = ["set -euo pipefail", PRELUDE], []
    for block in blocks(path):
        for command in commands(block):
            parts = [p for p in re.split(r"\s+&&\s+", command) if p]
            for part in parts:
                why = skipped(part)
                if why is not None:
                    left_out.append((part.strip(), why))
                    continue
                first = part.strip().splitlines()[0][:200]
                lines.append(f"echo {shlex.quote('### ' + first)} >&2")
                lines.append(rewrite(part))
    return "\n".join(lines) + "\n", left_out


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKLINE_")}
    env.update(
        PATH=f"{REPO / '.venv' / 'bin'}:{env.get('PATH', '')}",
        RISKLINE_PORT=str(free_port()),
        RISKLINE_PII_SECRET="docs-test-secret-0123456789",
        RISKLINE_CONSOLE_PASSWORD="docs test passphrase",
        COLUMNS="120",
        HOME=str(folder),
    )
    return env


def _folder(tmp: Path) -> Path:
    for name in (".venv", "src", "scripts"):
        (tmp / name).symlink_to(REPO / name)
    return tmp


def test_every_skip_reason_is_used() -> None:
    left_out = [cmd for path in DOCS for cmd, _ in script(path)[1]]
    used = {rx for cmd in left_out for rx in SKIPPED if re.search(rx, cmd)}
    assert used == set(SKIPPED), set(SKIPPED) - used


def test_commands_are_found_and_rewritten() -> None:
    readme = [c for b in blocks(REPO / "README.md") for c in commands(b)]
    assert any(c.startswith("curl") and "5000.00" in c for c in readme)  # one command, 4 lines
    assert rewrite("riskline simulate w --persons 20000 --days 90") == (
        "riskline simulate w --persons 200 --days 10"
    )
    assert rewrite(".venv/bin/riskline serve &   # API") == "docs_server .venv/bin/riskline serve"


@pytest.mark.parametrize("doc", [p for p in DOCS if blocks(p)], ids=lambda p: p.name)
def test_doc_runs(doc: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    text, _ = script(doc)
    (folder / "docs-run.sh").write_text(text)
    run = subprocess.run(
        ["bash", "docs-run.sh"],
        cwd=folder,
        env=_env(folder),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, f"{doc.name}: {run.stderr[-4000:]}\n{run.stdout[-2000:]}"
    if doc.name == "README.md":
        _readme_made_what_it_says(folder, run.stdout)


def _readme_made_what_it_says(folder: Path, out: str) -> None:
    for name in ("train-world/labels.jsonl", "report-world/events.jsonl", "labels.jsonl"):
        assert (folder / name).is_file(), name
    assert "<svg" in (folder / "report" / "evaluation.html").read_text()
    assert "<svg" in (folder / "riskline-demo-report" / "evaluation.html").read_text()
    assert any((folder / "models").iterdir())  # train fraud registered a model
    assert '"PaymentIn"' in (folder / "event-schema.json").read_text()
    assert "Riskline evaluation" in out and '"decision_id"' in out  # evaluate; the curl answer
