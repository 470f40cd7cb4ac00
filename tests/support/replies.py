"""What a person reads in a ``Reply``, for assertions on wording, and every command a renderer must render."""

from __future__ import annotations


def flat(reply) -> str:
    """Every piece of text in a reply, one per line and unwrapped, for assertions on wording."""
    parts = [reply.title, reply.summary or ""]
    for section in reply.sections:
        parts += [section.heading or "", section.text or ""]
        parts += [f"{f.label}: {f.value}" for f in section.fields]
        parts += [f"{i.text} — {i.detail}" if i.detail else i.text for i in section.items]
        if section.table:
            parts += [" | ".join(section.table.columns)] + [" | ".join(r) for r in section.table.rows]
    parts += [f"{a.label} -> {a.command}" for a in reply.actions]
    parts += [f"{link.label}: {link.url}" for link in reply.links]
    parts.append(reply.footer or "")
    return "\n".join(p for p in parts if p)


def every_command_text() -> list[str]:
    """Every command's name and examples, once each: what every renderer must render."""
    from secbot.commands.registry import REGISTRY

    texts: list[str] = []
    for cmd in REGISTRY:
        for typed in (cmd.name, *cmd.examples):
            if typed not in texts:
                texts.append(typed)
    return texts
