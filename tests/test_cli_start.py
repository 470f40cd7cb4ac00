"""What `secbot` costs to start, as guards that cannot drift with the machine's speed: which libraries a
command imports, whether a current schema is migrated again, and a closed pipe ending it quietly.

The timings themselves are ``bench/cli_start.py``'s to measure; no test here asserts one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from secbot.store.db import SCHEMA_HEAD, head_revision, make_engine
from secbot.store.opening import prepare_store

SECBOT = [sys.executable, "-m", "secbot"]
# Libraries that only the chat doors, the scheduler, charts, XLSX import or migrations need.
NOT_FOR_ASK = {
    "slack_bolt",
    "slack_sdk",
    "microsoft_agents",
    "aiohttp",
    "apscheduler",
    "matplotlib",
    "openpyxl",
    "alembic",
}
# Run a command in a fresh interpreter, then print the top-level packages it imported among those named.
IMPORTED = """
import json, sys
from secbot.cli import main
try:
    status = main(sys.argv[2:])
except SystemExit as exit:
    status = exit.code
sys.stdout.flush()
names = set(json.loads(sys.argv[1]))
print(json.dumps({"status": status, "imported": sorted({m.split(".")[0] for m in sys.modules} & names)}))
"""


def env_for(db_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECBOT_")}
    env.update(SECBOT_DATABASE_URL=db_url, SECBOT_DATA_DIR=str(data_dir), **settings)
    return env


def url_of(store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def imported_by(args: list[str], names: set[str], env: dict[str, str]) -> tuple[str, dict]:
    """What ``secbot <args>`` printed, and its status and which of ``names`` it imported."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED, json.dumps(sorted(names)), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    *printed, last = result.stdout.splitlines()
    return "\n".join(printed), json.loads(last)


def test_ask_on_a_current_schema_imports_no_chat_sdk_and_no_alembic(sample_store, tmp_path):
    printed, run = imported_by(["ask", "MP161"], NOT_FOR_ASK, env_for(url_of(sample_store), tmp_path))
    assert printed.startswith("MP161: Significant Code Review – Retail Code Consolidation")
    assert run == {"status": 0, "imported": []}


def test_help_imports_no_database_or_settings_library(tmp_path):
    heavy = NOT_FOR_ASK | {"sqlalchemy", "pydantic", "pydantic_settings"}
    printed, run = imported_by(["--help"], heavy, env_for("sqlite:///unused.db", tmp_path))
    assert printed.startswith("usage: secbot")
    assert "ask" in printed and "digest" in printed
    assert run == {"status": 0, "imported": []}


def test_digest_help_still_lists_every_kind(tmp_path):
    printed, run = imported_by(["digest", "--help"], set(), env_for("sqlite:///unused.db", tmp_path))
    assert "{agenda,consultations,monthly}" in printed
    assert run["status"] == 0


def test_schema_head_names_the_newest_migration():
    # A database stamped SCHEMA_HEAD is taken as current without asking Alembic: a new migration must move it.
    assert head_revision(make_engine("sqlite://")) == SCHEMA_HEAD


def test_a_database_on_an_older_schema_is_still_upgraded_on_start(db_url, tmp_path):
    from alembic import command
    from alembic.config import Config

    from secbot.store.db import MIGRATIONS

    engine = make_engine(db_url)
    prepare_store(engine, load_sample=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    command.downgrade(config, "-1")  # as a database left by the previous release
    engine.dispose()
    env = env_for(db_url, tmp_path, SECBOT_LOAD_SAMPLE="false")
    before = subprocess.run([*SECBOT, "db", "current"], capture_output=True, text=True, env=env, timeout=120)
    assert before.stdout.startswith(f"Schema revision {int(SCHEMA_HEAD) - 1:04d} ")

    asked = subprocess.run([*SECBOT, "ask", "stats"], capture_output=True, text=True, env=env, timeout=120)
    assert asked.returncode == 0, asked.stderr

    after = subprocess.run([*SECBOT, "db", "current"], capture_output=True, text=True, env=env, timeout=120)
    assert after.stdout.strip() == f"Schema revision {SCHEMA_HEAD} (newest: {SCHEMA_HEAD})."


def into_closed_pipe(args: list[str], env: dict[str, str], typed: str | None, unbuffered: str):
    """Run ``secbot <args>`` with its output going into a pipe whose reader has already gone."""
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [*SECBOT, *args], input=typed, stdout=writer, stderr=subprocess.PIPE, text=True, env=env, timeout=120
        )
    finally:
        os.close(writer)


UNBUFFERED = pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])


@UNBUFFERED
@pytest.mark.parametrize(("args", "typed"), [(["ask", "MP161"], None), (["shell"], "MP161\nMP162\n")])
def test_answers_into_a_closed_pipe_end_quietly_with_status_1(sample_store, tmp_path, args, typed, unbuffered):
    """`secbot ask MP161 | head -c0`: the reader is gone before secbot writes a byte."""
    result = into_closed_pipe(args, env_for(url_of(sample_store), tmp_path), typed, unbuffered)
    assert result.stderr == ""
    assert result.returncode == 1


@UNBUFFERED
def test_help_into_a_closed_pipe_ends_quietly(tmp_path, unbuffered):
    # argparse itself ignores a failed write of the help (status 0); the buffered case fails at the flush (1).
    result = into_closed_pipe(["--help"], env_for("sqlite:///unused.db", tmp_path), None, unbuffered)
    assert result.stderr == ""


def test_shell_piped_into_head_ends_quietly_after_the_first_line(sample_store, tmp_path):
    """`secbot shell < questions | head -1`, with far more answers than a pipe holds."""
    questions = tmp_path / "questions.txt"
    questions.write_text("MP161\n" * 2000, encoding="utf-8")
    env = env_for(url_of(sample_store), tmp_path)
    with questions.open("rb") as typed:
        secbot = subprocess.Popen(
            [*SECBOT, "shell"], stdin=typed, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        head = subprocess.Popen(["head", "-1"], stdin=secbot.stdout, stdout=subprocess.PIPE)
        secbot.stdout.close()  # head holds the only reading end now
        first_line, _ = head.communicate(timeout=120)
        errors = secbot.stderr.read().decode()
        secbot.wait(timeout=120)
    assert first_line.decode().startswith("MP161: Significant Code Review")
    assert errors == ""
    assert secbot.returncode == 1
