"""The consultations digest, as data: consultations opening, and reminders before they close.

``build_consultations`` is pure: it reads only through ``Register`` and counts working days with
``secbot.workdays`` (deadline working days: weekends and England & Wales bank holidays excluded) —
the same ``closes_in_wd`` the ``consultations`` command shows. It is a working-day digest; on a
working day the ``Document`` has, each section only when it has something:

* "Opening today": consultations whose opening day is today — or, after a weekend or bank holiday,
  any day since the previous working day, so an opening on a Saturday is announced on Monday;
* "Closing in N working days": open consultations with exactly ``reminder_days`` working days left;
* "Closing today": open consultations closing today (or on a non-working day before the next
  working day, which is the last chance to be reminded).

Each consultation shows its kind, modification, title, closing date, note, and where to respond: the
consultation's own link, else the modification's SECAS page, else the Modifications Register.
``None`` when nothing opens or needs a reminder, and on days that are not working days.
"""

from __future__ import annotations

import datetime as dt

from secbot.commands.consultations import consultation_item
from secbot.commands.context import DEFAULT_REGISTER_URL
from secbot.digests.document import Document, Item, Period, Section
from secbot.digests.kind import DAILY, DEFAULT_REMINDER_DAYS, DigestKind, Options
from secbot.formatting import long_date, plural
from secbot.replies import Action
from secbot.store.queries import Register
from secbot.store.views import ConsultationView
from secbot.workdays import add_deadline_working_days, is_deadline_working_day

WORKING_DAYS_NOTE = "Working days exclude weekends and England and Wales bank holidays."


def opening_window(today: dt.date) -> Period:
    """The opening days announced today: since the previous working day, up to today."""
    return Period(add_deadline_working_days(today, -1) + dt.timedelta(days=1), today)


def build_consultations(
    register: Register, reminder_days: int = DEFAULT_REMINDER_DAYS, *, register_url: str = DEFAULT_REGISTER_URL
) -> Document | None:
    today = register.today()
    if not is_deadline_working_day(today):
        return None
    window = opening_window(today)
    open_now = register.consultations(("open",))
    opening = [c for c in open_now if window.start <= c.opens <= window.end]
    closing = [c for c in open_now if c.closes_in_wd == reminder_days and reminder_days > 0]
    last_day = [c for c in open_now if c.closes_in_wd == 0]
    if not (opening or closing or last_day):
        return None

    def respond(item: Item, c: ConsultationView) -> Item:
        item.detail = f"{(item.detail or '').rstrip('.')}. Respond: {_response_url(register, c, register_url)}"
        return item

    sections = []
    if opening:
        previous = window.start - dt.timedelta(days=1)  # the previous working day
        heading = "Opening today" if window.start == today else f"Opened since {previous:%A} {long_date(previous)}"
        sections.append(Section(heading, items=[respond(consultation_item(c), c) for c in opening]))
    if closing:
        heading = f"Closing in {plural(reminder_days, 'working day')}"
        sections.append(Section(heading, items=[respond(consultation_item(c), c) for c in closing]))
    if last_day:
        sections.append(Section("Closing today", items=[respond(_last_day_item(c, today), c) for c in last_day]))
    return Document(
        title=f"Consultations – {long_date(today)}",
        as_of=today,
        period=window,
        sections=sections,
        kind="consultations",
        notes=[WORKING_DAYS_NOTE],
    )


def _last_day_item(c: ConsultationView, today: dt.date) -> Item:
    item = consultation_item(c)  # its "0 working days left" reads wrong on the last day
    when = "today" if c.closes == today else f"on {c.closes:%A} {long_date(c.closes)}, before the next working day"
    item.detail = f"{c.kind_label}: closes {when}" + (f". {c.note}" if c.note else "")
    return item


def _response_url(register: Register, c: ConsultationView, register_url: str) -> str:
    if c.url:
        return c.url
    status = register.status(c.reference)
    return (status.detail.url if status else None) or register_url


def _nothing_to_send(register: Register, options: Options) -> str:
    today = long_date(register.today())
    if not is_deadline_working_day(register.today()):
        return f"{today} is not a working day: no consultations digest."
    return (
        f"No consultation opens, closes today or closes in {plural(options.reminder_days, 'working day')} on {today}: "
        "no consultations digest."
    )


KIND = DigestKind(
    name="consultations",
    about="consultations opening today, and reminders before they close",
    build=lambda register, options: build_consultations(
        register, options.reminder_days, register_url=options.register_url
    ),
    nothing_to_send=_nothing_to_send,
    schedule={"cron": {"day_of_week": "mon-fri", "hour": 9, "minute": 0}, "working_days_only": True},
    issues=DAILY,
    words=("consultation",),
    when_quiet=(Action("Open consultations", "consultations open"),),
)
