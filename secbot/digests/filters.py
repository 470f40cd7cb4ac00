"""A subscription's filters applied to a digest: only the modifications the channel asked for.

``apply_filters`` keeps the items whose ``reference`` matches a ``secbot.store.subscriptions.Filters``.
Each kind of filter given narrows, and within a kind any value matches: ``phase Refine MP161 MP162``
keeps MP161 and MP162 while they are in Refine. A phase is the modification's current phase; a release
matches the modifications in its scope. Items without a reference are dropped.

A section that had items or subsections and keeps none is dropped with its paragraphs (they introduce
what was dropped); a section of text alone is kept. When no item is left anywhere the document comes
back with no sections: there is nothing for this channel, and nothing should be posted.

For the agenda and consultations digests; the monthly digest mirrors SECAS's report and is always
sent whole. Tables are not filtered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from secbot.digests.document import Document, Section
from secbot.store.queries import Register
from secbot.store.subscriptions import Filters
from secbot.vocabulary import canonical_phase


def apply_filters(document: Document, filters: Filters, register: Register) -> Document:
    if not filters:
        return document
    matches = matcher(filters, register)
    sections = [kept for section in document.sections if (kept := _narrow(section, matches)) is not None]
    if not any(_has_items(section) for section in sections):
        sections = []
    return replace(document, sections=sections)


def matcher(filters: Filters, register: Register) -> Callable[[str], bool]:
    """Whether a modification (by reference) passes ``filters``."""
    tests: list[Callable[[str], bool]] = []
    if filters.references:
        references = set(filters.references)
        tests.append(lambda reference: reference in references)
    if filters.phases:
        phases = {canonical_phase(p) or p for p in filters.phases}
        index = register.index()
        tests.append(lambda reference: (found := index.summary(reference)) is not None and found.phase in phases)
    if filters.release:
        scope = {entry.reference for release in register.releases(name=filters.release) for entry in release.scope}
        tests.append(lambda reference: reference in scope)
    return lambda reference: all(test(reference) for test in tests)


def _narrow(section: Section, matches: Callable[[str], bool]) -> Section | None:
    items = [item for item in section.items if item.reference and matches(item.reference)]
    subsections = [kept for sub in section.subsections if (kept := _narrow(sub, matches)) is not None]
    had_some = bool(section.items or section.subsections)
    if had_some and not items and not subsections:
        return None
    return replace(section, items=items, subsections=subsections)


def _has_items(section: Section) -> bool:
    return bool(section.items) or any(_has_items(sub) for sub in section.subsections)
