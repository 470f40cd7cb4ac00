"""The digest kinds by name, built like the command registry: each builder module declares its
``DigestKind`` (``secbot.digests.kind``) and is listed here once. Adding a kind is one module and one
line below; the schedules, subscriptions, previews, the CLI, the scheduler and the chart route all read
the kind from ``KINDS``."""

from __future__ import annotations

from secbot.digests import agenda, consultations, monthly
from secbot.digests.document import Document
from secbot.digests.kind import DEFAULT_REMINDER_DAYS, DigestKind, Options
from secbot.store.queries import Register

KINDS: dict[str, DigestKind] = {kind.name: kind for kind in (agenda.KIND, consultations.KIND, monthly.KIND)}


def kind_named(name: str) -> DigestKind:
    found = KINDS.get(name)
    if found is None:
        raise ValueError(f"unknown digest {name!r} (use one of {', '.join(KINDS)})")
    return found


def build(
    name: str, register: Register, *, reminder_days: int = DEFAULT_REMINDER_DAYS, register_url: str | None = None
) -> Document | None:
    """The ``name`` digest as the register stands today, or None when it has nothing to send."""
    options = Options(reminder_days, register_url) if register_url else Options(reminder_days)
    return kind_named(name).build(register, options)


def nothing_to_send(name: str, register: Register, *, reminder_days: int = DEFAULT_REMINDER_DAYS) -> str:
    """Why ``build`` gave None today, as one sentence."""
    return kind_named(name).nothing_to_send(register, Options(reminder_days))
