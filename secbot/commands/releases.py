"""SEC Releases: ``release``, ``release next``, ``release June 2021``, ``release <name>``; a name not in
the register is answered with the closest names and every release, upcoming ones first."""

from __future__ import annotations

from secbot.commands.common import closest, mod_item, or_list
from secbot.commands.context import Context
from secbot.commands.dates import month_name, parse_month_phrase
from secbot.commands.registry import command
from secbot.formatting import long_date, plural
from secbot.replies import Action, Item, Reply, Section
from secbot.store.views import ModSummary, ReleaseView


def release_reply(release: ReleaseView) -> Reply:
    when = long_date(release.date, release.date_text or "date to be confirmed")
    kind = "Stand-alone release" if release.standalone else "SEC Release"
    reply = Reply(f"{release.name}", kind="list", summary=f"{kind}, {when}.")
    if release.scope:
        reply.sections.append(
            Section(
                heading=plural(len(release.scope), "modification"),
                items=[
                    mod_item(ModSummary(s.reference, s.title, None, None), " · ".join(filter(None, [s.status, s.note])))
                    for s in release.scope
                ],
            )
        )
    else:
        reply.sections.append(Section(text="No modification is scoped to this release in the register."))
    return reply


@command(
    "release",
    "release [next|<Month YYYY>|<name>]",
    "A SEC Release and the modifications in it",
    aliases=("releases",),
    examples=("release", "release June 2021", "release November 2022"),
    cached=True,
)
def release_command(ctx: Context, args: str) -> Reply:
    register = ctx.register
    text = args.strip()
    if text.lower() in ("", "next", "upcoming"):
        upcoming = register.releases(upcoming=True)
        if not upcoming:
            return Reply(
                "No SEC Release is scheduled",
                kind="notice",
                summary=f"The register has no release dated on or after {long_date(register.today())}.",
            )
        reply = release_reply(upcoming[0])
        reply.actions = [Action(r.name, f"release {r.name}") for r in upcoming[1:4]]
        return reply
    month = parse_month_phrase(text, register.today(), ahead=True)
    if month:
        found = _in_month(ctx, month)
        gone = parse_month_phrase(text, register.today(), ahead=False)
        if not found and gone != month:  # "release July": none next July, so the July gone by
            month, found = gone, _in_month(ctx, gone)
        if len(found) == 1:
            return release_reply(found[0])
        if found:
            reply = Reply(f"Releases in {month_name(*month)}", kind="list")
            reply.sections.append(Section(items=[Item(r.name, long_date(r.date)) for r in found]))
            reply.actions = [Action(r.name, f"release {r.name}") for r in found[:5]]
            return reply
        return _unknown(ctx, text)
    found = register.releases(name=text) or register.releases(name=f"{text} SEC Release")
    return release_reply(found[0]) if found else _unknown(ctx, text)


def _in_month(ctx: Context, month: tuple[int, int]) -> list[ReleaseView]:
    register = ctx.register
    return register.releases(month=month) or register.releases(name=f"{month_name(*month)} SEC Release")


def _unknown(ctx: Context, text: str) -> Reply:
    releases = ctx.register.releases()
    reply = Reply(f"No release called “{text}”", kind="error")
    if not releases:
        reply.summary = "The register has no releases."
        return reply
    today = ctx.register.today()
    close = closest(text, [r.name for r in releases], ignore=("SEC", "release"))
    upcoming = [r for r in releases if r.date and r.date >= today]
    earlier = [r for r in reversed(releases) if r.date and r.date < today]
    undated = [r for r in releases if not r.date]
    said = f"Did you mean {or_list(close)}? " if close else ""
    reply.summary = (
        said
        + f"The register has {plural(len(releases), 'release')}: "
        + ("upcoming ones first, then earlier ones, newest first." if upcoming and earlier else "all listed below.")
    )
    for heading, group in (("Upcoming", upcoming), ("Earlier", earlier), ("Date not recorded", undated)):
        if group:
            reply.sections.append(Section(heading=heading, items=[_listed(r) for r in group]))
    offered = list(dict.fromkeys([*close, *(r.name for r in upcoming)]))[:5]
    reply.actions = [Action(name, f"release {name}") for name in offered]
    return reply


def _listed(release: ReleaseView) -> Item:
    when = long_date(release.date, release.date_text or "date to be confirmed")
    return Item(release.name, None if when in release.name else when)  # "Stand-alone Release 14 August 2017"
