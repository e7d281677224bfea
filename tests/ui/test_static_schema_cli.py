"""Vendored files match VENDORED.md, no CDN, console tables match migration 0006, the CLI."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from typer.testing import CliRunner

from riskline.cli import app as cli
from riskline.config import Settings
from riskline.errors import Unauthenticated
from riskline.storage import connect
from riskline.storage.tables import metadata
from riskline.ui import UserStore
from riskline.ui import tables as console_tables

UI = Path(console_tables.__file__).parent


def test_vendored_files_match_their_record() -> None:
    record = (UI / "static" / "VENDORED.md").read_text()
    rows = re.findall(r"\| `([\w.]+\.js)` \|.*\| `([0-9a-f]{64})` \|", record)
    assert {name for name, _ in rows} == {"htmx.min.js", "cytoscape.min.js"}
    for name, digest in rows:
        assert hashlib.sha256((UI / "static" / name).read_bytes()).hexdigest() == digest, name
    assert (UI / "static" / "licenses" / "htmx.org-LICENSE.txt").exists()
    assert (UI / "static" / "licenses" / "cytoscape-LICENSE.txt").exists()


def test_templates_load_nothing_from_other_origins() -> None:
    for path in (UI / "templates").glob("*.html"):
        html = path.read_text()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), path.name
        assert "<script>" not in html and " on" + "click=" not in html, path.name
        assert "style=" not in html, path.name  # CSP: style-src 'self' (no inline styles)


def test_console_tables_match_migration(db: Engine) -> None:
    with db.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)

    ours = [d for d in diffs if "console_" in repr(d)]  # other packages' tables: not ours
    assert ours == [], ours
    assert {"console_users", "console_sessions"} <= set(metadata.tables)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Engine:
    monkeypatch.setenv("RISKLINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RISKLINE_PII_SECRET", settings.pii_secret.get_secret_value())
    monkeypatch.setenv("RISKLINE_CONSOLE_PASSWORD_WORK", "1024")
    monkeypatch.delenv("RISKLINE_CONSOLE_PASSWORD", raising=False)
    return connect(settings.database_url)


def test_cli_manages_console_users(cli_env: Engine) -> None:
    runner = CliRunner()
    secret = "a password from the environment"
    r = runner.invoke(
        cli,
        ["console", "add-user", "Sam", "--role", "supervisor"],
        env={"RISKLINE_CONSOLE_PASSWORD": secret},
    )
    assert r.exit_code == 0, r.output
    assert "added console user sam (supervisor)" in r.output and secret not in r.output
    users = UserStore(cli_env, work=1024)
    assert users.authenticate("sam", secret).role.value == "supervisor"
    again = runner.invoke(
        cli, ["console", "add-user", "sam"], env={"RISKLINE_CONSOLE_PASSWORD": secret}
    )
    assert again.exit_code == 2 and "already exists" in again.output
    bad_role = runner.invoke(
        cli,
        ["console", "add-user", "x1", "--role", "root"],
        env={"RISKLINE_CONSOLE_PASSWORD": secret},
    )
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.output
    no_pw = runner.invoke(cli, ["console", "add-user", "x2"])  # not a terminal, no env
    assert no_pw.exit_code == 2 and "RISKLINE_CONSOLE_PASSWORD" in no_pw.output
    mine = runner.invoke(
        cli, ["console", "add-user", "x3", "--password-env", "MY_PW"], env={"MY_PW": secret}
    )
    assert mine.exit_code == 0, mine.output
    assert runner.invoke(cli, ["console", "set-role", "sam", "admin"]).exit_code == 0
    assert runner.invoke(cli, ["console", "disable", "x3"]).exit_code == 0
    listing = runner.invoke(cli, ["console", "list-users"])
    assert re.search(r"sam\s+│\s+admin", listing.output) and re.search(
        r"x3.*disabled", listing.output
    )
    r = runner.invoke(
        cli,
        ["console", "set-password", "sam"],
        env={"RISKLINE_CONSOLE_PASSWORD": "the second password"},
    )
    assert r.exit_code == 0
    assert users.authenticate("sam", "the second password").role.value == "admin"
    with pytest.raises(Unauthenticated):
        users.authenticate("sam", secret)
