"""Consultations: ``consultations``, ``consultations open``, ``consultations upcoming``."""

from __future__ import annotations

from secbot.commands.common import paged, split_page
from secbot.commands.context import Context
from secbot.commands.registry import command
from secbot.formatting import long_date, plural
from secbot.replies import Action, Item, Reply
from secbot.store.views import ConsultationView

_CHOICES = {
    "": ("open", "upcoming", "expected"),
    "open": ("open",),
    "upcoming": ("upcoming", "expected"),
    "expected": ("expected",),
    "all": ("open", "upcoming", "expected", "expected-undated", "closed"),
    "closing": ("open",),
}
CLOSING_SOON_WD = 5


def consultation_item(c: ConsultationView) -> Item:
    who = f"{c.reference} '{c.title}'" if c.title else c.reference
    return Item(who, f"{c.kind_label}: {consultation_when(c)}", c.reference)


def consultation_when(c: ConsultationView) -> str:
    """When a consultation runs or is expected, and its note: "open, closes 17 June 2021 — 4 working days left"."""
    if c.state == "open":
        left = f" — {plural(c.closes_in_wd, 'working day')} left" if c.closes_in_wd is not None else ""
        when = f"open, closes {long_date(c.closes)}{left}"
    elif c.state == "upcoming":
        when = f"opens {long_date(c.opens)}, closes {long_date(c.closes)}"
    elif c.state in ("expected", "expected-undated") or (c.opens is None and c.expected_text):
        when = f"expected {c.expected_text or 'w/c ' + long_date(c.expected_week)}"
    else:
        when = f"{long_date(c.opens, 'dates not recorded')} – {long_date(c.closes, '')}".rstrip(" –")
    return f"{when}. {c.note}" if c.note else when


@command(
    "consultations",
    "consultations [open|closing|upcoming|all]",
    "Consultations open now, closing within 5 working days, or opening or expected soon",
    aliases=("consultation",),
    examples=("consultations", "consultations open"),
    cached=True,
)
def consultations_command(ctx: Context, args: str) -> Reply:
    words, page = split_page(args)
    word = words.lower()
    if word not in _CHOICES:
        return Reply(
            f"“{words}” is not a consultation filter",
            kind="error",
            summary="Try `consultations`, `consultations open`, `consultations closing`, "
            "`consultations upcoming` or `consultations all`.",
        )
    if word == "closing":
        views = ctx.register.closing_soon(CLOSING_SOON_WD)
    else:
        views = ctx.register.consultations(_CHOICES[word])
    today = long_date(ctx.register.today())
    title = {
        "open": "Open consultations",
        "upcoming": "Upcoming consultations",
        "all": "All consultations",
        "closing": "Consultations closing soon",
    }.get(word, "Consultations")
    empty = {
        "open": f"No consultation is open on {today}.",
        "closing": f"No consultation closes within {CLOSING_SOON_WD} working days of {today}.",
        "upcoming": f"No consultation is due to open after {today}.",
    }.get(word, f"No consultation is open or expected on {today}.")
    reply = paged(
        ctx,
        title,
        [consultation_item(c) for c in views],
        page,
        f"consultations {word}".strip(),
        empty=empty,
        summary=f"As of {today}." if views else None,
    )
    reply.actions.append(Action("Subscribe", "subscribe consultations"))
    return reply
