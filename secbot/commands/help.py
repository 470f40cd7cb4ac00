"""``help`` and ``help <command>``, generated from the registry.

Everyone sees the same help (so it is cached once for all): admin commands are listed apart and
marked as being for SECAS admins.
"""

from __future__ import annotations

from secbot.commands.context import Context
from secbot.commands.registry import ADMIN, READER, REGISTRY, command
from secbot.replies import Action, Field, Item, Reply, Section


def help_reply(intro: str | None = None) -> Reply:
    reply = Reply(
        "secbot: the SEC Modifications Register",
        kind="help",
        summary=intro or "Ask about any modification by its reference, or use a command:",
    )
    reply.sections.append(Section(items=[Item(f"`{c.usage}`", c.summary) for c in REGISTRY.for_role(READER)]))
    admin_only = [Item(f"`{c.usage}`", c.summary) for c in REGISTRY.for_role(ADMIN)]
    if admin_only:
        reply.sections.append(Section(heading="For SECAS admins only (`whoami` shows your role)", items=admin_only))
    reply.sections.append(
        Section(
            text="References can be written DP162, MP161, mp 161, MP-161, 161, MP122A, "
            "SECMP0007, SECMP7 or pasted as a SECAS web address. "
            "Add `as of <day, month or year>` to a question to ask as the register stood then "
            "(`MP161 as of 7 Feb 2020`, `stats as of 2017`)."
        )
    )
    reply.actions = [
        Action("MP161", "MP161"),
        Action("Next Working Group", "wg"),
        Action("Consultations", "consultations"),
    ]
    return reply


@command(
    "help",
    "help [command]",
    "This list, or more about one command",
    aliases=("?", "commands"),
    examples=("help", "help search"),
    cached=True,
)
def help_command(ctx: Context, args: str) -> Reply:
    word = args.strip().lower()
    if not word:
        return help_reply()
    matched = REGISTRY.match(word)
    found = matched[0] if matched else None
    if found is None:
        return help_reply(f"There is no command called “{word}”. These are the ones I know:")
    reply = Reply(f"help: {found.name}", kind="help", summary=found.summary)
    fields = [Field("Usage", f"`{found.usage}`")]
    if found.aliases:
        fields.append(Field("Also", ", ".join(f"`{a}`" for a in found.aliases)))
    if found.role == ADMIN:
        fields.append(Field("Who", "SECAS admins only (`whoami` shows your role)"))
    reply.sections.append(Section(fields=fields, text=found.details or None))
    if found.examples:
        reply.sections.append(Section(heading="Examples", items=[Item(f"`{e}`") for e in found.examples]))
        reply.actions = [Action(e, e) for e in found.examples[:3]]
    return reply
