"""Roles and the audit log in chat: ``whoami``, ``audit``, and the refusal every admin command gives readers.

``dispatch`` calls ``refuse`` instead of an admin command's handler when a reader asks: the reader is
told politely, and the attempt is written to the audit log in a transaction of its own. Neither reply
here is cached: ``whoami`` depends on who asks, and the audit log changes without the register's
revision changing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from secbot.commands.common import more_action, page_window, past_the_end, range_heading, split_page
from secbot.commands.context import Context
from secbot.commands.dates import parse_day
from secbot.commands.registry import ADMIN, REGISTRY, Command, command
from secbot.formatting import long_date, plural, readable
from secbot.references import Ref, find_references, parse_reference
from secbot.replies import Action, Field, Item, Reply, Section
from secbot.roles import identity
from secbot.store import audit
from secbot.store.models import AuditEntry

_SLACK_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")
_SHOWN_COMMAND = 80  # characters of a logged command shown in a listing


def who(ctx: Context) -> audit.Who:
    """The audit log's "who and where" for the person asking."""
    return audit.Who(identity(ctx.actor), ctx.actor.platform, ctx.where.channel_id, ctx.actor.name)


# -- the gate -----------------------------------------------------------------------------------
def refuse(ctx: Context, cmd: Command, text: str) -> Reply:
    """A reader asked for an admin command: say so, and record the attempt."""
    typed = (text or "").strip()
    references = find_references(typed)
    recorded = audit.record_attempt(
        ctx.register.store,
        who(ctx),
        typed,
        cmd.name,
        audit.REFUSED,
        reference=references[0].text if references else None,
        detail="not a SECAS admin",
    )
    return Reply(
        f"Only SECAS admins can use {cmd.name}",
        kind="error",
        summary=(
            f"`{cmd.name}` is for SECAS admins ({_lower_first(cmd.summary)}). You are a reader: ask a SECAS "
            f"admin to do it for you, or to make you an admin. Nothing was changed; {recorded_attempt(recorded)}"
        ),
        footer="`whoami` shows who secbot thinks you are, and your role.",
        actions=[Action("Who am I?", "whoami")],
        cacheable=False,
    )


def recorded_attempt(recorded: bool) -> str:
    return "the attempt was recorded." if recorded else "the attempt could not be recorded just now."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- whoami -------------------------------------------------------------------------------------
@command(
    "whoami",
    "whoami",
    "Who secbot thinks you are, and your role: SECAS admin or reader",
    examples=("whoami",),
)
def whoami_command(ctx: Context, args: str) -> Reply:
    me = identity(ctx.actor)
    role = "SECAS admin" if ctx.is_admin else "reader"
    fields = [Field("Identity", f"`{me}`")]
    if ctx.actor.name:
        fields.append(Field("Name", ctx.actor.name))
    fields += [Field("Role", role), Field("Why", _why(ctx))]
    reply = Reply(
        f"You are a {role}",
        kind="notice",
        summary=(
            "You can change what secbot does for SECAS and read its audit log."
            if ctx.is_admin
            else "You can ask anything about the register; changing it, and the audit log, are for SECAS admins."
        ),
        sections=[Section(fields=fields), _admin_commands()],
        cacheable=False,
    )
    if ctx.is_admin:
        reply.actions = [Action("Audit log", "audit")]
    else:
        reply.footer = f"To become an admin, ask a SECAS admin to add `{me}` to SECBOT_ADMINS."
    return reply


def _why(ctx: Context) -> str:
    if ctx.is_admin:
        return "; ".join(ctx.role_reasons) or "SECAS admin"
    not_a_member = ctx.words(ctx.actor.platform).not_a_member
    return f"not named in SECBOT_ADMINS, and {not_a_member}" if not_a_member else "not named in SECBOT_ADMINS"


def _admin_commands() -> Section:
    items = [Item(f"`{c.usage}`", c.summary) for c in REGISTRY.for_role(ADMIN)]
    return Section(heading="What SECAS admins can do", items=items)


# -- audit ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditFilter:
    reference: str | None = None
    user: str | None = None
    since: dt.date | None = None

    def describe(self) -> str:
        if self.reference:
            return self.reference
        if self.user:
            return self.user
        return f"since {long_date(self.since)}" if self.since else ""


@command(
    "audit",
    "audit [<reference> | user <identity> | since <date>]",
    "The audit log: every admin action and refused attempt, newest first",
    examples=("audit", "audit MP161", "audit user slack:T0001:U0001", "audit since 1 June 2021"),
    details="Each line says when (Europe/London time), who, where, what they typed, the outcome and what changed.",
    role=ADMIN,
)
def audit_command(ctx: Context, args: str) -> Reply:
    asked, page = split_page(args)
    wanted = _audit_filter(ctx, asked)
    if isinstance(wanted, Reply):
        return wanted
    zone = ctx.register.clock.zone
    total = _count(ctx, wanted, zone)
    if beyond := past_the_end(total, page, ctx.page_size, f"audit {asked}".strip()):
        beyond.cacheable = False  # like every audit answer: the log changes without the revision moving
    page, start, end = page_window(total, page, ctx.page_size)
    items = [] if beyond else _lines(ctx, wanted, zone, start, end - start)
    audit.record_alone(ctx.register.store, who(ctx), f"audit {args}".strip(), "audit", audit.DONE)
    return beyond or _audit_reply(ctx, wanted, asked, total, (page, start), items)


