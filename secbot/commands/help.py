"""``help`` and ``help <command>``, generated from the registry, and the reply to what was not
understood.

A reader sees the commands a reader can use; a SECAS admin sees the admin commands too, listed apart
(help is cached per role). What was not understood is answered with the three commands closest to it,
one example each, never the whole list; a slip that could mean several commands asks which.
"""

from __future__ import annotations

from secbot.commands.context import Context
from secbot.commands.registry import ADMIN, READER, REGISTRY, Command, command
from secbot.formatting import agreeing, plural
from secbot.replies import Action, Field, Item, Reply, Section


def help_reply(intro: str | None = None, *, admin: bool = False) -> Reply:
    reply = Reply(
        "secbot: the SEC Modifications Register",
        kind="help",
        summary=intro or "Ask about any modification by its reference, or use a command:",
    )
    reply.sections.append(Section(items=[Item(f"`{c.usage}`", c.summary) for c in REGISTRY.for_role(READER)]))
    admin_only = [Item(f"`{c.usage}`", c.summary) for c in REGISTRY.for_role(ADMIN)] if admin else []
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
        return help_reply(admin=ctx.is_admin)
    matched = REGISTRY.match(word)
    found = matched[0] if matched else None
    if found is None:
        return closest_reply(ctx, f"There is no command called “{word[:60]}”.", word)
    if found.role == ADMIN and not ctx.is_admin:
        return Reply(
            f"help: {found.name}",
            kind="help",
            summary=f"`{found.name}` is for SECAS admins only (`whoami` shows your role).",
        )
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


def closest_commands(text: str, commands: list[Command], limit: int = 3) -> list[Command]:
    """The commands whose words are closest to ``text``: its name and aliases, then its summary and
    examples, by fuzzy token matching (``rapidfuzz``)."""
    from rapidfuzz import fuzz  # here: only what is not understood needs it

    def score(cmd: Command) -> float:
        names = max(fuzz.ratio(text.lower(), word) for word in (cmd.name, *cmd.aliases))
        words = fuzz.token_set_ratio(text.lower(), " ".join((cmd.summary, *cmd.examples)).lower())
        return max(names, words)

    return sorted(commands, key=score, reverse=True)[:limit]


def closest_reply(ctx: Context, intro: str, text: str, matches: int = 0) -> Reply:
    """What was not understood: the three commands closest to it with an example each, and ``search``
    first when ``matches`` modifications hold its words."""
    readable = [c for c in REGISTRY if ctx.is_admin or c.role != ADMIN]
    reply = Reply("Not understood", kind="help", summary=intro)
    items, actions = [], []
    if matches:
        searched = f"search {text[:80]}"
        items.append(
            Item(f"`{searched}`", f"{plural(matches, 'modification')} {agreeing(matches, 'holds', 'hold')} those words")
        )
        actions.append(Action(searched, searched))
    for cmd in closest_commands(text, readable, 3 - len(items)):
        example = cmd.examples[0] if cmd.examples else cmd.usage
        items.append(Item(f"`{cmd.usage}`", f"{cmd.summary}, e.g. `{example}`"))
        actions.append(Action(example, example))
    reply.sections.append(Section(heading="Closest commands", items=items))
    reply.footer = "`help` lists every command you can use."
    reply.actions = actions
    return reply


def did_you_mean(typed: str, lines: tuple[str, ...]) -> Reply:
    """A slip that could be more than one command: ask which, with a button for each."""
    shown = " or ".join(f"`{line}`" for line in lines[:3])
    reply = Reply(f"Did you mean {shown}?", kind="help", summary=f"“{typed[:60]}” could be more than one command.")
    reply.actions = [Action(line, line) for line in lines[:3]]
    return reply
