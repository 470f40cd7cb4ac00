"""The register's dates as an iCalendar feed (``GET /calendar.ics``), built with ``icalendar``.

Events, all-day (the register records days, not times):

* every meeting — Working Group, Panel, Change Board, Change Sub-Committee — with its agenda;
* every consultation window with an opening day, from the day it opens to the day it closes inclusive;
* every SEC Release with a date, with its scope.

UIDs are stable across fetches, ``<kind>-<date>[-<ref>]@secbot``: ``working_group-2021-07-07@secbot``
(a meeting is known by its kind and day), ``refinement-2021-06-14-MP121@secbot`` (by its opening day),
``release-2021-06-24-june-2021-sec-release@secbot``. DTSTAMP is the register clock's now in UTC; the
calendar names Europe/London as its zone (``X-WR-TIMEZONE``). ``reference`` narrows the feed to one
modification: the meetings whose agenda lists it, its consultations and the releases whose scope holds it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import icalendar

from secbot.formatting import long_date, quoted_title
from secbot.store.queries import Register
from secbot.store.views import ConsultationView, MeetingView, ReleaseView, Resolution
from secbot.vocabulary import MEETING_KINDS

PRODID = "-//secbot//SEC Modifications Register//EN"
NAME = "SEC Modifications Register"
REFRESH = dt.timedelta(hours=6)  # how often calendar apps should fetch the feed again
_ONE_DAY = dt.timedelta(days=1)


class UnknownReference(LookupError):
    """The feed was asked for a modification the register does not hold; ``resolution`` has suggestions."""

    def __init__(self, resolution: Resolution) -> None:
        super().__init__(resolution.asked)
        self.resolution = resolution


@dataclass
class _Entry:
    uid: str
    start: dt.date
    end: dt.date  # inclusive
    summary: str
    description: str
    category: str
    references: set[str]
    url: str | None = None


def build_calendar(register: Register, reference: str | None = None) -> bytes:
    """The feed as iCalendar bytes; ``reference`` in any form users write it ("mp 161")."""
    wanted = None
    if reference is not None:
        resolution = register.resolve(reference)
        if resolution.found is None:
            raise UnknownReference(resolution)
        wanted = resolution.found.reference
    entries = _meetings(register) + _consultations(register) + _releases(register)
    if wanted:
        entries = [e for e in entries if wanted in e.references]
    stamp = register.clock.now().astimezone(dt.UTC)
    calendar = icalendar.Calendar.new(
        name=f"{NAME} – {wanted}" if wanted else NAME,
        prodid=PRODID,
        uid=f"calendar-{wanted}@secbot" if wanted else "calendar@secbot",
        refresh_interval=REFRESH,
    )
    calendar.add("x-wr-timezone", register.clock.zone.key)
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))  # REFRESH-INTERVAL's older name, which Outlook reads
    for entry in sorted(entries, key=lambda e: (e.start, e.uid)):
        event = icalendar.Event.new(
            uid=entry.uid,
            stamp=stamp,
            start=entry.start,
            end=entry.end + _ONE_DAY,  # DTEND of an all-day event is exclusive
            summary=entry.summary,
            description=entry.description or None,
            categories=[entry.category],
            url=entry.url,
            transparency="TRANSPARENT",  # a date to know, not time taken
        )
        calendar.add_component(event)
    return calendar.to_ical()


def _uid(kind: str, day: dt.date, ref: str | None = None) -> str:
    return "-".join(filter(None, [kind, day.isoformat(), ref])) + "@secbot"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _meetings(register: Register) -> list[_Entry]:
    return [_meeting_entry(meeting) for kind in MEETING_KINDS for meeting in register.meetings(kind)]


def _meeting_entry(meeting: MeetingView) -> _Entry:
    lines = [meeting.title] if meeting.title else []
    if meeting.agenda_published:
        lines.append(f"Provisional agenda: {long_date(meeting.agenda_published)}")
    if meeting.items:
        lines.append("Agenda:")
        lines += [
            "- " + " — ".join(filter(None, [quoted_title(i.reference, i.title), i.phase, i.note]))
            for i in meeting.items
        ]
    return _Entry(
        _uid(meeting.kind, meeting.date),
        meeting.date,
        meeting.date,
        f"SEC {meeting.kind_label}",
        "\n".join(lines),
        meeting.kind_label,
        {i.reference for i in meeting.items},
        meeting.url,
    )


def _consultations(register: Register) -> list[_Entry]:
    every = ("open", "upcoming", "expected", "expected-undated", "closed")
    return [_consultation_entry(c) for c in register.consultations(every) if c.opens]


def _consultation_entry(c: ConsultationView) -> _Entry:
    closes = c.closes if c.closes and c.closes >= c.opens else c.opens
    lines = [f"Opens {long_date(c.opens)}, closes {long_date(c.closes)}."]
    if c.note:
        lines.append(c.note)
    return _Entry(
        _uid(c.kind, c.opens, c.reference),
        c.opens,
        closes,
        f"{c.kind_label}: {quoted_title(c.reference, c.title)}",
        "\n".join(lines),
        c.kind_label,
        {c.reference},
        c.url,
    )


def _releases(register: Register) -> list[_Entry]:
    return [_release_entry(r) for r in register.releases() if r.date]


def _release_entry(release: ReleaseView) -> _Entry:
    lines = [f"- {quoted_title(s.reference, s.title)} ({s.status})" for s in release.scope]
    return _Entry(
        _uid("release", release.date, _slug(release.name)),
        release.date,
        release.date,
        release.name,
        "\n".join(["Scope:", *lines]) if lines else "",
        "SEC Release",
        {s.reference for s in release.scope},
    )
