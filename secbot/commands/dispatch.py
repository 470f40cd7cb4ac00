"""Parse what a user typed and route it to one command; every door calls ``dispatch``.

Order: a command word; a reference alone or with "timeline"; a known phrase ("next working group");
any reference inside a free question ("who raised DP113?"); otherwise help. No exception leaves
``dispatch``: a failure becomes a reply and is logged through ``secbot.outages.report``: when the
database cannot be reached, "the register is unavailable" and one line without a trace; any other
failure, a short apology and the trace.

A question about the register may name the day it asks about: "MP161 as of 7 Feb 2020", "stats as of
last March", "as of 2017, phase refine". It is then answered as the register stood at the end of that
day (``secbot.store.asof``), with a footer saying so; only commands declared ``cached`` (questions,
never changes) take it, and a day after today is politely refused.

The admin gate is here, once for every door: a command registered with ``role=ADMIN`` is refused to
a reader (``ctx.is_admin`` false) before its handler runs, and the attempt is audited.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from secbot import outages
from secbot.commands import (  # noqa: F401  (registering the commands)
    admin,
    changing,
    consultations,
    dcc,
    decisions,
    help,
    lists,
    meeting_upkeep,
    meetings,
    record,
    record_dcc,
    record_releases,
    record_votes,
    releases,
    status,
    upkeep,
    what_changed,
)
from secbot.commands.context import Context
from secbot.commands.dates import parse_as_of
from secbot.commands.help import help_reply
from secbot.commands.registry import ADMIN, REGISTRY
from secbot.formatting import agreeing, long_date, plural
from secbot.references import find_references, parse_reference
from secbot.replies import Reply

log = logging.getLogger(__name__)

_PREFIX = re.compile(r"^\s*(?:/sec\b|@?secbot\b[:,]?|sec\s+(?=\S))\s*", re.IGNORECASE)
_TIMELINE = re.compile(r"^(?P<ref>.+?)\s+(?:timeline|history|events)\s*$", re.IGNORECASE)
_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(next|upcoming)\s+(working\s*group|wg)\b", re.I), "wg next"),
    (re.compile(r"\b(last|previous|latest)\s+(working\s*group|wg)\b", re.I), "wg last"),
    (re.compile(r"\bwhen\b.*\b(working\s*group|wg)\b", re.I), "wg next"),
    (re.compile(r"\b(open|current|live)\s+consultations?\b", re.I), "consultations open"),
    (re.compile(r"\b(upcoming|expected|future)\s+consultations?\b", re.I), "consultations upcoming"),
    (
        re.compile(r"\bconsultations?\b.*\bclos(e|es|ing)\b|\bclosing\b.*\bconsultations?\b", re.I),
        "consultations closing",
    ),
    (re.compile(r"\bconsultations?\b", re.I), "consultations"),
    (re.compile(r"\b(next|upcoming)\s+(sec\s+)?release\b", re.I), "release next"),
    (re.compile(r"\b(open|outstanding|pending)\s+(dcc\s+)?(assessments?|ias?|pas?)\b", re.I), "dcc open"),
    (re.compile(r"\b(recent\s+)?decisions?\b", re.I), "decisions"),
    (re.compile(r"\bhow many\b|\bstatistics\b|\bcounts?\b", re.I), "stats"),
    (re.compile(r"^\s*who\s*am\s*i\b", re.I), "whoami"),
    (re.compile(r"^\s*(hi|hello|hey|thanks|thank you)\b", re.I), "help"),
]


def normalise(text: str) -> str:
    text = (text or "").replace("\u00a0", " ").strip()
    return _PREFIX.sub("", text, count=1).strip()


def route(text: str) -> tuple[str, str]:
    """(command name, its arguments) for what the user typed."""
    text = normalise(text)
    if not text:
        return "help", ""
    found = REGISTRY.match(text)
    if found:
        return found[0].name, found[1]
    if parse_reference(text) is not None:
        return "status", text
    if text.lower().startswith(("http://", "https://")):
        return "status", text
    timeline = _TIMELINE.match(text)
    if timeline and parse_reference(timeline.group("ref")) is not None:
        return "timeline", timeline.group("ref")
    references = find_references(text)
    if references:
        wants_timeline = re.search(r"\b(timeline|history)\b", text, re.I)
        return ("timeline" if wants_timeline else "status"), references[0].text
    for pattern, target in _PHRASES:
        if pattern.search(text):
            name, _, args = target.partition(" ")
            return name, args
    return "", text


_AS_OF_AFTER = re.compile(r"^(?P<rest>.+?)[\s,;]+as (?:of|at) (?P<when>[^,;?!]+?)[\s.?!]*$", re.I)
_AS_OF_BEFORE = re.compile(r"^as (?:of|at) (?P<when>[^,;:]+?)\s*[,;:]\s*(?P<rest>.+)$", re.I)


def dispatch(text: str, ctx: Context) -> Reply:
    name = ""
    try:
        as_of = _as_of(text, ctx)
        if as_of is not None:
            return as_of
        name, args = route(text)
        if not name:
            return _not_understood(ctx, args)
        command = REGISTRY.commands[name]
        if command.role == ADMIN and not ctx.is_admin:
            return admin.refuse(ctx, command, text)
        return command.handler(ctx, args)
    except Exception as error:  # a user must never see a stack trace
        return failed(f"command {name or '(none)'} ({(text or '')[:200]!r})", error)


def _as_of(text: str, ctx: Context) -> Reply | None:
    """The answer to a question asked "as of" a day, or None when ``text`` is not one."""
    match = _AS_OF_AFTER.match(text.strip()) or _AS_OF_BEFORE.match(text.strip())
    if match is None:
        return None
    question, when = match["rest"].strip(), match["when"].strip()
    command = REGISTRY.commands.get(route(question)[0])
    if command is None or not command.cached:  # a change, or not a question: the command reads it all
        return None
    today = ctx.register.today()
    day = parse_as_of(when, today)
    if day is None:
        return Reply(
            f"“{when[:60]}” is not a day I can read",
            kind="error",
            summary=f"Ask as of a day, a month or a year, e.g. `{question[:60]} as of 7 February 2020`, "
            f"`… as of last March` or `… as of 2017`.",
        )
    if day > today:
        return Reply(
            "The register cannot say what it will hold",
            kind="error",
            summary=f"Ask as of {long_date(today)} or an earlier day.",
        )
    reply = dispatch(question, ctx.as_of(day))
    stood = f"As the register stood on {long_date(day)}."
    return dataclasses.replace(reply, footer=f"{stood}\n{reply.footer}" if reply.footer else stood)


def failed(what: str, error: BaseException) -> Reply:
    """The reply to a request that failed: logged once (one line in an outage, a trace for a bug)."""
    return unavailable() if outages.report(what, error, log) else apology()


def unavailable() -> Reply:
    """The database cannot be reached: say so, specifically, and never cache it."""
    return Reply(
        "The register is unavailable",
        kind="error",
        summary="The register is unavailable just now — please try again in a minute.",
        cacheable=False,
    )


def apology() -> Reply:
    return Reply(
        "Sorry, something went wrong",
        cacheable=False,
        kind="error",
        summary="I couldn't answer that just now. The problem has been logged; please try again shortly.",
    )


def _not_understood(ctx: Context, text: str) -> Reply:
    total, _hits = ctx.register.search(text, limit=1) if len(text) <= 200 else (0, [])
    if total:
        intro = (
            f"I didn't recognise a command in “{text}”, but {plural(total, 'modification')} "
            f"{agreeing(total, 'matches', 'match')} those words: try `search {text}`. Commands I know:"
        )
    else:
        intro = f"I didn't understand “{text[:100]}”. Here's what I can do:"
    return help_reply(intro)