def _audit_filter(ctx: Context, asked: str) -> AuditFilter | Reply:
    word, _, rest = asked.partition(" ")
    rest = rest.strip()
    if not asked:
        return AuditFilter()
    if word.lower() == "user" and rest:
        return AuditFilter(user=_SLACK_MENTION.sub(r"\1", rest))
    if word.lower() == "since":
        day = parse_day(rest, ctx.register.today())
        if day is None:
            return _usage(f"I couldn't read “{rest}” as a date.")
        return AuditFilter(since=day)
    resolution = ctx.register.resolve(asked)
    if resolution.found is not None:
        return AuditFilter(reference=resolution.found.reference)
    parsed = parse_reference(asked)
    if isinstance(parsed, Ref):  # no longer in the register, but it may have audit rows
        return AuditFilter(reference=parsed.text)
    return _usage(f"I didn't understand “{asked[:100]}”.")


def _usage(problem: str) -> Reply:
    return Reply(
        "Which audit entries?",
        kind="error",
        summary=f"{problem} Try `audit`, `audit MP161`, `audit user slack:T0001:U0001` or `audit since 1 June 2021`.",
        cacheable=False,
    )


def _query(wanted: AuditFilter, zone: dt.tzinfo) -> Select:
    query = select(AuditEntry)
    if wanted.reference:
        query = query.where(AuditEntry.reference == wanted.reference)
    if wanted.user:
        user = wanted.user.lower()
        query = query.where(
            or_(
                func.lower(AuditEntry.actor) == user,
                func.lower(AuditEntry.actor).endswith(f":{user}", autoescape=True),
                func.lower(AuditEntry.actor_name) == user,
            )
        )
    if wanted.since:
        start = dt.datetime.combine(wanted.since, dt.time(), tzinfo=zone).astimezone(dt.UTC)
        query = query.where(AuditEntry.at >= start)
    return query


def _count(ctx: Context, wanted: AuditFilter, zone: dt.tzinfo) -> int:
    with ctx.register.store.sessions() as session:
        return session.scalar(select(func.count()).select_from(_query(wanted, zone).subquery())) or 0


def _lines(ctx: Context, wanted: AuditFilter, zone: dt.tzinfo, offset: int, limit: int) -> list[Item]:
    query = _query(wanted, zone).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit)
    with ctx.register.store.sessions() as session:
        return [_line(entry, zone) for entry in session.scalars(query)]


def _line(entry: AuditEntry, zone: dt.tzinfo) -> Item:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without a zone
    local = at.astimezone(zone)
    person = f"{entry.actor_name} ({entry.actor})" if entry.actor_name else entry.actor
    where = " ".join(filter(None, [entry.platform, entry.channel_id if entry.platform != "shell" else None]))
    typed = entry.command if len(entry.command) <= _SHOWN_COMMAND else entry.command[: _SHOWN_COMMAND - 1] + "…"
    detail = f"{entry.outcome} · “{typed}” in {where}"
    changes = _changes(entry.before or {}, entry.after or {})
    if changes:
        detail += f" · {changes}"
    if entry.detail and entry.outcome != audit.DONE:
        detail += f" ({entry.detail})"
    return Item(f"{local.day} {local:%B %Y %H:%M} · {person}", detail, entry.reference)


def _changes(before: dict, after: dict) -> str:
    changed = [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
    return "; ".join(f"{key}: {_value(before.get(key))} → {_value(after.get(key))}" for key in changed)


def _value(value) -> str:
    return "–" if value is None or value == "" else readable(str(value))


def _audit_reply(
    ctx: Context, wanted: AuditFilter, asked: str, total: int, window: tuple[int, int], items: list[Item]
) -> Reply:
    described = wanted.describe()
    zone = ctx.register.clock.zone
    reply = Reply(
        f"Audit log: {described}" if described else "Audit log",
        kind="list",
        summary=f"{plural(total, 'entry', 'entries')}, newest first; times are {getattr(zone, 'key', zone)}.",
        cacheable=False,
    )
    if not items:
        reply.sections.append(Section(text="Nothing in the audit log matches." if described else "Nothing yet."))
        return reply
    page, start = window
    reply.sections.append(Section(heading=range_heading(total, start, start + len(items)), items=items))
    if more := more_action(total, page, ctx.page_size, f"audit {asked}".strip()):
        reply.actions.append(more)
    return reply
