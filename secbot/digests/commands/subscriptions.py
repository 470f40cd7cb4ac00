"""Channel subscriptions to digests: ``subscribe``, ``unsubscribe``, ``subscriptions``.

``subscribe <agenda|consultations|monthly|all> [phase <name>] [<references>] [release <name>]``.
Filters narrow the agenda and consultations digests to some modifications; the monthly digest mirrors
SECAS's whole report and is always sent whole. Replies depend on the channel, so none is cached.
Every subscribe and unsubscribe is in the audit log: done (each kind before and after, written with the
change) or, when ``SECBOT_SUBSCRIPTIONS_ADMIN_ONLY`` refuses a reader, refused.
"""

from __future__ import annotations

from secbot.commands.admin import recorded_attempt, who
from secbot.commands.common import not_found
from secbot.commands.context import Context
from secbot.commands.registry import command
from secbot.digests.kinds import KINDS
from secbot.formatting import plural
from secbot.inputs import printable
from secbot.references import parse_reference
from secbot.replies import Action, Field, Item, Reply, Section
from secbot.roles import identity
from secbot.store import audit, subscriptions
from secbot.store.subscriptions import Filters, SubscriptionView
from secbot.vocabulary import PHASES, canonical_phase


def _about(kind: str) -> str:
    return KINDS[kind].about


# What members type for each kind: its name, the other words it declares, and "all".
_KIND_WORDS = {
    **{word: (kind.name,) for kind in KINDS.values() for word in (kind.name, *kind.words)},
    "all": tuple(KINDS),
    "everything": tuple(KINDS),
}
_KIND_LIST = ", ".join(KINDS)
_USAGE = "`subscribe agenda`, `subscribe consultations MP161`, `subscribe all phase refine`, `subscribe monthly`"


def _not_here(ctx: Context, change: str | None = None) -> Reply | None:
    """Why ``change`` (what was typed, or None for a listing) cannot be made here, or None.

    A reader refused by ``SECBOT_SUBSCRIPTIONS_ADMIN_ONLY`` is refused like any admin command: politely,
    and with a ``refused`` row in the audit log."""
    if not ctx.words().digests:
        labels = [words.called for words in ctx.digest_platforms()]
        return Reply(
            f"Subscriptions are for {' and '.join(labels) or 'chat'} channels",
            kind="error",
            summary="Ask in the channel that should receive digests, e.g. `/sec subscribe agenda`.",
            cacheable=False,
        )
    if change is not None and ctx.subscriptions_admin_only and not ctx.is_admin:
        recorded = audit.record_attempt(
            ctx.register.store,
            who(ctx),
            change,
            change.split(maxsplit=1)[0],
            audit.REFUSED,
            detail="subscriptions are for SECAS admins (SECBOT_SUBSCRIPTIONS_ADMIN_ONLY)",
        )
        return Reply(
            "Only SECAS admins may change subscriptions here",
            kind="error",
            summary=(
                "This service lets only SECAS admins change what a channel receives. "
                f"Nothing was changed; {recorded_attempt(recorded)}"
            ),
            cacheable=False,
        )
    return None


def _kinds(word: str) -> tuple[str, ...] | None:
    return _KIND_WORDS.get(word.lower())


def _parse_filters(ctx: Context, words: list[str]) -> Filters | Reply:
    phases: list[str] = []
    references: list[str] = []
    release: str | None = None
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "release":
            release = " ".join(words[i + 1 :]).strip()
            found = ctx.register.releases(name=release) or ctx.register.releases(name=f"{release} SEC Release")
            if not found:
                names = ", ".join(r.name for r in ctx.register.releases() if r.date)
                return _error(f"No release called “{release}”", f"Releases in the register: {names}.")
            release = found[0].name
            break
        if word == "phase":
            for width in (2, 1):
                phase = canonical_phase(" ".join(words[i + 1 : i + 1 + width]))
                if phase and i + width < len(words):
                    phases.append(phase)
                    i += 1 + width
                    break
            else:
                return _error("Which phase?", "Phases: " + ", ".join(PHASES) + ".")
            continue
        width = 2 if parse_reference(words[i]) is None and parse_reference(" ".join(words[i : i + 2])) else 1
        resolution = ctx.register.resolve(" ".join(words[i : i + width]))  # "mp 122a" is one reference
        if resolution.found is None:
            reply = not_found(resolution)
            reply.footer = "Nothing was changed. " + (reply.footer or "")
            reply.cacheable = False
            return reply
        references.append(resolution.found.reference)
        i += width
    return Filters(tuple(dict.fromkeys(phases)), tuple(dict.fromkeys(references)), release)


def _error(title: str, summary: str) -> Reply:
    return Reply(title, kind="error", summary=f"{summary} Nothing was changed.", cacheable=False)


def describe(filters: Filters) -> str:
    return filters.describe()


def _subscription_item(s: SubscriptionView) -> Item:
    detail = _about(s.kind)
    if s.filters:
        detail += f" — {describe(s.filters)}" + (" (filters do not apply)" if not KINDS[s.kind].filtered else "")
    if s.paused:
        detail += f" — PAUSED: {s.paused_reason}. Subscribe again to resume."
    return Item(s.kind, detail)


