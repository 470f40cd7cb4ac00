"""Run the ``secbot`` command line as a user does: a child process, with only the environment given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SECBOT = [sys.executable, "-m", "secbot"]


def run(
    args: list[str],
    db_url: str,
    *,
    stdin: str | None = None,
    extra_env: dict | None = None,
    data_dir: Path | None = None,
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECBOT_")}
    env["SECBOT_DATABASE_URL"] = db_url
    if data_dir:
        env["SECBOT_DATA_DIR"] = str(data_dir)
    env.update(extra_env or {})
    return subprocess.run(SECBOT + args, input=stdin, capture_output=True, text=True, env=env, timeout=120)
