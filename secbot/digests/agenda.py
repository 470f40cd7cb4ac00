"""The Working Group agenda digest, as data: the meetings of the coming 14 days and what changed.

``build_agenda`` is pure: it reads only through ``Register`` and returns ``None`` when no Working
Group meeting falls within the 14 days from today (today and the 13 days after it). Otherwise the
``Document`` has:

* one section per Working Group meeting in those 14 days: its date, title and meeting page, the
  provisional-agenda date when the register has one, and its agenda — each modification with its
  reference, title, current phase and the agenda item's note;
* "What changed since the last agenda post", for the modifications on those agendas, over the 7 days
  before today (today − 7 to today − 1, so weekly posts cover each day once):
  - every dated entry of their timelines in those days (register events, Change Board votes,
    Authority decisions, DCC assessment steps, consultations opening, meetings, releases);
  - their phase and status where the report that last stated them was issued in those days. The
    register keeps the latest phase and status with the source that stated them, not a history, so
    "changed" means "restated by a report issued that week" and the current values are shown.
"""

from __future__ import annotations

import datetime as dt

from secbot.commands.common import mod_item
from secbot.digests.document import Document, Item, Period, Section
from secbot.digests.kind import WEEKLY, DigestKind, Options
from secbot.formatting import long_date, on_day, plural, quoted_title
from secbot.replies import Action
from secbot.store.queries import Register
from secbot.store.views import AgendaEntry, MeetingView, ModSummary

LOOKAHEAD_DAYS = 14  # today and the 13 days after it
CHANGES_DAYS = 7
CHANGES_HEADING = "What changed since the last agenda post"
CHANGES_NOTE = (
    f"“What changed” covers the {CHANGES_DAYS} days before this digest: every dated entry in the register for the "
    "modifications on the agenda (events, votes, decisions, DCC assessment steps, consultations, meetings, releases), "
    "and their phase and status where a report issued in those days stated them."
)


def agenda_window(today: dt.date) -> Period:
    """The days whose Working Group meetings the digest announces."""
    return Period(today, today + dt.timedelta(days=LOOKAHEAD_DAYS - 1))


def changes_window(today: dt.date) -> Period:
    """The days "what changed" reports on: the week before today, today excluded."""
    return Period(today - dt.timedelta(days=CHANGES_DAYS), today - dt.timedelta(days=1))


def build_agenda(register: Register) -> Document | None:
    today = register.today()
    window = agenda_window(today)
    meetings = register.meetings_between("working_group", window.start, window.end)
    if not meetings:
        return None
    if len(meetings) == 1:
        title = f"Working Group agenda – {long_date(meetings[0].date)}"
    else:
        title = f"Working Group agendas – {plural(len(meetings), 'meeting')} from {long_date(meetings[0].date)}"
    return Document(
        title=title,
        as_of=today,
        period=window,
        sections=[*(_meeting(m, today) for m in meetings), _changes(register, meetings, changes_window(today))],
        kind="agenda",
        notes=[CHANGES_NOTE],
    )


def _meeting(meeting: MeetingView, today: dt.date) -> Section:
    days = (meeting.date - today).days
    when = {0: "today", 1: "tomorrow"}.get(days, f"in {plural(days, 'day')}")
    paragraphs = [f"On {meeting.date:%A} {long_date(meeting.date)}, {when}."]
    if meeting.title:
        paragraphs.append(meeting.title)
    if meeting.agenda_published:
        when = on_day(meeting.agenda_published, today, "was announced", "will be announced")
        paragraphs.append(f"The provisional agenda {when}.")
    if meeting.url:
        paragraphs.append(f"Meeting page: {meeting.url}")
    section = Section(f"{meeting.kind_label} – {long_date(meeting.date)}", paragraphs=paragraphs)
    if meeting.items:
        section.items = [_agenda_item(entry) for entry in meeting.items]
    else:
        section.paragraphs.append("The register has no agenda items for this meeting yet.")
    return section


def _agenda_item(entry: AgendaEntry) -> Item:
    return mod_item(
        ModSummary(entry.reference, entry.title, entry.phase, None),
        " · ".join(filter(None, [entry.phase, entry.note])) or None,
    )


def _changes(register: Register, meetings: list[MeetingView], since: Period) -> Section:
    section = Section(CHANGES_HEADING)
    references = list(dict.fromkeys(entry.reference for m in meetings for entry in m.items))
    if not references:
        section.paragraphs.append("No modifications are on the agenda yet.")
        return section
    dated: list[tuple[dt.date, Item]] = []
    restated: list[Item] = []
    for reference in references:
        status = register.status(reference)
        if status is None:
            continue
        label = quoted_title(reference, status.detail.summary.title)
        for entry in register.timeline(reference) or []:
            if since.start <= entry.date <= since.end:
                dated.append((entry.date, Item(label, f"{long_date(entry.date)}: {entry.text}", reference)))
        source = status.detail.source
        if source and source.issued and since.start <= source.issued <= since.end:
            summary = status.detail.summary
            now = " · ".join(filter(None, [summary.phase, summary.status])) or "no phase recorded"
            restated.append(
                Item(label, f"{now}, as stated by the {source.title} ({long_date(source.issued)})", reference)
            )
    dated.sort(key=lambda pair: pair[0])  # stable: agenda order within a day
    span = f"from {long_date(since.start)} to {long_date(since.end)}"
    if not dated and not restated:
        section.paragraphs.append(f"Nothing was recorded for the modifications on the agenda {span}.")
        return section
    section.paragraphs.append(f"Recorded {span} for the modifications on the agenda:")
    if dated:
        section.subsections.append(Section("Dated entries", items=[item for _, item in dated]))
    if restated:
        section.subsections.append(Section("Phase and status restated", items=restated))
    return section


def _nothing_to_send(register: Register, _options: Options) -> str:
    today = long_date(register.today())
    return f"No Working Group meeting within {LOOKAHEAD_DAYS} days of {today}: no agenda digest."


KIND = DigestKind(
    name="agenda",
    about=f"the Working Group agenda, when a meeting is within {LOOKAHEAD_DAYS} days",
    build=lambda register, _options: build_agenda(register),
    nothing_to_send=_nothing_to_send,
    schedule={"cron": {"day_of_week": "mon", "hour": 9, "minute": 0}},
    issues=WEEKLY,
    words=("agendas", "wg"),
    when_quiet=(Action("Next Working Group", "wg"),),
)
