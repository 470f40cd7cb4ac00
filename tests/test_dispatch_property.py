"""Random command text from random people through ``App.answer``, the dispatcher every door uses: no
exception escapes (not even as the apology every unexpected failure becomes), and no reader ever changes
the register or leaves a change waiting, whatever they type. Admins' random commands may change the
register (that is their job), so the register evolves as the examples run."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.commands.registry import REGISTRY
from secbot.settings import Settings
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.rows import everything_else

# The register and the changes waiting on it. (Readers may subscribe their channel to digests: that is
# not the register, and ``SECBOT_SUBSCRIPTIONS_ADMIN_ONLY`` is tested with the subscriptions.)
REGISTER = {
    *("modifications", "earlier_titles", "conversions", "events", "meetings", "agenda_items", "consultations"),
    *("assessments", "votes", "decisions", "releases", "release_scope", "sources", "register_state", "imports"),
    *("pending_actions", "announcements"),
}


def register_rows(app: App) -> dict[str, list]:
    return {name: rows for name, rows in everything_else(app.store).items() if name in REGISTER}


ADMIN = Actor("slack", "T0001:UADMIN")
READERS = [Actor("slack", "T0001:UREADER"), Actor("teams", "tenant:reader-object-id", "Rae"), Actor("shell", "rae")]
WHERE = {"slack": Where("slack", "T0001:C123"), "teams": Where("teams", "a:personal"), "shell": Where("shell", "local")}
APOLOGY = "Sorry, something went wrong"

# Words that make the commands do something: every command's name and its examples' words, references,
# dates, numbers, links and the words the admin commands take.
_WORDS = sorted(
    {word for cmd in REGISTRY for typed in (cmd.name, *cmd.examples) for word in typed.split()}
    | {"MP161", "mp 161", "DP162", "MP122A", "SECMP0007", "MP999", "MP", "A1", "1", "0", "-1", "99999999999"}
    | {"opens", "closes", "link", "note", "to", "add", "remove", "move", "phase", "status", "title", "path"}
    | {"7 June 2021", "2021-06-07", "31/02/2021", "today", "tomorrow", "next", "last", "page", "2"}
    | {"https://example.org/x", "<https://example.org/y|y>", "http://insecure.example", "<@U1>", "*", "%", "'"}
)
_COMMAND_WORDS = sorted({cmd.name for cmd in REGISTRY} | {"confirm", "cancel", "announce", "record", "wg", "set"})
_EXAMPLES = sorted({typed for cmd in REGISTRY for typed in cmd.examples})


@st.composite
def changed_example(draw) -> str:
    """A command's own example with a few words replaced, dropped or added: mostly well-formed commands
    with bad values, which reach deep into the handlers."""
    words = draw(st.sampled_from(_EXAMPLES)).split()
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(words)))
        how = draw(st.sampled_from(["replace", "drop", "add"]))
        if how == "add" or not words or where == len(words):
            words.insert(where, draw(st.sampled_from(_WORDS) | st.text(max_size=6)))
        elif how == "replace":
            words[where] = draw(st.sampled_from(_WORDS) | st.text(max_size=6))
        else:
            del words[where]
    return " ".join(words)


typed_text = st.one_of(
    st.sampled_from(_EXAMPLES),
    changed_example(),
    changed_example(),
    st.tuples(st.sampled_from(_COMMAND_WORDS), st.lists(st.sampled_from(_WORDS), max_size=10)).map(
        lambda parts: " ".join([parts[0], *parts[1]])
    ),
    st.text(max_size=80),
    st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), max_size=8).map(" ".join),
)


@pytest.fixture
def app(sample_copy) -> App:
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=[f"slack:{ADMIN.user_id}"])
    return App(settings, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=typed_text, reader=st.sampled_from(READERS), admin_first=st.booleans())
def test_no_exception_escapes_and_no_reader_changes_anything(app: App, text: str, reader: Actor, admin_first: bool):
    if admin_first:  # an admin's preview, whose token a reader then tries
        preview = app.answer(text, ADMIN, WHERE["slack"])
        assert preview.title != APOLOGY, text
        tokens = [a.command for a in preview.actions if re.match(r"^(confirm|cancel) ", a.command)]
        event("an admin's preview left a token" if tokens else f"the admin's reply: {preview.kind}")
        text = tokens[0] if tokens else text
    before = register_rows(app)
    reply = app.answer(text, reader, WHERE[reader.platform])
    event(f"the reader's reply: {reply.kind}")
    assert reply.title != APOLOGY, text
    assert register_rows(app) == before, text
