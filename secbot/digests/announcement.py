"""A consultation announcement as channels see it: the same ``Reply`` for the preview, the post and each edit.

Open or opening, the dates, the working days it runs for (deadline rule), the link to respond and
SECAS's note; a corrected announcement says so, and a withdrawn one says it is withdrawn. Also who
receives it (``recipients``): the channels subscribed to consultations whose filters let its
modification through; the preview lists them and the ``Announcer`` posts to them.
"""

from __future__ import annotations

import datetime as dt

from secbot.digests.filters import matcher
from secbot.formatting import long_date, plural, quoted_title
from secbot.replies import Action, Field, Link, Reply, Section
from secbot.store import subscriptions
from secbot.store.announcements import SUBSCRIBED_KIND, AnnouncementView
from secbot.store.queries import Register
from secbot.store.subscriptions import SubscriptionView
from secbot.vocabulary import CONSULTATION_KINDS
from secbot.workdays import deadline_working_days_between, is_deadline_working_day


def wanted_by(sub: SubscriptionView, register: Register, reference: str) -> bool:
    """Whether a consultations subscription receives an announcement about ``reference`` (its filters)."""
    return not sub.filters or matcher(sub.filters, register)(reference)


def recipients(register: Register, reference: str) -> list[SubscriptionView]:
    """The channels an announcement about ``reference`` goes to."""
    return [sub for sub in subscriptions.active(register.store, SUBSCRIBED_KIND) if wanted_by(sub, register, reference)]


def consultation_name(kind: str) -> str:
    return CONSULTATION_KINDS.get(kind, "Consultation")


def announcement_reply(view: AnnouncementView, today: dt.date, register_url: str | None = None) -> Reply:
    name = consultation_name(view.kind)
    label = quoted_title(view.reference, view.title)
    if view.withdrawn:
        return Reply(
            f"Withdrawn: {name} on {view.reference}",
            kind="notice",
            summary=(
                f"SECAS has withdrawn the announcement of the {name} on {label} "
                f"(it was to run from {long_date(view.opens)} to {long_date(view.closes)}). Please disregard it."
            ),
            actions=[Action(view.reference, view.reference)],
            cacheable=False,
        )
    running = deadline_working_days_between(view.opens - dt.timedelta(days=1), view.closes)
    opening = "opens" if view.opens > today else "opened"
    reply = Reply(
        f"{name} {'open' if view.opens <= today else 'announced'}: {view.reference}",
        kind="card",
        summary=(
            f"The {name} on {label} {opening} on {long_date(view.opens)} and closes on "
            f"{long_date(view.closes)} ({plural(running, 'working day')})."
        ),
        sections=[
            Section(
                fields=[
                    Field("Modification", label),
                    Field("Opens", long_date(view.opens)),
                    Field("Closes", long_date(view.closes) + _closing_caution(view.closes)),
                ]
            )
        ],
        actions=[Action(view.reference, view.reference), Action("Open consultations", "consultations open")],
        cacheable=False,
    )
    if view.note:
        reply.sections.append(Section(text=view.note))
    if view.url:
        reply.links.append(Link("Respond to the consultation", view.url))
    elif register_url:
        reply.links.append(Link("Modifications Register", register_url))
    reply.footer = (
        f"Corrected by SECAS on {long_date(view.updated_at.date())}." if view.version > 1 else "Announced by SECAS."
    )
    return reply


def _closing_caution(closes: dt.date) -> str:
    return "" if is_deadline_working_day(closes) else " (not a working day)"
