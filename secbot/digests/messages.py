"""A digest ``Document`` as chat messages: one summary, then one message per top-level section.

``document_replies`` adapts the document to ``secbot.replies.Reply`` — the summary first (title,
period, any chart's numbers as text, the sections that follow), then each top-level section with its
subsections flattened under their headings — and each platform renders those with its own renderer
(``Sender.render_digest``). The delivery layer posts the first Slack message to the channel and the
others as replies in its thread; in Teams each is a card of its own.

Why not Jinja2 templates for Slack mrkdwn and Teams text, as the issue suggests: the Reply renderers
(``secbot.platforms.slack.blocks``, ``secbot.platforms.teams.cards``) already own escaping of register text,
Block Kit and Adaptive Card structure, and each platform's limits (50 blocks, 3,000-character
sections, Teams' card size) with a note of anything cut. Templates would have to repeat all of that;
adapting the document to Replies reuses it, and digests look like every other answer.

``chart_png`` gives the document's chart (the monthly stage counts) as PNG bytes for the delivery
layer to post with the summary; its numbers are always in the text as well.
"""

from __future__ import annotations

from secbot.digests import chart as charts
from secbot.digests.document import Chart, Document
from secbot.digests.document import Section as DocumentSection
from secbot.formatting import long_date
from secbot.replies import Reply, Section


def period_text(document: Document) -> str:
    """ "As of 11 June 2021, covering May 2021." — or only the day when the digest covers one day."""
    if document.period.start == document.period.end == document.as_of:
        return f"As of {long_date(document.as_of)}."
    return f"As of {long_date(document.as_of)}, covering {document.period.label}."


def summary_reply(document: Document) -> Reply:
    """The digest's first message: title, period and the numbers of its charts."""
    reply = Reply(document.title, kind="list", summary=period_text(document))
    for chart in _charts(document.sections):
        numbers = ", ".join(f"{label} {value}" for label, value in zip(chart.labels, chart.values, strict=True))
        reply.sections.append(Section(heading=chart.title, text=numbers + "."))
    return reply


def section_replies(document: Document) -> list[Reply]:
    """One reply per top-level section; the document's notes are the last one's footer."""
    replies = [
        Reply(section.heading or document.title, kind="list", sections=_flatten(section, None))
        for section in document.sections
    ]
    for n, reply in enumerate(replies, start=1):
        reply.footer = f"{document.title} · {n} of {len(replies)}"
    if replies and document.notes:
        replies[-1].footer = "\n".join([*document.notes, replies[-1].footer or ""])
    return replies


def document_replies(document: Document) -> list[Reply]:
    summary = summary_reply(document)
    sections = section_replies(document)
    if sections:
        summary.footer = "Follows: " + ", ".join(r.title for r in sections) + "."
    return [summary, *sections]


def chart_png(document: Document) -> bytes | None:
    """The document's first chart as PNG bytes, or None when it has no chart."""
    found = _charts(document.sections)
    return charts.chart_png(found[0]) if found else None


def _charts(sections: list[DocumentSection]) -> list[Chart]:
    found: list[Chart] = []
    for section in sections:
        if section.chart is not None:
            found.append(section.chart)
        found += _charts(section.subsections)
    return found


def _flatten(section: DocumentSection, heading: str | None) -> list[Section]:
    """A document section and its subsections as reply sections, in reading order; the chart is
    left out (its numbers are in the summary and, in the monthly digest, in a table beside it)."""
    tables = section.tables or [None]
    flat = [
        Section(
            heading=heading,
            text="\n".join(section.paragraphs) or None,
            items=list(section.items),
            table=tables[0],
        ),
        *(Section(table=table) for table in tables[1:]),
    ]
    for sub in section.subsections:
        flat += _flatten(sub, sub.heading)
    return [s for s in flat if s.heading or s.text or s.items or s.table]
