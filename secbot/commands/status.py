"""A modification's status card and its timeline: ``MP161``, ``MP161 timeline``."""

from __future__ import annotations

from secbot.commands.common import not_found
from secbot.commands.consultations import consultation_when
from secbot.commands.context import Context
from secbot.commands.registry import command
from secbot.formatting import UNKNOWN, long_date, plural, target_clause
from secbot.replies import Action, Field, Item, Link, Reply, Section
from secbot.store.views import ModSummary, Status
from secbot.vocabulary import ASSESSMENT_KINDS


def resolve(ctx: Context, text: str) -> tuple[ModSummary, str | None] | Reply:
    """The modification the user means (and how it was found, if not plainly), or a "did you mean"."""
    resolution = ctx.register.resolve(text)
    return (resolution.found, resolution.note) if resolution.found else not_found(resolution)


def status_reply(ctx: Context, text: str) -> Reply:
    found = resolve(ctx, text)
    if isinstance(found, Reply):
        return found
    summary, note = found
    status = ctx.register.status(summary.reference)
    assert status is not None
    reply = _card(ctx, status)
    if note:
        reply.summary = f"{reply.summary} ({note})"
    return reply


def _card(ctx: Context, status: Status) -> Reply:
    d = status.detail
    s = d.summary
    reply = Reply(f"{s.reference}: {s.title}" if s.title else s.reference, kind="card")
    reply.summary = " · ".join(filter(None, [s.phase, s.status])) or "Phase and status not reported"
    fields = [Field("Phase", s.phase or "not reported"), Field("Status", s.status or "not reported")]
    if d.path:
        fields.append(Field("Path", d.path))
    # said even when not known: "who raised it?" is answered by the card
    fields.append(Field("Proposer", ", ".join(filter(None, [d.proposer, d.organisation])) or "not in the register"))
    if d.raised:
        fields.append(Field("Raised", long_date(d.raised)))
    if d.lead_analyst:
        fields.append(Field("Lead analyst", d.lead_analyst))
    milestone = status.next_milestone
    # Stale: what it last said may long have passed. Say when that was, not what it expected next.
    if d.source is not None and ctx.register.is_stale(d.source.issued):
        last = f"{d.source.title} ({long_date(d.source.issued)})"
        reply.summary = f"{reply.summary} · last reported {long_date(d.source.issued)}"
        fields.append(Field("Last reported", f"{last}; no report since has restated it"))
        fields.append(
            Field(
                "Next milestone",
                f"not known: nothing has been reported for over {plural(ctx.register.stale_months, 'month')}",
            )
        )
    else:
        fields.append(Field("Next milestone", milestone.text if milestone else "no upcoming milestone in the register"))
    if d.implementation_date:
        fields.append(Field("Implementation", d.implementation_date))
    if d.converted_from:
        fields.append(Field("Converted from", d.converted_from))
    if d.converted_to:
        fields.append(Field("Converted to", d.converted_to))
    reply.sections.append(Section(fields=fields))
    if d.issue_summary:
        reply.sections.append(Section(heading="The issue", text=_trim(d.issue_summary, 600)))
    if d.solution_summary:
        reply.sections.append(Section(heading="The solution", text=_trim(d.solution_summary, 600)))
    if status.assessments:
        reply.sections.append(
            Section(heading="DCC assessments", items=[_assessment_item(a) for a in status.assessments])
        )
    if status.releases:
        reply.sections.append(
            Section(
                heading="Release",
                items=[
                    Item(
                        p.release,
                        " · ".join(
                            filter(None, [long_date(p.date, p.date_text or "date to be confirmed"), p.status, p.note])
                        ),
                    )
                    for p in status.releases
                ],
            )
        )
    if status.consultations and not ctx.register.is_stale(d.source.issued if d.source else None):
        items = [Item(c.kind_label, consultation_when(c)) for c in status.consultations]
        reply.sections.append(Section(heading="Consultations", items=items))
    if status.recent:
        reply.sections.append(
            Section(heading="Latest events", items=[Item(long_date(e.date), e.text) for e in status.recent[-3:]])
        )
    if d.latest_update:
        reply.sections.append(Section(heading="Latest update", text=_trim(d.latest_update, 400)))
    if d.earlier_titles:
        reply.sections.append(Section(heading="Also known as", text="; ".join(f"'{t}'" for t in d.earlier_titles)))
    reply.actions.append(Action("Timeline", f"{s.reference} timeline"))
    reply.links.append(Link("SECAS page" if d.url else "Modifications Register", d.url or ctx.register_url))
    if d.source:
        issued = f" ({long_date(d.source.issued)})" if d.source.issued else ""
        reply.footer = f"As reported in {d.source.title}{issued}."
    return reply


def _assessment_item(a) -> Item:
    kind = ASSESSMENT_KINDS[a.kind]
    if a.is_open and not a.accepted:
        return Item(f"{a.kind} ({kind})", "requested, not yet accepted")
    # A duration that cannot be counted reads "duration —", never "0 WD".
    duration = f"{a.duration_wd} WD" if a.duration_wd is not None else f"duration {UNKNOWN}"
    if a.is_open:
        to = f" to {long_date(a.counted_to)}" if a.duration_wd is not None else ""
        detail = f"open since {long_date(a.accepted)}: {duration}{to}"
    else:
        detail = f"returned {long_date(a.returned)}: {duration}"
    return Item(f"{a.kind} ({kind})", detail + target_clause(a.target_wd))


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


@command(
    "status",
    "status <reference>",
    "A modification's status card (typing the reference alone does the same)",
    examples=("MP161", "SECMP7", "mp 122a", "who raised DP162?"),
    cached=True,
)
def status_command(ctx: Context, args: str) -> Reply:
    if not args.strip():
        return Reply("Which modification?", kind="error", summary="Give a reference, e.g. `MP161` or `DP162`.")
    return status_reply(ctx, args)


@command(
    "timeline",
    "<reference> timeline",
    "Every dated event the register holds for a modification",
    examples=("MP161 timeline", "SECMP0007 timeline"),
    cached=True,
)
def timeline_command(ctx: Context, args: str) -> Reply:
    found = resolve(ctx, args)
    if isinstance(found, Reply):
        return found
    found, _note = found
    entries = ctx.register.timeline(found.reference) or []
    today = ctx.register.today()
    reply = Reply(f"{found.reference} timeline", kind="list", summary=found.title)
    past = [Item(long_date(e.date), e.text) for e in entries if e.date <= today]
    future = [Item(long_date(e.date), e.text) for e in entries if e.date > today]
    if past:
        reply.sections.append(Section(heading="So far", items=past))
    if future:
        reply.sections.append(Section(heading="Planned", items=future))
    if not entries:
        reply.sections.append(Section(text="The register holds no dated events for this modification."))
    reply.actions.append(Action("Status", found.reference))
    return reply
