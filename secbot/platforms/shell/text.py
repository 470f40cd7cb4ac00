"""Render a ``Reply`` as plain text (the shell) or JSON (``secbot ask --format json``)."""

from __future__ import annotations

import json
import textwrap

from secbot.replies import Reply, Table

_WIDTH = 100


def _table(table: Table) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(table.columns, *table.rows, strict=False)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=False)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in table.rows]
    return lines


def _wrap(text: str, indent: str = "") -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, _WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]
    return lines


def render_text(reply: Reply) -> str:
    reply = reply.printable()
    lines = [reply.title, "=" * min(len(reply.title), _WIDTH)]
    if reply.summary:
        lines += _wrap(reply.summary)
    for section in reply.sections:
        lines.append("")
        if section.heading:
            lines.append(section.heading)
        if section.text:
            lines += _wrap(section.text)
        if section.fields:
            width = max(len(f.label) for f in section.fields)
            for f in section.fields:
                lines += _wrap(f"{f.label + ':':<{width + 1}} {f.value}")
        for item in section.items:
            text = f"• {item.text}" + (f" — {item.detail}" if item.detail else "")
            lines += textwrap.wrap(text, _WIDTH, subsequent_indent="  ") or [text]
        if section.table:
            lines += _table(section.table)
    if reply.links:
        lines.append("")
        lines += [f"{link.label}: {link.url}" for link in reply.links]
    if reply.actions:
        lines.append("")
        lines.append(
            "Try: "
            + " | ".join(
                f"{a.label} → `{a.command}`" if a.label != a.command else f"`{a.command}`" for a in reply.actions
            )
        )
    if reply.footer:
        lines.append("")
        lines += _wrap(reply.footer)
    return "\n".join(lines)


def render_json(reply: Reply) -> str:
    reply = reply.printable()
    return json.dumps(reply.to_dict() | {"ok": reply.ok}, ensure_ascii=False, indent=2)
