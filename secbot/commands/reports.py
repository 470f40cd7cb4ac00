"""A SECAS report sent to the bot as a file (a Slack file share, a Teams file in a personal chat, or
``ingest <path>`` in the local shell): read (``secbot.ingest``), shown as what importing it would
change, and imported on Confirm (``secbot.store.importer.from_chat``), audited like every change.

Only SECAS admins may do it; a reader's file is refused (and the attempt audited) before it is read.
The doors only fetch the file's bytes and call ``App.receive_report``; everything said here is the
same on every platform.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from secbot.commands import admin
from secbot.commands.changing import DONE_REPLIES, PREVIEW_REPLIES, carry_out
from secbot.commands.context import Context
from secbot.commands.registry import ADMIN, REGISTRY, command
from secbot.replies import Action, Reply, Section
from secbot.store.changes import Outcome, Plan
from secbot.store.importer import from_chat
from secbot.store.importer.preview import preview
from secbot.store.importer.results import ImportFailed

SUFFIXES = (".pdf", ".txt")
SHOWN_LINES = 25  # of what would change, in the preview; the rest are counted
SHOWN_WARNINGS = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@command(
    "ingest",
    "ingest (send the report as a file)",
    "Read a SECAS Change Status Report sent as a PDF or text file, show what it changes, import on Confirm",
    details="Send the report to the bot as a file: in Slack, in a direct message or with a mention; in Teams, "
    "in a personal chat. The bot answers with what importing it would change, and Confirm and Cancel.",
    role=ADMIN,
)
def ingest_command(ctx: Context, args: str) -> Reply:
    return Reply(
        "Send the report as a file",
        kind="help",
        summary="Send me the Change Status Report as a PDF or text file (in a direct message, or with a mention) "
        "and I will show what importing it would change, with Confirm and Cancel.",
        cacheable=False,
    )


def refusal(ctx: Context, name: str | None) -> Reply | None:
    """Why a file named ``name`` is not to be read at all, before anyone fetches it: a reader sent it (the
    attempt is audited), or it cannot be a report; None when it is to be read. ``name`` None: not known
    yet (a door that must ask the platform for it), so only who sent it is checked."""
    shown = _safe_name(name or "a file")
    if not ctx.is_admin:
        return admin.refuse(ctx, REGISTRY.commands["ingest"], f"ingest {shown}")
    if name is not None and not may_be_report(name):
        return _cannot(shown, "A report must be a PDF or a text file (.pdf or .txt).")
    return None


def receive_report(ctx: Context, name: str, data: bytes, *, max_bytes: int) -> Reply:
    """The reply to a report sent as a file named ``name``: its preview for Confirm, or why not."""
    if refused := refusal(ctx, name):
        return refused
    name = _safe_name(name)
    if len(data) > max_bytes:
        return _cannot(name, f"It is {len(data):,} bytes; a report may be at most {max_bytes:,}.")
    from secbot.ingest.document import IngestError  # a report is rare: its readers load when one comes
    from secbot.ingest.report import ingest, to_yaml

    with tempfile.TemporaryDirectory(prefix="secbot-report-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            ingested = ingest(path)
        except IngestError as error:
            return _cannot(name, _sentence(str(error).removeprefix(f"{path}: ")))
        text = to_yaml(ingested)
        written = Path(folder) / f"{path.stem}.yaml"
        written.write_text(text, encoding="utf-8")
        try:
            changes = preview(ctx.register.store, [written], max_mb=max_bytes / 1024 / 1024)
        except ImportFailed as failed:
            return _cannot(name, "What it holds would not import:\n" + "\n".join(failed.errors[:SHOWN_WARNINGS]))
    title = (ingested.data.get("source") or {}).get("title") or ingested.document.title or name
    if not changes.differences:
        return Reply(
            f"Nothing new in {title}",
            kind="notice",
            summary="The register already holds everything this report says. Nothing was changed.",
            cacheable=False,
        )
    plan = Plan(
        action=from_chat.ACTION,
        title=f"import {title}",
        payload={"yaml": text, "file": written.name, "report": title, "preview": changes.lines()},
        reference=None,
        before=None,
        after={"report": title, "changes": changes.summary()},
        needs_confirm=True,
        warnings=_capped(ingested.warnings, SHOWN_WARNINGS, "more warnings"),
    )
    return carry_out(ctx, f"ingest {name}", plan, always_confirm=True)


def _preview(ctx: Context, plan: Plan) -> Reply:
    lines = plan.payload["preview"]
    return Reply(
        f"Confirm: {plan.title}",
        summary=f"Importing it would change the register: {plan.after['changes']}",
        sections=[Section(heading="What would change", text="\n".join(_capped(lines, SHOWN_LINES, "more changes")))],
    )


def _done(ctx: Context, plan: Plan, outcome: Outcome) -> Reply:
    imported = outcome.after.get("imported", {})
    said = "; ".join(f"{table.replace('_', ' ')} {counts}" for table, counts in imported.items())
    return Reply(
        f"Imported {plan.payload['report']}",
        summary=f"The register is updated: {said or 'nothing changed'}. Every answer and digest from now on shows it.",
        actions=[Action("What changed", "changes last report")],
    )


PREVIEW_REPLIES[from_chat.ACTION] = _preview
DONE_REPLIES[from_chat.ACTION] = _done


def may_be_report(name: str) -> bool:
    """Whether a file named ``name`` may be a report (a PDF or a text file): any other is explained unread."""
    return Path(_safe_name(name)).suffix.lower() in SUFFIXES


def send_in_personal_chat(name: str) -> Reply:
    """A file sent where the platform does not hand files to bots (in Teams, a channel or group chat)."""
    return Reply(
        f"Send {_safe_name(name)} in a chat with me alone",
        kind="notice",
        summary="Files sent here do not reach me: only those sent to me in a one-to-one chat do. Open a chat with "
        "me and send the report there: I will show what importing it would change, with Confirm and Cancel. "
        "Nothing was changed.",
        cacheable=False,
    )


def unreadable(name: str, why: str) -> Reply:
    """A file the door could not fetch or open."""
    return _cannot(_safe_name(name), f"The file could not be opened ({why}).")


def _cannot(name: str, why: str) -> Reply:
    return Reply(
        f"I couldn't read {name}", kind="error", summary=f"{_sentence(why)} Nothing was changed.", cacheable=False
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith(('.', '!', '?')) else '.'}"


def _capped(lines: list[str], most: int, what: str) -> list[str]:
    return lines[:most] + ([f"… and {len(lines) - most} {what}"] if len(lines) > most else [])


def _safe_name(name: str) -> str:
    """The file's own name, without folders or characters a path or a reply should not hold."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .") or "report"
    return base[-120:]