@command(
    "subscribe",
    f"subscribe <{'|'.join(KINDS)}|all> [phase <name>] [<references>] [release <name>]",
    "Post digests to this channel: the Working Group agenda, consultations, the monthly status digest",
    examples=("subscribe agenda", "subscribe consultations MP161", "subscribe all phase refine"),
    details="Filters narrow the agenda and consultation digests; the monthly digest is always whole.",
)
def subscribe_command(ctx: Context, args: str) -> Reply:
    typed = f"subscribe {args}".strip()
    refused = _not_here(ctx, typed)
    if refused:
        return refused
    words = args.split()
    kinds = _kinds(words[0]) if words else None
    if kinds is None:
        return _error("Subscribe to what?", f"Digests: {_KIND_LIST} or all. For example {_USAGE}.")
    filters = _parse_filters(ctx, words[1:])
    if isinstance(filters, Reply):
        return filters
    where = ctx.where
    done = subscriptions.subscribe(
        ctx.register.store,
        where.platform,
        where.channel_id,
        kinds,
        filters,
        identity(ctx.actor),
        who=who(ctx),
        command=typed,
    )
    reply = Reply(
        f"Subscribed: {', '.join(s.kind for s in done)}",
        kind="notice",
        summary="This channel will receive " + "; ".join(_about(k) for k in kinds) + f" ({describe(filters)}).",
        cacheable=False,
    )
    reply.actions = [Action("Subscriptions", "subscriptions"), Action("Preview", f"digest {kinds[0]}")]
    return reply


@command(
    "unsubscribe",
    f"unsubscribe <{'|'.join(KINDS)}|all>",
    "Stop posting a digest to this channel",
    examples=("unsubscribe agenda", "unsubscribe all"),
)
def unsubscribe_command(ctx: Context, args: str) -> Reply:
    typed = f"unsubscribe {args}".strip()
    refused = _not_here(ctx, typed)
    if refused:
        return refused
    kinds = _kinds(args.strip().split()[0]) if args.strip() else None
    if kinds is None:
        return _error("Unsubscribe from what?", f"Digests: {_KIND_LIST} or all.")
    where = ctx.where
    removed = subscriptions.unsubscribe(
        ctx.register.store, where.platform, where.channel_id, kinds, who=who(ctx), command=typed
    )
    if not removed:
        return Reply(
            "Nothing to unsubscribe",
            kind="notice",
            summary=f"This channel was not subscribed to {' or '.join(kinds)}.",
            cacheable=False,
        )
    return Reply(
        f"Unsubscribed: {', '.join(kinds) if len(kinds) < len(KINDS) else 'all digests'}",
        kind="notice",
        summary=f"{plural(removed, 'subscription')} removed from this channel.",
        actions=[Action("Subscriptions", "subscriptions")],
        cacheable=False,
    )


@command(
    "subscriptions",
    "subscriptions",
    "The digests this channel receives",
    examples=("subscriptions",),
)
def subscriptions_command(ctx: Context, args: str) -> Reply:
    if not ctx.words().digests:
        return _not_here(ctx) or Reply("Subscriptions", cacheable=False)
    found = subscriptions.for_channel(ctx.register.store, ctx.where.platform, ctx.where.channel_id)
    if not found:
        return Reply(
            "This channel has no subscriptions",
            kind="notice",
            summary=f"Subscribe with {_USAGE}.",
            actions=[Action("Subscribe to all", "subscribe all")],
            cacheable=False,
        )
    reply = Reply(f"This channel's subscriptions ({len(found)})", kind="list", cacheable=False)
    reply.sections.append(Section(items=[_subscription_item(s) for s in found]))
    paused = [s for s in found if s.paused]
    if paused:
        reply.sections.append(Section(fields=[Field("Paused", ", ".join(s.kind for s in paused))]))
    reply.actions = [Action(f"Unsubscribe {s.kind}", f"unsubscribe {s.kind}") for s in found]
    return reply


def workspace_reply(store, platform: str, workspace: str) -> Reply:
    """The App Home's list: which channels of this workspace receive which digests."""
    found = subscriptions.in_workspace(store, platform, printable(workspace))  # the door's team id, unchecked
    if not found:
        return Reply(
            "Digest subscriptions",
            kind="notice",
            summary=f"No channel in this workspace receives digests yet. In a channel, type {_USAGE}.",
            cacheable=False,
        )
    by_channel: dict[str, list[SubscriptionView]] = {}
    for sub in found:
        by_channel.setdefault(sub.channel_id, []).append(sub)
    items = [
        Item(
            f"Channel {channel_id.rpartition(':')[2]}",
            "; ".join(
                sub.kind + (f" ({describe(sub.filters)})" if sub.filters else "") + (" — paused" if sub.paused else "")
                for sub in subs
            ),
        )
        for channel_id, subs in sorted(by_channel.items())
    ]
    return Reply(
        f"Digest subscriptions ({plural(len(by_channel), 'channel')})",
        kind="list",
        summary="Type `subscriptions` in a channel to change its own.",
        sections=[Section(items=items)],
        cacheable=False,
    )
