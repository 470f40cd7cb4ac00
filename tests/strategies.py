"""Hypothesis strategies shared by the renderer tests: arbitrary ``Reply`` objects built from a given
text strategy, so that each platform's renderer can be shown to hold its limits for any reply."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from secbot.replies import Action, Field, Item, Link, Reply, Section, Table


def replies(text: st.SearchStrategy[str], link_urls: Sequence[str]) -> st.SearchStrategy[Reply]:
    return st.builds(
        Reply,
        title=text,
        kind=st.sampled_from(["card", "list", "help", "notice", "error"]),
        summary=st.none() | text,
        sections=st.lists(
            st.builds(
                Section,
                heading=st.none() | text,
                text=st.none() | text,
                fields=st.lists(st.builds(Field, text, text), max_size=25),
                items=st.lists(st.builds(Item, text, st.none() | text, st.none() | text), max_size=60),
                table=st.none()
                | st.builds(Table, st.lists(text, max_size=4), st.lists(st.lists(text, max_size=4)), st.none() | text),
            ),
            max_size=8,
        ),
        actions=st.lists(st.builds(Action, text, text), max_size=30),
        links=st.lists(st.builds(Link, text, st.sampled_from(list(link_urls))), max_size=3),
        suggestions=st.lists(text, max_size=4),
        footer=st.none() | text,
    )
