"""Hypothesis strategies shared by the renderer tests: arbitrary ``Reply`` objects built from a given
text strategy, so that each platform's renderer can be shown to hold its limits for any reply.

``hostile_text`` and ``hostile_replies`` are the worst a reply can hold: control characters, lone
surrogates, every Markdown and mrkdwn mark, mentions, huge and empty strings, odd URLs, and many
sections, items, fields, actions and links.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from secbot.replies import Action, Field, Item, Link, Reply, Section, Table


def replies(
    text: st.SearchStrategy[str],
    link_urls: Sequence[str] | st.SearchStrategy[str],
    *,
    max_sections: int = 8,
    max_fields: int = 25,
    max_items: int = 60,
    max_actions: int = 30,
    max_links: int = 3,
    max_suggestions: int = 4,
) -> st.SearchStrategy[Reply]:
    urls = link_urls if isinstance(link_urls, st.SearchStrategy) else st.sampled_from(list(link_urls))
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
                fields=st.lists(st.builds(Field, text, text), max_size=max_fields),
                items=st.lists(st.builds(Item, text, st.none() | text, st.none() | text), max_size=max_items),
                table=st.none()
                | st.builds(Table, st.lists(text, max_size=4), st.lists(st.lists(text, max_size=4)), st.none() | text),
            ),
            max_size=max_sections,
        ),
        actions=st.lists(
            st.builds(Action, text, text, st.sampled_from([None, "primary", "danger"])), max_size=max_actions
        ),
        links=st.lists(st.builds(Link, text, urls), max_size=max_links),
        suggestions=st.lists(text, max_size=max_suggestions),
        footer=st.none() | text,
    )


# Pieces of hostile text: control characters, surrogates (lone, reversed, and a pair that makes an
# emoji), bidirectional and zero-width marks, mrkdwn and Markdown marks, mentions and links.
HOSTILE_PIECES = [
    *("\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x1b]0;title\x07", "\x7f", "\x85", "\x9b"),
    *("\r\n", "\r", "\n", "\n\n", "\t", "   ", "\u00a0", "\u2028", "\u2029"),
    *("\ud800", "\udfff", "\udc00\ud800", "\ud83d\ude00", "\ud83d", "😀", "👩\u200d💻"),
    *("\u202e", "\u202d", "\u2066", "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\ufffd"),
    *("<!channel>", "<!here>", "<!everyone>", "<@U0001>", "<#C0001>", "<!subteam^S1>", "<https://evil|click>"),
    *("<at>x</at>", "[x](https://evil)", "**b**", "*b*", "_i_", "~s~", "`c`", "```", "> q", "# h", "- l", "1. n"),
    *("&", "&amp;", "&lt;", "&#60;", "<", ">", "|", "\\", "{", "}", '"', "'", "%", "$", "@", ":smile:", "/sec"),
    *("MP161", "mp 122a", "é", "–", "ß", "日本語", "مرحبا", "x"),
]
HUGE_TEXTS = ["x" * 3500, "word " * 2000, "y" * 20_000, ("<!channel> " * 500), "\x00" * 5000]
ODD_URLS = [
    *("https://e.org/a?b=1&c=(2)", "http://e.org", "HTTPS://E.ORG/X", "https://e.org/<x>|y", "https://e.org/a b"),
    *("javascript:alert(1)", "", " ", "http://", "https://", "https://?", "ftp://e.org", "mailto:a@e.org"),
    *("https://e.org/\x00", "https://e.org/\ud800", "https://例え.jp/パス", "https://[::1]:8080/x", "https://e.org/>"),
    *("https://e.org/" + "a" * 4000, "//e.org", "https://user:pw@e.org/", "https://e.org/#<!channel>"),
]


def hostile_text(max_pieces: int = 8) -> st.SearchStrategy[str]:
    """Any text a reply might hold, mostly short, sometimes empty or huge."""
    piece = st.sampled_from(HOSTILE_PIECES) | st.text(max_size=6) | st.integers(0xD800, 0xDFFF).map(chr)
    return st.one_of(
        st.lists(piece, max_size=max_pieces).map("".join),
        st.just(""),
        st.sampled_from(HUGE_TEXTS),
    )


def hostile_replies() -> st.SearchStrategy[Reply]:
    text = hostile_text()
    urls = st.sampled_from(ODD_URLS) | st.tuples(st.sampled_from(ODD_URLS), text).map("".join)
    return replies(
        text,
        urls,
        max_sections=10,
        max_fields=25,
        max_items=80,
        max_actions=40,
        max_links=12,
        max_suggestions=10,
    )
