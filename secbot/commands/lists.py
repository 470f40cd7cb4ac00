"""Finding modifications: ``search <words>``, ``phase <name>``, ``list <status>``, ``stats``, ``raised by <who>``."""

from __future__ import annotations

from secbot.commands.common import (
    clearly_closest,
    closest,
    left_out_note,
    mod_item,
    or_list,
    paged,
    split_all,
    split_page,
)
from secbot.commands.context import Context
from secbot.commands.registry import command
from secbot.formatting import agreeing, long_date, plural
from secbot.replies import Action, Field, Reply, Section, Table
from secbot.vocabulary import PHASE_DESCRIPTIONS, PHASES, canonical_phase, phase_named


@command(
    "search",
    "search <words>",
    "Find modifications by words in the title, summaries, proposer or organisation",
    aliases=("find",),
    examples=("search firmware", "search DCC alerts"),
    cached=True,
)
def search_command(ctx: Context, args: str) -> Reply:
    words, page = split_page(args)
    if not words:
        return Reply("Search for what?", kind="error", summary="Give some words, e.g. `search firmware`.")
    total, hits = ctx.register.search(words, limit=page * ctx.page_size)
    most, spelled = False, words
    if not hits and (spelled := ctx.register.index().spelled(words)) != words:  # "firmwre"
        total, hits = ctx.register.search(spelled, limit=page * ctx.page_size)
    if not hits:
        total, hits = ctx.register.search_most(spelled, limit=page * ctx.page_size)
        most = bool(hits)
    if not hits:
        reply = Reply(f"Nothing in the register matches “{words}”", kind="list")
        close = ctx.register.index().close_titles(words)
        if close:
            reply.summary = "Did you mean one of these?"
            reply.sections.append(Section(items=[mod_item(s) for s in close]))
            reply.suggestions = [s.reference for s in close]
        return reply
    items = [mod_item(h.summary) for h in hits]
    reply = paged(
        ctx,
        f"Search: {words}",
        items,
        page,
        f"search {words}",
        total=total,
        summary=f"{plural(total, 'modification')} {agreeing(total, 'matches', 'match')}.",
    )
    if spelled != words:
        reply.footer = f"Nothing holds “{words}”: searched for “{spelled}”."
    if most:
        reply.footer = "No modification holds every word searched for: these hold the most of them."
    return reply


@command(
    "phase",
    "phase <name>",
    "Modifications in a phase (Define, Refine, Report Phase, Change Board, Decision, ...)",
    examples=("phase refine", "phase define"),
    cached=True,
)
def phase_command(ctx: Context, args: str) -> Reply:
    words, page = split_page(args)
    words, everything = split_all(words)
    phase = canonical_phase(words) if words else None
    if phase is None:
        reply = Reply("Which phase?" if not words else f"“{words}” is not a phase", kind="error")
        reply.summary = "Phases: " + ", ".join(PHASES) + "."
        reply.actions = [Action(p, f"phase {p}") for p in PHASES[:5]]
        return reply
    listed = ctx.register.by_phase(phase, include_stale=everything)
    mods = listed.mods
    reply = paged(
        ctx,
        f"{phase}: {plural(len(mods), 'modification')}",
        [mod_item(m, m.status) for m in mods],
        page,
        f"phase {phase}{' all' if everything else ''}",
        summary=PHASE_DESCRIPTIONS[phase].capitalize() + ".",
        empty=f"No modification is in {phase}.",
    )
    reply.footer = left_out_note(ctx, len(listed.stale), f"phase {phase} all")
    return reply


