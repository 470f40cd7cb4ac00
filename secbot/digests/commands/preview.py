"""``digest <agenda|consultations|monthly>``: preview a digest as a channel would receive it today.

One reply: the digest's summary with its sections folded in, or — when that would be long (the
monthly digest) — the summary and the list of the messages that follow it in a channel. The digest
is built as of the register's today, whole (a channel's filters narrow only what it is sent).
"""

from __future__ import annotations

from dataclasses import replace

from secbot.commands.context import Context
from secbot.commands.registry import command
from secbot.digests.kinds import KINDS, build, nothing_to_send
from secbot.digests.messages import section_replies, summary_reply
from secbot.formatting import plural
from secbot.replies import Action, Item, Reply, Section

PREVIEW_UNITS = 40  # items and table rows beyond which the preview lists the sections instead


@command(
    "digest",
    f"digest <{'|'.join(KINDS)}>",
    "Preview a digest as a subscribed channel would receive it today",
    aliases=("digests",),
    examples=("digest agenda", "digest monthly"),
    cached=True,
)
def digest_command(ctx: Context, args: str) -> Reply:
    kind = args.strip().lower()
    if kind not in KINDS:
        reply = Reply(
            "Which digest?" if not kind else f"There is no digest called “{args.strip()}”",
            kind="help" if not kind else "error",
            summary="Digests: " + ", ".join(f"`{k}`" for k in KINDS) + ". For example `digest agenda`.",
        )
        reply.sections.append(Section(items=[Item(f"`digest {k}`", about.about) for k, about in KINDS.items()]))
        reply.actions = [Action(f"Preview {k}", f"digest {k}") for k in KINDS]
        return reply
    document = build(kind, ctx.register, register_url=ctx.register_url)
    if document is None:
        reply = Reply(f"No {kind} digest today", kind="notice", summary=nothing_to_send(kind, ctx.register))
        reply.actions.extend(KINDS[kind].when_quiet)
        return reply
    preview = summary_reply(document)
    sections = section_replies(document)
    units = sum(len(s.items) + (len(s.table.rows) if s.table else 0) for r in sections for s in r.sections)
    if units <= PREVIEW_UNITS:
        for section_reply in sections:
            folded = list(section_reply.sections) or [Section()]
            if folded[0].heading:
                folded = [Section(), *folded]
            folded[0] = replace(folded[0], heading=section_reply.title)
            preview.sections += folded
        preview.footer = "\n".join(document.notes) or None
    else:
        preview.sections.append(Section(heading="Followed by", items=[Item(r.title) for r in sections]))
        followed = plural(len(sections), "message")
        preview.footer = f"In a channel, this summary is followed by {followed}, one per section."
    preview.summary = f"Preview of {KINDS[kind].about}. {preview.summary}"
    preview.actions = [Action("Subscribe this channel", f"subscribe {kind}")]
    return preview
