"""How every admin change is carried out in chat: made at once, or previewed with Confirm and Cancel.

An upkeep command parses what was typed into a ``changes.Plan`` and hands it to ``carry_out``. A plan
that only adds facts is committed at once; one that alters or removes a fact (``needs_confirm``), or
an announcement, is kept (``changes.propose``) and shown as a preview whose buttons send
``confirm <token>`` or ``cancel <token>`` back through the dispatcher, so Slack, Teams and the shell
need nothing of their own. Whatever the outcome, the reply says what changed, from what, to what.

After a commit the context's ``notify`` is told the action and the applier's result: the service
uses it to post an announcement at once (``secbot.delivery.announcements``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from secbot import outages
from secbot.commands.admin import who
from secbot.commands.context import Context
from secbot.commands.registry import ADMIN, command
from secbot.formatting import readable
from secbot.replies import Action, Field, Reply, Section
from secbot.store import changes
from secbot.store.changes import Conflict, Outcome, Plan

log = logging.getLogger(__name__)

DoneReply = Callable[[Context, Plan, Outcome], Reply]
PreviewReply = Callable[[Context, Plan], Reply]
# Actions whose done or preview reply says more than the default (announcements).
DONE_REPLIES: dict[str, DoneReply] = {}
PREVIEW_REPLIES: dict[str, PreviewReply] = {}


def carry_out(ctx: Context, typed: str, plan: Plan, *, always_confirm: bool = False) -> Reply:
    if plan.needs_confirm or always_confirm:
        token = changes.propose(ctx.register.store, who(ctx), typed, plan)
        return preview(ctx, plan, token)
    try:
        outcome = changes.commit(ctx.register.store, who(ctx), typed, plan, ctx.register.today())
    except Conflict as conflict:
        return _conflict_reply(plan, str(conflict))
    _notify(ctx, plan, outcome)
    return done(ctx, plan, outcome)


def preview(ctx: Context, plan: Plan, token: str) -> Reply:
    custom = PREVIEW_REPLIES.get(plan.action)
    reply = custom(ctx, plan) if custom else _default_preview(plan)
    if plan.warnings:
        reply.sections.append(Section(heading="Please check", text="\n".join(f"⚠ {w}" for w in plan.warnings)))
    reply.actions = [Action("Confirm", f"confirm {token}", "primary"), Action("Cancel", f"cancel {token}")]
    reply.footer = (
        f"Nothing has changed yet. Confirm within {changes.PENDING_MINUTES} minutes; only you can confirm or cancel."
    )
    reply.kind, reply.cacheable = "notice", False
    return reply


def _default_preview(plan: Plan) -> Reply:
    return Reply(
        f"Confirm: {plan.title}",
        summary="This changes or removes what the register holds now. Is this right?",
        sections=[Section(fields=changed_fields(plan.before, plan.after))],
    )


def done(ctx: Context, plan: Plan, outcome: Outcome) -> Reply:
    custom = DONE_REPLIES.get(plan.action)
    if custom:
        reply = custom(ctx, plan, outcome)
    else:
        reply = Reply(
            f"Done: {plan.title}",
            summary="The register is updated; every answer and digest from now on shows it.",
            sections=[Section(fields=changed_fields(plan.before, outcome.after))],
        )
        if plan.reference:
            reply.actions = [Action(plan.reference, plan.reference)]
    reply.kind, reply.cacheable = "notice", False
    reply.footer = reply.footer or "Recorded in the audit log."
    return reply


def changed_fields(before: dict | None, after: dict) -> list[Field]:
    """One field per value: "old → new", or just the value when it is new."""
    before = before or {}
    fields = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        label = key.replace("_", " ").capitalize()
        if old in (None, "", []) and new not in (None, "", []):
            fields.append(Field(label, _shown(new)))
        elif old != new:
            fields.append(Field(label, f"{_shown(old)} → {_shown(new)}"))
        else:
            fields.append(Field(label, f"{_shown(new)} (unchanged)"))
    return fields


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return readable(str(value))


def _notify(ctx: Context, plan: Plan, outcome: Outcome) -> None:
    try:
        ctx.notify(plan.action, outcome.result)
    except Exception as error:  # the change is made; the service's minute job posts what this could not
        outages.report(f"passing on the {plan.action} just made", error, log)


def _conflict_reply(plan: Plan, problem: str) -> Reply:
    return Reply(
        f"Not changed: {plan.title}",
        kind="error",
        summary=f"{problem} Nothing was changed; ask again to see the register as it is now.",
        cacheable=False,
    )


# -- confirm and cancel ----------------------------------------------------------------------------
@command(
    "confirm",
    "confirm <token>",
    "Make a change you previewed (the Confirm button sends this)",
    examples=("confirm 3q2-example-token",),
    role=ADMIN,
)
def confirm_command(ctx: Context, args: str) -> Reply:
    token = args.strip()
    if not token:
        return _which_change("confirm")
    taken = changes.confirm(ctx.register.store, who(ctx), token, f"confirm {token}", ctx.register.today())
    if taken.refused:
        return _not_yours("confirm", taken)
    if taken.plan is None:
        return _not_waiting(taken.problem or "")
    if taken.outcome is None:
        return _conflict_reply(taken.plan, taken.problem or "The register changed since the preview.")
    _notify(ctx, taken.plan, taken.outcome)
    return done(ctx, taken.plan, taken.outcome)


@command(
    "cancel",
    "cancel <token>",
    "Drop a change you previewed (the Cancel button sends this)",
    examples=("cancel 3q2-example-token",),
    role=ADMIN,
)
def cancel_command(ctx: Context, args: str) -> Reply:
    token = args.strip()
    if not token:
        return _which_change("cancel")
    taken = changes.cancel(ctx.register.store, who(ctx), token, f"cancel {token}")
    if taken.refused:
        return _not_yours("cancel", taken)
    if taken.plan is None:
        return _not_waiting(taken.problem or "")
    return Reply(
        f"Cancelled: {taken.plan.title}",
        kind="notice",
        summary="Nothing was changed. The cancellation is in the audit log.",
        cacheable=False,
    )


def _which_change(verb: str) -> Reply:
    return Reply(
        f"Which change should I {verb}?",
        kind="error",
        summary=f"`{verb}` takes the token from a preview's buttons; press the button on the preview instead.",
        cacheable=False,
    )


def _not_yours(verb: str, taken: changes.Taken) -> Reply:
    """Someone pressed another admin's Confirm or Cancel (the attempt is in the audit log)."""
    return Reply(
        f"Only the admin who asked can {verb} this",
        kind="error",
        summary=(
            f"{taken.problem} Nothing was changed; the attempt was recorded. "
            "To make the change yourself, ask for it again."
        ),
        cacheable=False,
    )


def _not_waiting(problem: str) -> Reply:
    return Reply("No change waiting", kind="error", summary=problem, cacheable=False)
