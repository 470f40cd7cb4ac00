"""Parse what a user typed and route it to one command; every door calls ``dispatch``.

What the text asks for is read by ``understanding.understand`` (a command word, a reference, a question
in members' words, a command word with a slip); what is not understood gets the closest commands. No
exception leaves
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
    followups,
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
from secbot.commands.help import closest_reply, did_you_mean
from secbot.commands.registry import ADMIN, REGISTRY
from secbot.commands.understanding import FOLLOW_UP, Understood, understand
from secbot.formatting import long_date
from secbot.replies import Reply

log = logging.getLogger(__name__)


def route(text: str) -> tuple[str, str]:
    """(command name, its arguments) for what the user typed (``understanding.understand``)."""
    understood = understand(text)
    return understood.name, understood.args


_AS_OF_AFTER = re.compile(r"^(?P<rest>.+?)[\s,;]+as (?:of|at) (?P<when>[^,;?!]+?)[\s.?!]*$", re.I)
_AS_OF_BEFORE = re.compile(r"^as (?:of|at) (?P<when>[^,;:]+?)\s*[,;:]\s*(?P<rest>.+)$", re.I)


def dispatch(text: str, ctx: Context) -> Reply:
    name = ""
    try:
        as_of = _as_of(text, ctx)
        if as_of is not None:
            return as_of
        understood = understand(text)
        name, args = understood.name, understood.args
        if understood.why == FOLLOW_UP:  # the App puts a follow-up's line in its place; here none is known
            line = followups.line_for(understood.args, None, None)
            return dispatch(line, ctx) if line else follows_nothing(understood.args)
        if not name:
            return _not_understood(ctx, understood)
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


def follows_nothing(text: str) -> Reply:
    """A follow-up with nothing before it to follow (or only more than 30 minutes ago)."""
    return Reply(
        f"What should “{text[:60]}” follow?",
        kind="help",
        summary="I don't have an earlier question from here in the last 30 minutes. Ask about a modification "
        "or a list first, e.g. `MP161` or `search firmware`, then `more`, `and its timeline?` or `who raised it?`.",
        cacheable=False,
    )


def _not_understood(ctx: Context, understood: Understood) -> Reply:
    text = understood.args
    if understood.suggestions:
        return did_you_mean(text, understood.suggestions)
    total, _hits = ctx.register.search(text, limit=1) if len(text) <= 200 else (0, [])
    return closest_reply(ctx, f"I didn't understand “{text[:100]}”.", text, total)
