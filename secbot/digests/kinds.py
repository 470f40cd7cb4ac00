"""The digests by name: ``build(kind, register)`` for the CLI, the preview command and the scheduler,
and the one line that says why a kind has nothing to send on a day."""

from __future__ import annotations

from secbot.commands.context import DEFAULT_REGISTER_URL
from secbot.digests.agenda import LOOKAHEAD_DAYS, build_agenda
from secbot.digests.consultations import DEFAULT_REMINDER_DAYS, build_consultations
from secbot.digests.document import Document
from secbot.digests.monthly import build_monthly
from secbot.formatting import long_date
from secbot.store.queries import Register
from secbot.store.subscriptions import KINDS
from secbot.workdays import is_deadline_working_day

__all__ = ["ABOUT", "KINDS", "build", "nothing_to_send"]

ABOUT = {
    "agenda": f"the Working Group agenda, when a meeting is within {LOOKAHEAD_DAYS} days",
    "consultations": "consultations opening today, and reminders before they close",
    "monthly": "the monthly status digest (SECAS's Change Status Report)",
}


def build(
    kind: str,
    register: Register,
    *,
    reminder_days: int = DEFAULT_REMINDER_DAYS,
    register_url: str = DEFAULT_REGISTER_URL,
) -> Document | None:
    if kind == "agenda":
        return build_agenda(register)
    if kind == "consultations":
        return build_consultations(register, reminder_days, register_url=register_url)
    if kind == "monthly":
        return build_monthly(register)
    raise ValueError(f"unknown digest {kind!r} (use one of {', '.join(KINDS)})")


def nothing_to_send(kind: str, register: Register, *, reminder_days: int = DEFAULT_REMINDER_DAYS) -> str:
    """Why ``build`` gave None today, as one sentence."""
    today = long_date(register.today())
    if kind == "agenda":
        return f"No Working Group meeting within {LOOKAHEAD_DAYS} days of {today}: no agenda digest."
    if kind == "consultations":
        if not is_deadline_working_day(register.today()):
            return f"{today} is not a working day: no consultations digest."
        return (
            f"No consultation opens, closes today or closes in {reminder_days} working days on {today}: "
            "no consultations digest."
        )
    return f"No {kind} digest on {today}."
