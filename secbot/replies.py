"""The platform-neutral answer model that every command returns.

A ``Reply`` is data, not text: a title, sections of fields, items or a table, actions (buttons that
run another command) and links. Each door renders it its own way; ``secbot.platforms.shell.text`` renders it as
plain text for the shell and as JSON. Every renderer first takes ``Reply.printable()``, so that no
control character or lone surrogate, whether typed by someone or imported with the register, reaches a
chat platform or a terminal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from secbot.inputs import printable

ReplyKind = Literal["card", "list", "help", "notice", "error"]


@dataclass
class Field:
    label: str
    value: str


@dataclass
class Item:
    """One line of a list: usually a modification (reference + title) with a detail."""

    text: str
    detail: str | None = None
    reference: str | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str | None = None


@dataclass
class Section:
    heading: str | None = None
    text: str | None = None
    fields: list[Field] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    table: Table | None = None


@dataclass
class Action:
    """A button: ``command`` is the text it sends back through the dispatcher; ``style`` marks the
    button that goes ahead ("primary": Confirm) or the one that stops ("danger")."""

    label: str
    command: str
    style: Literal["primary", "danger"] | None = None


@dataclass
class Link:
    label: str
    url: str


@dataclass(eq=False)  # compared and hashed by identity: replies are cached and memoised as objects
class Reply:
    title: str
    kind: ReplyKind = "card"
    summary: str | None = None
    sections: list[Section] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    footer: str | None = None
    cacheable: bool = True  # False for answers that depend on a passing failure (the apology)

    @property
    def ok(self) -> bool:
        return self.kind != "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def printable(self) -> Reply:
        """This reply with every text made printable (``secbot.inputs.printable``); itself when it is."""
        return _printable(self)


def _printable(value: Any) -> Any:
    """``value`` with every string in it printable: the same object when nothing needed to change."""
    kind = type(value)
    if kind is str or isinstance(value, str):
        return printable(value) if value else value
    if kind is list:
        cleaned = [_printable(v) for v in value]
        return value if all(c is v for c, v in zip(cleaned, value, strict=True)) else cleaned
    names = _FIELD_NAMES.get(kind)
    if names is None:
        is_instance = dataclasses.is_dataclass(value) and not isinstance(value, type)
        names = _FIELD_NAMES.setdefault(kind, tuple(f.name for f in dataclasses.fields(value)) if is_instance else ())
    if not names:
        return value
    changed = {}
    for name in names:
        old = getattr(value, name)
        new = _printable(old)
        if new is not old:
            changed[name] = new
    return dataclasses.replace(value, **changed) if changed else value


# Field names by type, none for anything but a dataclass (every reply is walked on every render, and
# dataclasses.fields is slow).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
