"""The command line as a user runs it: `secbot ask`, `secbot import`, `secbot db`, `secbot shell`."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support.cli import SECBOT, run


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    """One database for the read-only CLI tests: the sample register, as a first start leaves it."""
    from tests.support.databases import leased

    with leased("sample", tmp_path_factory.mktemp("cli")) as url:
        yield url


def test_ask_mp161_on_first_start_loads_the_sample(db_url):
    result = run(["ask", "MP161"], db_url)
    assert result.returncode == 0, result.stderr
    assert "Significant Code Review – Retail Code Consolidation" in result.stdout
    assert "Awaiting Authority Decision" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SECMP7", "SECMP0007: Firmware updates to IHDs and PPMIDs"),
        ("MPO78", "MP078"),
        ("mp 122a", "MP122A"),
    ],
)
def test_ask_finds_reference_forms(cli_db, text, expected):
    result = run(["ask", text], cli_db)
    assert result.returncode == 0
    assert result.stdout.startswith(expected)


def test_ask_unknown_reference_suggests_and_exits_0(cli_db):
    result = run(["ask", "MP999"], cli_db)
    assert result.returncode == 0
    assert "Did you mean" in result.stdout and "MP099" in result.stdout


def test_ask_dcc_as_of_the_june_2021_report(cli_db):
    result = run(["ask", "dcc", "--today", "2021-06-11"], cli_db)
    assert result.returncode == 0
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line[:2] in ("MP", "SE")}
    assert lines["MP107"][-2:] == ["130", "WD"]
    assert lines["SECMP0024"][-2:] == ["36", "WD"]
    assert lines["MP078"][-2:] == ["16", "WD"]
    assert lines["MP104"][-2:] == ["14", "WD"]


def test_secbot_today_in_the_environment(cli_db):
    result = run(["ask", "wg"], cli_db, extra_env={"SECBOT_TODAY": "2021-06-11"})
    assert result.stdout.startswith("Working Group: 7 July 2021")


def test_ask_json(cli_db):
    result = run(["ask", "MP161", "--format", "json"], cli_db)
    payload = json.loads(result.stdout)
    assert payload["ok"] is True and payload["title"].startswith("MP161")


def test_shell_reads_lines_until_eof(cli_db, tmp_path):
    result = run(["shell", "--today", "2021-06-11"], cli_db, stdin="MP161\nwg last\nquit\n", data_dir=tmp_path)
    assert result.returncode == 0
    assert "MP161: Significant Code Review" in result.stdout
    assert "Working Group: 2 June 2021" in result.stdout


def test_serve_without_credentials_is_the_shell(cli_db, tmp_path):
    result = run(["serve"], cli_db, stdin="DP162\n", data_dir=tmp_path)
    assert result.returncode == 0
    assert "DP162: SEC changes required to deliver MHHS" in result.stdout
    assert "local shell door" in result.stderr


def test_bad_today_is_a_clear_error(cli_db):
    result = run(["ask", "MP161", "--today", "June"], cli_db)
    assert result.returncode == 2
    assert "'June' is not a date (use YYYY-MM-DD)" in result.stderr


def test_unusable_settings_name_the_variable_and_never_show_a_token_or_a_traceback(cli_db):
    env = {
        "SECBOT_TEAMS_APP_ID": "00000000-0000-0000-0000-000000000001",
        "SECBOT_TEAMS_APP_PASSWORD": "app-password-that-must-stay-secret",
        "SECBOT_SLACK_BOT_TOKEN": "xoxb-token-that-must-stay-secret",
        "SECBOT_PORT": "not-a-port",
    }
    result = run(["ask", "MP161"], cli_db, extra_env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert "SECBOT_PORT: Input should be a valid integer" in result.stderr
    assert "Traceback" not in result.stderr and "must-stay-secret" not in result.stderr


def audit_entries(db_url: str) -> list:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from secbot.store.db import make_engine
    from secbot.store.models import AuditEntry

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    finally:
        engine.dispose()


def test_db_upgrade_and_import(db_url, tmp_path):
    result = run(["db", "upgrade"], db_url)
    assert result.returncode == 0 and "upgraded to revision" in result.stdout
    result = run(["db", "upgrade"], db_url)
    assert "already at revision" in result.stdout
    good = tmp_path / "register.yaml"
    good.write_text(
        "source: {key: T, title: Test register, issued: 2024-01-01}\n"
        "modifications: [{reference: MP500, title: A new modification, phase: Refine}]\n"
    )
    result = run(["import", str(good)], db_url)
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout
    [entry] = audit_entries(db_url)  # the import and its audit row, in one transaction
    assert (entry.action, entry.outcome, entry.platform) == ("import", "done", "shell")
    assert entry.actor.startswith("shell:") and entry.command == f"secbot import {good}"
    assert "1 added" in entry.detail
    result = run(["import", str(good)], db_url)
    assert result.returncode == 0 and "No changes" in result.stdout
    bad = tmp_path / "modifications.csv"
    bad.write_text("Reference,Title,Date Raised\nMP501,Fine,2024-01-02\nMP502,Broken,next tuesday\n")
    result = run(["import", str(bad)], db_url)
    assert result.returncode == 1
    assert len(audit_entries(db_url)) == 1  # neither "no changes" nor the failed import changed anything
    assert "modifications.csv" in result.stderr and "raised" in result.stderr and "next tuesday" in result.stderr
    result = run(["ask", "MP501"], db_url, extra_env={"SECBOT_LOAD_SAMPLE": "false"})
    assert "couldn't find MP501" in result.stdout


def test_a_failed_sync_is_printed_once_and_promises_no_retry(sample_db_url):
    result = run(["sync", "--url", "http://secas.example/register.xlsx"], sample_db_url)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (  # once, and without "will try again": only the scheduled sync does
        "The register sync from http://secas.example/register.xlsx failed, so the register is unchanged: "
        "the address must start with https:// (secbot downloads the register only over HTTPS).\n"
    )


# --- who the shell user is, and what it may type ------------------------------------------------------


def test_the_shell_user_is_the_operating_systems_login_not_user_or_logname(cli_db):
    import pwd

    login = pwd.getpwuid(os.getuid()).pw_name
    assert login != "someone"
    env = {"USER": "someone", "LOGNAME": "someone", "SECBOT_ADMINS": '["shell:someone"]'}
    result = run(["ask", "whoami"], cli_db, extra_env=env)
    assert result.returncode == 0, result.stderr
    assert f"shell:{login}" in result.stdout
    assert "someone" not in result.stdout
    assert "You are a reader" in result.stdout  # naming $USER in SECBOT_ADMINS grants nothing


def test_the_real_login_named_as_admin_is_an_admin(cli_db):
    import pwd

    login = pwd.getpwuid(os.getuid()).pw_name
    result = run(["ask", "whoami"], cli_db, extra_env={"USER": "someone", "SECBOT_ADMINS": f'["shell:{login}"]'})
    assert "You are a SECAS admin" in result.stdout


def run_bytes(args: list[bytes], db_url: str, stdin: bytes = b"", extra_env: dict | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECBOT_")}
    env |= {"SECBOT_DATABASE_URL": db_url, "PYTHONIOENCODING": "utf-8:strict", **(extra_env or {})}
    command = [os.fsencode(part) for part in SECBOT] + args
    return subprocess.run(command, input=stdin, capture_output=True, env=env, timeout=120)


def test_bytes_that_are_not_utf8_are_read_as_replacement_characters(cli_db, tmp_path):
    result = run_bytes([b"ask", b"search fire\xffware"], cli_db)
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert "Nothing in the register matches “fire\ufffdware”" in result.stdout.decode("utf-8")

    typed = b"MP161\xff\x00\x1b[2J\nsearch \xed\xa0\x80\nquit\n"  # invalid UTF-8, NUL, a terminal escape, a surrogate
    result = run_bytes([b"shell"], cli_db, stdin=typed, extra_env={"SECBOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    shown = result.stdout.decode("utf-8")  # strict: the output is UTF-8 throughout
    assert "MP161: Significant Code Review" in shown
    assert "Nothing in the register matches" in shown
    assert "\x00" not in shown and "\x1b" not in shown


def test_a_database_that_cannot_be_reached_is_one_clear_line_not_a_traceback(tmp_path):
    from tests.support.unreachable import closed_port

    for url in (f"postgresql://postgres@127.0.0.1:{closed_port()}/test", f"sqlite:///{tmp_path}"):
        result = run(["ask", "MP161"], url)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("secbot: the register database cannot be reached just now (OperationalError")
        assert result.stderr.strip().endswith("Please try again in a minute.")


def test_answer_threads_default_to_one_on_sqlite_and_two_on_postgresql_and_zero_is_refused(cli_db):
    from secbot.settings import Settings

    assert Settings(database_url="sqlite:////tmp/x.db").resolved_answer_threads == 1
    assert Settings(database_url="postgresql+psycopg://db/secbot").resolved_answer_threads == 2
    assert Settings(database_url="postgresql+psycopg://db/secbot", answer_threads=4).resolved_answer_threads == 4
    result = run(["ask", "MP161"], cli_db, extra_env={"SECBOT_ANSWER_THREADS": "0"})
    assert result.returncode == 2
    assert "SECBOT_ANSWER_THREADS: Input should be greater than or equal to 1" in result.stderr