@command(
    "list",
    "list <status>",
    "Modifications with a status, in the register's own words (Approved, Withdrawn, ...)",
    examples=("list approved", "list awaiting authority decision"),
    cached=True,
)
def list_command(ctx: Context, args: str) -> Reply:
    words, page = split_page(args)
    words, everything = split_all(words)
    statuses = ctx.register.statuses()
    if not words:
        return Reply("Which status?", kind="error", summary="Statuses in the register: " + ", ".join(statuses) + ".")
    listed = ctx.register.by_status(words, include_stale=everything)
    if not listed.mods and not listed.stale and phase_named(words):
        return phase_command(ctx, args)
    if not listed.mods and not listed.stale:
        return _no_such_status(words, statuses)
    status = (listed.mods or listed.stale)[0].status
    current = listed.mods
    months = plural(ctx.register.stale_months, "month")
    reply = paged(
        ctx,
        f"{status}: {plural(len(current), 'modification')}",
        [mod_item(m, m.phase) for m in current],
        page,
        f"list {words}{' all' if everything else ''}",
        empty=f"No modification restated in the last {months} has the status “{status}”.",
    )
    reply.footer = left_out_note(ctx, len(listed.stale), f"list {words} all")
    return reply


def _no_such_status(words: str, statuses: list[str]) -> Reply:
    """No modification has the status asked for: never another status's list, but the closest statuses,
    the phase a word like "withdrawn" belongs to, and every status there is."""
    close = closest(words, statuses)
    phase = canonical_phase(words)
    said = [f"Did you mean {or_list(close)}?"] if close else []
    if phase:
        said.append(
            f"“{words}” is one case of the {phase} phase ({PHASE_DESCRIPTIONS[phase]}): "
            f"`phase {phase}` lists every modification in it."
        )
    said.append(
        "Statuses in the register: " + ", ".join(statuses) + "." if statuses else "No modification has a status yet."
    )
    reply = Reply(f"No modification has the status “{words}”", kind="notice", summary=" ".join(said))
    reply.actions = [Action(s, f"list {s}") for s in close]
    if phase:
        reply.actions.append(Action(f"Phase {phase}", f"phase {phase}"))
    return reply


@command(
    "stats",
    "stats [all]",
    "How many modifications are in each stage",
    aliases=("summary",),
    examples=("stats", "stats all"),
    cached=True,
)
def stats_command(ctx: Context, args: str) -> Reply:
    everything = split_all(args.strip())[1]
    counts, left_out = ctx.register.counted_stages(include_stale=everything)
    total = sum(n for _, n in counts)
    summary = f"{plural(total, 'current modification' if left_out else 'modification')} in the register."
    if left_out and not total:
        summary = f"No report since {long_date(ctx.register.stale_before())} has restated any modification."
    reply = Reply("Modifications in each stage", kind="list", summary=summary)
    reply.sections.append(Section(table=Table(["Stage", "Modifications"], [[stage, str(n)] for stage, n in counts])))
    pending = ctx.register.pending_authority(include_stale=everything)
    if pending:
        reply.sections.append(Section(fields=[Field("With the Authority", ", ".join(p.reference for p in pending))]))
    reply.actions = [Action(stage, f"phase {stage}") for stage, n in counts if n and stage in PHASES][:5]
    reply.footer = left_out_note(ctx, left_out, "stats all")
    return reply


@command(
    "raised by",
    "raised by <organisation or person>",
    "Modifications raised by an organisation or a person",
    aliases=("raised", "proposed by"),
    examples=("raised by DCC", "raised by Npower"),
    cached=True,
)
def raised_by_command(ctx: Context, args: str) -> Reply:
    words, page = split_page(args)
    named = words.strip().removeprefix("by ").strip()
    known = ctx.register.proposers()
    if not named:
        return Reply("Raised by whom?", kind="error", summary="Name an organisation or a person, e.g. `raised by DCC`.")
    exact = next((name for name in known if name.lower() == named.lower()), None)
    found = exact or clearly_closest(named, known)  # "westren power" is no sure Npower: asked back
    if found is None:
        near = closest(named, known)
        reply = Reply(f"No modification raised by “{named[:60]}”", kind="error")
        reply.summary = f"Did you mean {or_list(near)}?" if near else "Raised by: " + ", ".join(known) + "."
        reply.actions = [Action(name, f"raised by {name}") for name in near]
        return reply
    mods = ctx.register.raised_by(found)
    return paged(
        ctx,
        f"Raised by {found}: {plural(len(mods), 'modification')}",
        [mod_item(m, " · ".join(filter(None, [m.phase, m.status])) or None) for m in mods],
        page,
        f"raised by {found}",
    )
