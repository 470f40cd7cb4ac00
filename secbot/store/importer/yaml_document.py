"""One YAML register document, built from the parser's events with every input bounded.

Register files need nothing but mappings, lists and plain scalars, so this builder refuses what
only an attacker or an accident needs, at the event where it appears and before anything is built
from it: anchors and aliases (an "alias bomb" of anchors referring to anchors grows without limit
when expanded), tags other than the standard scalar ones, a second document, and nesting deeper
than ``limits.MAX_DEPTH``. Duplicate keys are reported too (PyYAML would keep the last silently).

Building from events instead of composing a node tree keeps memory close to the size of the values
themselves; the events come from libyaml's C parser when PyYAML has it (``PARSER``), else from
PyYAML's own. Scalars are resolved and constructed as ``yaml.safe_load`` would (dates, numbers,
booleans, null), except that an implicit value that cannot be constructed (``2021-02-30``, an
integer of 5,000 digits) stays text for the schema to report with its field.

When reading stops at a problem, what was complete before it is kept -- the tables' finished
entries, never a half-read one -- and ``Document.complete`` is False, so that the rest of the import
can still be checked in the same run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from secbot.store.importer.limits import MAX_DEPTH

PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")}
_MAP_TAGS = {None, "!", "tag:yaml.org,2002:map"}
_SEQ_TAGS = {None, "!", "tag:yaml.org,2002:seq"}
_NO_KEY = object()


class Mapping(dict):
    """A YAML mapping that knows the line it starts on (1-based)."""

    __slots__ = ("line",)


class Sequence(list):
    """A YAML list that knows the line each entry starts on (1-based)."""

    __slots__ = ("lines",)


class _Scalars(SafeConstructor, Resolver):
    """``yaml.safe_load``'s scalar resolution and construction, without a loader around them."""

    def __init__(self) -> None:
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


_SCALARS = _Scalars()


@dataclass
class Document:
    root: object = None  # the top-level value; None for an empty file
    problems: list[str] = field(default_factory=list)  # "line 5, column 5: ..." (no file name)
    complete: bool = True  # False: reading stopped at a problem and only what came before is here


class _Stop(Exception):
    def __init__(self, problem: str):
        self.problem = problem


@dataclass
class _Frame:
    value: Mapping | Sequence
    mark: yaml.Mark  # where it starts
    key: object = _NO_KEY  # a mapping's key waiting for its value
    skip: bool = False  # the waiting key is a duplicate: drop its value


def _tag(tag: str | None) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag and tag.startswith("tag:yaml.org,2002:") else str(tag)


def _refused_tag(event: yaml.Event) -> _Stop:
    return _Stop(f"{_where(event.start_mark)}: the YAML tag {_tag(event.tag)} is not accepted in register files")


def _where(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def yaml_error(error: yaml.YAMLError) -> str:
    """A PyYAML or libyaml error as one line: where, then what."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).replace("\n", " ")
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    where = f"{_where(mark)}: " if mark is not None else ""
    detail = problem
    if context:
        started = ""
        if context_mark is not None and mark is not None and context_mark.line != mark.line:
            started = f" that starts on line {context_mark.line + 1}"
        detail = f"{problem} ({context}{started})"
    return f"{where}not valid YAML: {detail}"


def _scalar(event: yaml.ScalarEvent, problems: list[str]) -> object:
    tag = event.tag
    explicit = tag not in (None, "!")
    if not explicit:
        tag = _SCALARS.resolve(yaml.ScalarNode, event.value, event.implicit if tag is None else (False, False))
    if tag == _STR:
        value = event.value
        return sys.intern(value) if len(value) <= 32 else value  # phases, statuses, names: few distinct
    if tag not in _SCALAR_TAGS:
        raise _refused_tag(event)
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return _SCALARS.yaml_constructors[tag](_SCALARS, node)
    except (ValueError, OverflowError, yaml.YAMLError):
        if explicit:
            problems.append(f"{_where(event.start_mark)}: {event.value!r} is not a valid {_tag(event.tag)}")
        return event.value


def _events(content: bytes) -> Iterator[yaml.Event]:
    try:
        yield from yaml.parse(content, Loader=PARSER)
    except yaml.YAMLError as error:
        raise _Stop(yaml_error(error)) from None


class _Builder:
    def __init__(self) -> None:
        self.document = Document()
        self.stack: list[_Frame] = []
        self.documents = 0

    def add(self, value: object, mark) -> None:
        """A complete value (the root, a list entry, a mapping key or value) that started at ``mark``."""
        if not self.stack:
            self.document.root = value
            return
        frame = self.stack[-1]
        if isinstance(frame.value, Sequence):
            frame.value.append(value)
            frame.value.lines.append(mark.line + 1)
            return
        if frame.key is _NO_KEY:  # a scalar: ``open`` refuses a list or mapping as a key
            if isinstance(value, str):
                value = sys.intern(value)  # the same few field names on every row
            frame.skip = value in frame.value
            if frame.skip:
                self.document.problems.append(
                    f"{_where(mark)}: not valid YAML: found duplicate key {value!r} "
                    f"(in the mapping that starts on line {frame.mark.line + 1})"
                )
            frame.key = value
            return
        if not frame.skip:
            frame.value[frame.key] = value
        frame.key = _NO_KEY

    def open(self, container: Mapping | Sequence, mark) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _Stop(f"{_where(mark)}: nested more than {MAX_DEPTH} levels deep; register files need far fewer")
        if self.stack and isinstance(self.stack[-1].value, Mapping) and self.stack[-1].key is _NO_KEY:
            raise _Stop(f"{_where(mark)}: a mapping key must be plain text, not a list or mapping")
        self.stack.append(_Frame(container, mark))

    def close(self) -> None:
        frame = self.stack.pop()
        self.add(frame.value, frame.mark)

    def event(self, event: yaml.Event) -> None:
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            kind = "aliases" if isinstance(event, yaml.AliasEvent) else "anchors"
            raise _Stop(
                f"{_where(event.start_mark)}: YAML {kind} ({'*' if kind == 'aliases' else '&'}{anchor}) are not "
                "accepted in register files; write each value out in full"
            )
        if isinstance(event, yaml.ScalarEvent):
            self.add(_scalar(event, self.document.problems), event.start_mark)
        elif isinstance(event, yaml.MappingStartEvent):
            if event.tag not in _MAP_TAGS:
                raise _refused_tag(event)
            container = Mapping()
            container.line = event.start_mark.line + 1
            self.open(container, event.start_mark)
        elif isinstance(event, yaml.SequenceStartEvent):
            if event.tag not in _SEQ_TAGS:
                raise _refused_tag(event)
            container = Sequence()
            container.lines = []
            self.open(container, event.start_mark)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self.close()
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _Stop(
                    f"{_where(event.start_mark)}: a second YAML document starts here; a register file holds one"
                )

    def salvage(self) -> None:
        """After a stop: keep the top-level mapping and its finished table entries, nothing half-read."""
        if not self.stack:
            return
        root = self.stack[0]
        if self.document.root is None and isinstance(root.value, Mapping):
            self.document.root = root.value
            table = self.stack[1].value if len(self.stack) > 1 else None
            if isinstance(table, Sequence) and root.key is not _NO_KEY and not root.skip:
                root.value[root.key] = table
        self.stack.clear()


def read_document(content: bytes) -> Document:
    """The one YAML document in ``content`` (UTF-8), with every problem found on the way."""
    builder = _Builder()
    try:
        for event in _events(content):
            builder.event(event)
    except _Stop as stop:
        builder.document.problems.append(stop.problem)
        builder.document.complete = False
        builder.salvage()
    return builder.document
