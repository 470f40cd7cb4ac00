"""Recording decisions, DCC assessments and SEC Releases from chat (SECAS admins): what the ``record …``
commands share (their usages, the words people type for outcomes, steps and statuses, reading
``<reference> <date> …``) and ``record`` alone, which lists them. The commands are in
``record_votes`` (votes, Authority decisions), ``record_dcc`` (DCC assessment steps) and
``record_releases`` (releases and their scope).

Recording a fact the register does not hold yet is made at once; replacing or removing one it holds
needs Confirm. What people type is read into the register's vocabulary (``VOTE_OUTCOMES``,
``DECISION_OUTCOMES``, ``ASSESSMENT_KINDS``, ``SCOPE_STATUSES``) and a word that does not fit is
explained with the words that would.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy.orm import Session

from secbot.commands.context import Context
from secbot.commands.meeting_upkeep import (
    leading_day,
    not_a_date,
)
from secbot.commands.registry import ADMIN, command
from secbot.commands.upkeep import leading_reference, usage_error
from secbot.formatting import long_date
from secbot.replies import Action, Item, Reply, Section
from secbot.vocabulary import SCOPE_STATUSES, VOTE_OUTCOMES

VOTE_USAGE = "record vote <reference> <date> <outcome> [unanimous|majority] [objective <letter>] [note]"
DECISION_USAGE = "record decision <reference> <date> approved|rejected [authority]"
DCC_USAGE = "record dcc <reference> PA|IA requested|accepted|returned <date> [target <n> WD]"
RELEASE_USAGE = "record release <name> <date>  or  record release <name>: <when, in words>"
SCOPE_USAGE = (
    f"record scope <release> add <reference> [{'|'.join(SCOPE_STATUSES)}]  or  "
    "record scope <release> remove <reference>"
)
DEFAULT_AUTHORITY = "Ofgem"
# The targets SECAS set when a request names none (every PA and IA in the register has these).
DEFAULT_TARGET_WD = {"PA": 15, "IA": 40}
NOTE_LIMIT = 1000
GOVERNANCE = {"self_governance": "Self-Governance", "authority": "the Authority"}


def word_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


VOTE_WORDS = {
    **{word_key(outcome): outcome for outcome in VOTE_OUTCOMES},
    **{word_key(label): outcome for outcome, label in VOTE_OUTCOMES.items()},
    "approve": "approved",
    "accept": "approved",
    "accepted": "approved",
    "reject": "rejected",
    "recommend approval": "recommend_approval",
    "recommended approval": "recommend_approval",
    "recommend for approval": "recommend_approval",
    "recommended for approval": "recommend_approval",
    "recommend approve": "recommend_approval",
    "recommend rejection": "recommend_rejection",
    "recommended rejection": "recommend_rejection",
    "recommend for rejection": "recommend_rejection",
    "recommended for rejection": "recommend_rejection",
    "recommend reject": "recommend_rejection",
    "send back": "sent_back",
    "sent back": "sent_back",
    "send back for clarification": "sent_back",
    "refer": "referred",
    "refer to panel": "referred",
    "refer to the panel": "referred",
    "referred to panel": "referred",
}
DECISION_WORDS = {"approve": "approved", "approved": "approved", "reject": "rejected", "rejected": "rejected"}
STEP_WORDS = {
    "requested": "requested",
    "request": "requested",
    "accepted": "accepted",
    "accept": "accepted",
    "started": "accepted",
    "returned": "returned",
    "return": "returned",
    "completed": "returned",
    "delivered": "returned",
}
SCOPE_WORDS = {
    **{key: key for key in SCOPE_STATUSES},
    "target": "targeted",
    "approve": "approved",
    "to be confirmed": "tbc",
    "implement": "implemented",
}
MAJORITY_WORDS = {"unanimous": "unanimous", "unanimously": "unanimous", "majority": "majority"}
OBJECTIVE = re.compile(r"^\(?([a-z])\)?$", re.IGNORECASE)


def session_of(ctx: Context) -> Session:
    return ctx.register.store.sessions()


def given_values(shown: dict[str, Any]) -> dict[str, Any]:
    """The values shown for a fact, without the ones it does not have (a blank next to a blank says nothing)."""
    return {name: value for name, value in shown.items() if value is not None}


def future_warning(day: dt.date, today: dt.date, what: str) -> list[str]:
    if day > today:
        return [f"{long_date(day)} is after today: {what} is usually recorded once it has happened."]
    return []


def longest_match(words: list[str], table: dict[str, str], most: int = 7) -> tuple[str, list[str]] | None:
    """The value of the longest run of leading ``words`` that ``table`` knows, and the words after it."""
    for taken in range(min(most, len(words)), 0, -1):
        found = table.get(word_key(" ".join(words[:taken])))
        if found:
            return found, words[taken:]
    return None


def mod_and_day(ctx: Context, args: str, usage: str) -> tuple[str, dt.date, list[str]] | Reply:
    """``<reference> <date> …``: the modification, the day and the words after them."""
    if not args.strip():
        return usage_error("Which modification, and when?", usage)
    found = leading_reference(ctx, args)
    if isinstance(found, Reply):
        return found
    mod, rest = found
    day = leading_day(rest, ctx.register.today())
    if day is None:
        return not_a_date(" ".join(rest.split()[:3]), usage)
    return mod.reference, day[0], day[1].split()


# -- record (the list) --------------------------------------------------------------------------------
_SUBCOMMANDS = {
    "vote": (VOTE_USAGE, "a Change Board vote"),
    "decision": (DECISION_USAGE, "an Authority decision"),
    "dcc": (DCC_USAGE, "a DCC assessment step"),
    "release": (RELEASE_USAGE, "a SEC Release and its date"),
    "scope": (SCOPE_USAGE, "a modification in or out of a release's scope"),
}


@command(
    "record",
    "record vote|decision|dcc|release|scope …",
    "Record a Change Board vote, an Authority decision, a DCC assessment step, a SEC Release or its scope",
    details="Recording something new is made at once; replacing or removing what the register holds needs Confirm.",
    role=ADMIN,
)
def record_command(ctx: Context, args: str) -> Reply:
    word = args.split()[0] if args.split() else ""
    reply = Reply(
        f"I can't record “{word}”" if word else "What should I record?",
        kind="error" if word else "help",
        summary="I can record: " + ", ".join(f"`record {name}`" for name in _SUBCOMMANDS) + ".",
        sections=[Section(items=[Item(f"`{usage}`", what) for usage, what in _SUBCOMMANDS.values()])],
        actions=[Action(f"help record {name}", f"help record {name}") for name in _SUBCOMMANDS],
        cacheable=False,
    )
    return reply
