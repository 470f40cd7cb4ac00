"""Parse what a user typed and route it to one command; every door calls ``dispatch``.

What the text asks for is read by ``understanding.understand`` (a command word, a reference, a question
in members' words, a command word with a slip); what is not understood gets the closest commands. No
exception leaves
``dispatch``: a failure becomes a reply and is logged through ``secbot.outages.report``: when the
database cannot be reached, "the register is unavailable" and one line without a trace; any other
failure, a short apology and the trace.

A question about the register may name the day it asks about: "MP161 as of 7 Feb 2020", "stats as of
last March", "as of 2017, phase refine", "firmware mods as they stood in 2017", "where was mod 6 back in
may 2017", "which mods were in the decision phase on 25 May 2017". It is then answered as the register
stood at the end of that day (``secbot.store.asof``), with a footer saying so; only commands declared
``cached`` (questions, never changes) take it, and a day after today is politely refused.

The admin gate is here, once for every door: a command registered with ``role=ADMIN`` is refused to
a reader (``ctx.is_admin`` false) before its handler runs, and the attempt is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
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
    reports,
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


def route(text: str, today: dt.date | None = None) -> tuple[str, str]:
    """(command name, its arguments) for what the user typed (``understanding.understand``); with
    ``today``, those of the question beneath a day said ("firmware mods as they stood in 2017")."""
    said = _asked_as_of(text, today) if today else None
    understood = understand(said.question if said and said.day else text)
    return understood.name, understood.args


# "as of" / "as at": a day must follow; "as they stood in": taken only when a day follows. A day set
# before the question ("Looking at Oct 2017, what …", "on 15 Oct 2017 when was the next WG") is the day
# to answer as of when a comma closes it or the question asks for the next, last or latest. A day after
# "back in", "at the end of" or a past-tense question ("which mods were … on 25 May 2017"): only for
# what the register held then, never a meeting's or a decision's own day ("decided back in April").
_AS_OF = re.compile(r"\bas\s+(?:of|at)\s+", re.I)
_STOOD = re.compile(r"\bas\s+(?:it|they|things|the\s+register)\s+(?:stood|were|was)(?:\s+(?:on|in|at))?\s+", re.I)
_SETTING = re.compile(
    r"^(?:(?:looking|looked)\s+(?:back\s+)?at|(?:(?:going|thinking|looking|casting\s+\w+\s+mind)\s+)?back\s+(?:in|on|at|to)"
    r"|on|at|in|by)\s+",
    re.I,
)
_RELATIVE = re.compile(r"\b(?:next|last|latest|previous|current|currently|now)\b", re.I)
_END_OF = re.compile(
    r"\bat\s+(?=the\s+end\s+of\b)|(?<!came\s)(?<!come\s)(?<!sent\s)(?<!it\s)(?<!them\s)\bback\s+(?:in|on|at)\s+", re.I
)
_PREPOSITION = re.compile(r"\b(?:on|in|at|by)\s+", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:?!.()]|\s[-–—]\s")
_EVENT_VERB = re.compile(
    r"\b(?:recommended|approved|rejected|raised|sent|submitted|decided|voted|referred|extended|agreed|presented"
    r"|issued|proposed|deferred|withdrew|converted|launched|published|consulted|discussed|considered|returned)\b",
    re.I,
)
_EVENT_NOUN = re.compile(
    r"\b(?:extensions?|decisions?|votes?|meetings?|reports?|consultations?|assessments?|referrals?|requests?)\s*$", re.I
)
_PAST = re.compile(r"\b(?:were|was|did|had|stood)\b", re.I)
# Questions that take no day of their own: a day said with one is the day to answer as of.
_STATE_COMMANDS = frozenset(
    {"status", "timeline", "phase", "list", "stats", "search", "raised by", "consultations", "dcc"}
)
_LONGEST_DAY_WORDS = 6


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


@dataclasses.dataclass(frozen=True)
class _SaidDay:
    question: str  # the text without the day's words
    when: str  # the day's words
    day: dt.date | None  # None: "as of" something that is not a day
    plainly: bool  # "as of", "as they stood": said as the day to answer as of


def _said_day(text: str, today: dt.date) -> _SaidDay | None:
    """The day ``text`` asks about the register as of, or None when it names none."""
    said = [(found, True) for pattern in (_AS_OF, _STOOD) for found in pattern.finditer(text)]
    said += [(found, False) for found in _SETTING.finditer(text)]
    said += [(found, False) for found in _END_OF.finditer(text) if not _an_events_day(text[: found.start()])]
    said += [(found, False) for found in _PREPOSITION.finditer(text) if _PAST.search(text[: found.start()])]
    for found, plainly in said:
        rest = text[found.end() :]
        words = rest.split()
        for count in range(min(_LONGEST_DAY_WORDS, len(words)), 0, -1):  # "as of 6 Oct 2017 when was …"
            when = " ".join(words[:count]).strip(",;:.?!")
            day = parse_as_of(when, today) if when else None
            if day is not None:
                question = f"{text[: found.start()]} {' '.join(words[count:])}".strip(" ,;:.?!")
                if found.re in (_SETTING, _END_OF):  # "Looking at Oct 2017, …"; "on 15 Oct 2017 when was the next …"
                    closed = words[count - 1].endswith(",") or words[count : count + 1] in (["-"], ["–"], ["—"])
                    plainly = (closed and found.re is _SETTING) or bool(_RELATIVE.search(question))
                return _SaidDay(question, when, day, plainly)
        if found.re is _AS_OF:
            when = re.split(r"[,;:?!]", rest)[0].strip()
            question = text[: found.start()].strip(" ,;:.?!") or rest[len(when) :].strip(" ,;:.?!")
            return _SaidDay(question, when, None, True)
    return None


def _an_events_day(before: str) -> bool:
    """Whether "back in <when>" after ``before`` dates an event of the question ("CB recommended it to BEIS back in
    April", "incl the first extension back in Feb"), not the day to answer as of ("where was mod 6 back in May")."""
    clause = _CLAUSE_BREAK.split(before)[-1]
    return bool(_EVENT_VERB.search(clause) or _EVENT_NOUN.search(clause))


def _asked_as_of(text: str, today: dt.date) -> _SaidDay | None:
    """The day ``text`` is to be answered as of, when it is a question about the register that names one."""
    said = _said_day(text.strip(), today)
    if said is None or not said.question:
        return None
    name = route(said.question)[0]
    command = REGISTRY.commands.get(name)
    if command is None or not command.cached:  # a change, or not a question: the command reads it all
        return None
    if not said.plainly and not (name in _STATE_COMMANDS and route(text)[0] in _STATE_COMMANDS):
        return None  # "what was decided on 26 May 2021", "approved in April 2017": the day is the question's own
    if said.day and said.day > today and not (said.plainly and _AS_OF.search(text)):
        return None  # "as they stood in June", of a day to come: not an "as of"
    return said


def _as_of(text: str, ctx: Context) -> Reply | None:
    """The answer to a question asked "as of" a day, or None when ``text`` is not one."""
    today = ctx.register.today()
    said = _asked_as_of(text, today)
    if said is None:
        return None
    if said.day is None:
        return Reply(
            f"“{said.when[:60]}” is not a day I can read",
            kind="error",
            summary=f"Ask as of a day, a month or a year, e.g. `{said.question[:60]} as of 7 February 2020`, "
            f"`… as of last March` or `… as of 2017`.",
        )
    if said.day > today:
        return Reply(
            "The register cannot say what it will hold",
            kind="error",
            summary=f"Ask as of {long_date(today)} or an earlier day.",
        )
    reply = dispatch(said.question, ctx.as_of(said.day))
    stood = f"As the register stood on {long_date(said.day)}."
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
