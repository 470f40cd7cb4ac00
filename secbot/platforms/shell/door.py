"""The local shell door: ``secbot shell`` (interactive, with history) and ``secbot ask`` (one shot).

It needs no credentials and exercises the whole path, so it is what ``secbot serve`` runs when no
chat platform is configured. Its user is the operating system's login name for the process's user id
(identity ``shell:<login>``, which ``SECBOT_ADMINS`` may name), never the environment's ``$USER``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import sys
from pathlib import Path
from typing import TextIO

from secbot.app import App
from secbot.commands import Actor, Where
from secbot.platforms.shell.text import render_json, render_text
from secbot.replies import Reply

PROMPT = "sec> "


def _login() -> str:
    """The operating system's name for the user running secbot: the password entry of the real uid.

    Never ``$USER`` or ``$LOGNAME`` (which ``getpass.getuser`` reads first): anyone can set those, and
    the login decides who is an admin (``shell:<login>`` in ``SECBOT_ADMINS``)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # no password entry for this uid (some containers)
        return f"uid{uid}"


SHELL_USER = Actor("shell", _login())
SHELL_CHANNEL = Where("shell", "local")


_INGEST = re.compile(r"^\s*ingest\s+(?P<path>\S.*?)\s*$", re.IGNORECASE)


def ask(app: App, text: str, fmt: str = "text") -> tuple[str, Reply]:
    sent = _INGEST.match(text)
    if sent:  # the shell's way of sending a file: its path on this machine
        reply = app.receive_report_file(Path(sent["path"]).expanduser(), SHELL_USER, SHELL_CHANNEL)
    else:
        reply = app.answer(text, SHELL_USER, SHELL_CHANNEL)
    return (render_json(reply) if fmt == "json" else render_text(reply)), reply


def run_shell(
    app: App, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, history_file: Path | None = None
) -> int:
    interactive = stdin.isatty()
    if hasattr(stdin, "reconfigure"):  # bytes that are not UTF-8 reach the input gate, not a traceback
        stdin.reconfigure(errors="surrogateescape")
    if interactive:
        _enable_history(history_file)
        stdout.write(
            "secbot shell: ask about the SEC Modifications Register. `help` lists commands; `quit` or Ctrl-D leaves.\n"
        )
    while True:
        try:
            line = input(PROMPT) if interactive else stdin.readline()
        except (EOFError, KeyboardInterrupt):
            stdout.write("\n")
            return 0
        if not interactive and line == "":
            return 0
        line = line.strip()
        if line.lower() in ("quit", "exit", ":q"):
            return 0
        if not line:
            continue
        text, _reply = ask(app, line)
        stdout.write(text + "\n\n")
        stdout.flush()


def _enable_history(history_file: Path | None) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - not on every platform
        return
    if history_file is None:
        return
    history_file.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        readline.read_history_file(history_file)
    import atexit

    readline.set_history_length(1000)
    atexit.register(readline.write_history_file, history_file)
