"""Follow-ups: a question that only makes sense after the one before it in the same place.

``is_follow_up`` tells them from other questions by their words alone (so that they are never
answered from the answer cache: the same words mean different things in different places);
``line_for`` turns one into the command line it stands for, given what was last asked there
(``secbot.store.memory``):

- "more", "next page": the last list's next page;
- "and its timeline?", "history?": the timeline of the modification last asked about;
- "who raised it?", "what's its status", "where is it now": its card;
- "what about MP162?", "and DP163?": the last question, about that modification instead (its card
  when the last question was not about one).
"""

from __future__ import annotations

import re

from secbot.commands.common import split_page
from secbot.references import find_references

_MORE = re.compile(
    r"^(?:and\s+)?(?:more|next(?:\s+page)?|show\s+more|more\s+please|keep\s+going|continue|the\s+rest)$", re.I
)
_ITS_TIMELINE = re.compile(
    r"^(?:and\s+)?(?:what\s+about\s+)?(?:its|the|it's)\s+(?:timeline|history|events)$|^(?:and\s+)?(?:timeline|history)$",
    re.I,
)
_ABOUT_IT = re.compile(
    r"^(?:and\s+)?(?:who\s+(?:raised|proposed|submitted|owns)\s+(?:it|that|this)"
    r"|(?:what(?:'s|s|\s+is)\s+)?(?:its|it's)\s+(?:status|phase|card|next\s+milestone)"
    r"|where\s+is\s+(?:it|that)(?:\s+(?:now|up\s+to))?|when\s+is\s+it\s+due)$",
    re.I,
)
_WHAT_ABOUT = re.compile(
    r"^(?:and|what\s+about|how\s+about|and\s+what\s+about|same\s+for|and\s+for)\s+(?P<rest>.+)$", re.I
)
_ABOUT_ONE = ("status", "timeline")


def is_follow_up(text: str) -> bool:
    """Whether ``text`` (normalised) only makes sense after the question before it."""
    if _MORE.match(text) or _ITS_TIMELINE.match(text) or _ABOUT_IT.match(text):
        return True
    found = _WHAT_ABOUT.match(text)
    return bool(found and len(find_references(found["rest"])) == 1)


def line_for(text: str, last_line: str | None, last_reference: str | None) -> str | None:
    """The command line the follow-up ``text`` stands for, or None when what it follows is unknown."""
    if _MORE.match(text):
        if not last_line:
            return None
        words, page = split_page(last_line)
        return f"{words} page {page + 1}"
    if _ITS_TIMELINE.match(text):
        return f"timeline {last_reference}" if last_reference else None
    if _ABOUT_IT.match(text):
        return f"status {last_reference}" if last_reference else None
    found = _WHAT_ABOUT.match(text)
    if found:
        reference = find_references(found["rest"])[0].text
        name = (last_line or "").split(" ", 1)[0]
        return f"{name if name in _ABOUT_ONE else 'status'} {reference}"
    return None
