"""The one understander: what a member typed, read as the command that answers it.

Every door's text goes through ``understand`` (via ``dispatch.route``). In order:

1. ``text.normalise``: the bot's name, typography and a closing question mark go.
2. A follow-up ("more", "and its timeline?", "what about MP162?") is left to whoever knows what was
   asked before in that place (``followups``; the App remembers it).
3. A command word as typed ("wg last", "record vote …") is that command, with its words as typed but
   for a leading "of", "for", "in" … of a question ("release in November"); a change command's words
   are never touched.
4. The words around a question go (``text.without_filler``: "what's the status of", "tell me about").
5. A modification named alone or in a question is its card, or its timeline when that is asked.
6. ``intents``: rules for each kind of question, from the words and entities it holds.
7. ``typos``: a command word typed with a slip ("statsu", "serach") is that command when only one
   fits; when several do, they come back as ``suggestions`` to offer.

All of it is deterministic, reads no database and takes well under a millisecond
(``bench/understanding.py``); ``why`` names the step that decided, for explaining a route.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from secbot.commands.common import split_page
from secbot.commands.followups import is_follow_up
from secbot.commands.registry import REGISTRY, Command
from secbot.commands.understanding import entities, intents, typos
from secbot.commands.understanding.text import normalise, without_filler, without_trailing_filler
from secbot.references import find_references, parse_reference

__all__ = ["FOLLOW_UP", "Understood", "normalise", "understand"]

FOLLOW_UP = "a follow-up"  # ``why``: the question before it in the same place says what it asks

_TIMELINE = re.compile(
    r"\b(?:timeline|history|events?|chronology|key\s+dates|dates|dated|milestones\s+so\s+far|date\s+by\s+date"
    r"|every\s+date"
    r"|walk\s+me\s+through)\b"
    # "whatever happened to …" asks how it ended: its card
    r"|(?<!whatever\s)\bhappen(?:ed)?\b(?!\s+(?:to|with)\b.*\b(?:in\s+the\s+end|eventually|since|ultimately|finally)\b)",
    re.IGNORECASE,
)
# A modification asked about beside a meeting's name ("CB knocked back mod 21 in April - what's happened to it
# since?"): the question is about the modification.
_MEETING_COMMANDS = frozenset({"wg", "panel", "cb", "csc"})
_SENTENCE_BREAK = re.compile(r"(?<=[?!])\s+(?=\S)|(?<=[a-z0-9]\.)\s+(?=[A-Z])")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|morning|good\s+\w+|afternoon|evening|thanks|cheers|ok|okay|sorry|quick\s+one)\b[\w\s,'!.]{0,30}$",
    re.IGNORECASE,
)
# The rest of a message that tells rather than asks ("… what's on the agenda? i heard the CB rules mod is up"):
# the first sentence is still the question.
_TELLING = re.compile(
    r"^(?:i\s+(?:heard|hear|think|thought|believe|reckon|know|remember|saw|noticed|gather|understand)"
    r"|(?:think|reckon)\s+(?:one|some|it|they|there|the|that|this|a|an)\b"
    r"|apparently|pretty\s+sure|(?:there|theres|there's)\s+(?:was|is|were)|we\s+(?:heard|think|thought|were)"
    r"|they\s+(?:said|say|told)"
    r"|(?:someone|somebody|people|a\s+colleague|my\s+\w+)\s+(?:mentioned|said|told|says|thinks|reckons|asked))\b[^?]*$",
    re.IGNORECASE,
)
_TAKE_ALL = frozenset({"phase", "list", "stats", "consultations"})  # "… all": old ones too
# Words a command's own arguments never hold: "wg meetings in October 2017" is a question to read.
_QUESTION_WORDS = re.compile(
    r"\b(?:meetings?|agenda|scheduled|schedule|going|goes|live|happening|due|mods|modifications|proposals|what|which"
    r"|when|show|were|was|are|is|ones|incl|including|assessments?|dates|soon|durations?|contents|this|year|mod"
    r"|every|everything|anything|both|list|been|months?|weeks?|turnaround|status)\b",
    re.IGNORECASE,
)
# "release in November", "wg on 2 June", "search for firmware"; not "with", which starts statuses
# ("With the Authority since May").
_LEADING_PREPOSITION = re.compile(r"^(?:of|for|on|in|about)\s+", re.IGNORECASE)
_NEEDS_REFERENCE = ("status", "timeline")
_OF_A_QUESTION = re.compile(r"of\s+(?:what|which|who|how|where|when|changes|updates|anything)\b", re.I)


@functools.cache
def _known(commands: int) -> frozenset[str]:
    """The words a slip may be put right to: the rules' keywords, months, and every command word (of
    the ``commands`` registered: the digest layer registers its own after this module is imported)."""
    words = {word for command in REGISTRY for word in (command.name, *command.aliases)}
    return intents.KEYWORDS | entities.MONTH_WORDS | frozenset(words)


def _put_right(text: str) -> str:
    return typos.correct_words(text, _known(len(REGISTRY.commands)))


@dataclass(frozen=True)
class Understood:
    name: str  # the command's; "" when nothing fits
    args: str
    why: str  # the step that decided
    suggestions: tuple[str, ...] = ()  # command lines a slip could have meant, closest first

    @property
    def line(self) -> str:
        return f"{self.name} {self.args}".strip()


def understand(text: str) -> Understood:
    """The command ``text`` asks for, and its arguments."""
    typed = normalise(text)
    if not typed:
        return Understood("help", "", "nothing was asked")
    first, rest = _first_sentence(typed)
    # "is anything open for consultation? don't want to miss a deadline": the question is the first sentence,
    # unless that is a greeting or the rest asks something itself ("what's approved? just the … phase lot")
    if rest and not _GREETING.match(first) and (_TELLING.match(rest) or not understand(rest).name):
        asked = understand(first)
        if asked.name and asked.why != FOLLOW_UP:
            if asked.name in _TAKE_ALL and intents.includes_old(rest) and "all" not in asked.args.split():
                return Understood(asked.name, f"{asked.args} all".strip(), asked.why)
            return asked
    found = REGISTRY.match(typed)
    if found:
        return _by_command_word(typed, *found)
    if is_follow_up(typed):
        return Understood("", typed, FOLLOW_UP)
    plain = without_filler(typed)
    if plain and plain != typed and is_follow_up(plain):  # "please, more"
        return Understood("", plain, FOLLOW_UP)
    if plain != typed and (found := REGISTRY.match(plain)):
        return _by_command_word(plain, *found)
    words, page = split_page(plain)
    right = _put_right(words)
    about = _about_a_modification(right)
    if about:
        return about
    fitting = intents.intent(right, words)
    if fitting:
        return _from_line(_paged(fitting.line, page), f"a question about {fitting.name}")
    if right != words and (found := REGISTRY.match(right)):
        return _by_command_word(right, *found)
    return _slip(plain) or Understood("", typed, "not understood")


def _first_sentence(typed: str) -> tuple[str, str]:
    """(the first sentence, the rest) of a message of several; (the message, "") of one."""
    found = _SENTENCE_BREAK.search(typed)
    return (typed[: found.start()].strip(), typed[found.end() :].strip()) if found else (typed, "")


def _by_command_word(typed: str, command: Command, args: str) -> Understood:
    if not command.cached:  # a change: its words are the admin's, exactly
        return Understood(command.name, args, "the command word")
    if command.name in _NEEDS_REFERENCE:
        references = find_references(args)
        if references and parse_reference(args) is None:  # "status of MP161": the reference alone
            return Understood(command.name, references[0].text, "the command word")
    elif command.name in _MEETING_COMMANDS and _QUESTION_WORDS.search(args) and (about := _about_a_modification(args)):
        return about
    elif _QUESTION_WORDS.search(_put_right(args)):  # "wg meetings in October 2017", "IA late list"
        words, page = split_page(typed)
        fitting = intents.intent(_put_right(words), words)
        # "list all consultations incl the expected ones": "list" is also a plain verb
        if fitting and (command.name == "list" or fitting.line.split(" ", 1)[0] == command.name.split(" ", 1)[0]):
            return _from_line(_paged(fitting.line, page), "the command word and a question")
    if command.name == "help" and args.lower() in ("me", "please", "pls", "us"):  # "help me"
        return Understood("help", "", "the command word")
    if command.name == "help" and (line := intents.help_with(without_filler(typed))):  # "help with the X command"
        return _from_line(line, "the command word and a question")
    if command.name == "list" and args.lower().startswith("of "):  # "list of impact assessments …": a question
        return understand(args[3:])
    if _OF_A_QUESTION.match(args):  # "summary of what moved since …": the question names the command
        asked = understand(args[3:])
        if asked.name:
            return asked
    return Understood(command.name, without_trailing_filler(_LEADING_PREPOSITION.sub("", args)), "the command word")


def _about_a_modification(text: str) -> Understood | None:
    if parse_reference(text) is not None or text.lower().startswith(("http://", "https://")):
        return Understood("status", text, "a reference")
    references = find_references(text)
    if references:
        named, why = references[0].text, "a reference"
    elif (number := entities.bare_number(text)) and not intents.names_a_release(text):  # "is 18 in June 2018's?"
        named, why = number, "a modification's number"
    else:
        return None
    lead_in, colon, asked = text.partition(": ")
    if colon and not find_references(lead_in):  # "for the history bit of my slides: where was SECMP 7 then?"
        text = asked
    timeline = {word.lower() for word in _TIMELINE.findall(text)}
    # "the dates of the releases it was split across": the card, which says what goes in each release
    if timeline and not (timeline == {"dates"} and intents.mentions_a_release(text)):
        return Understood("timeline", named, f"{why} and the word timeline")
    return Understood("status", named, f"{why} in a question")


def _slip(text: str) -> Understood | None:
    """A command word typed with a slip: the command when one fits, else the ones that might."""
    first, _, rest = text.partition(" ")
    words = [word for command in REGISTRY for word in (command.name, *command.aliases) if " " not in word]
    candidates = [word for word, _edits in typos.closest(first, words)]
    if not find_references(rest):  # "statsu": not "status", which needs a reference
        candidates = [word for word in candidates if REGISTRY.find(word).name not in _NEEDS_REFERENCE]
    if not candidates:
        return None
    commands = list(dict.fromkeys(REGISTRY.find(word).name for word in candidates))
    if len(commands) == 1 or typos.corrected(first, candidates) is not None:
        corrected = understand(f"{REGISTRY.find(candidates[0]).name} {rest}".strip())
        return Understood(corrected.name, corrected.args, f"“{first}” read as “{candidates[0]}”")
    return Understood("", text, "a slip that could be several commands", tuple(f"{c} {rest}".strip() for c in commands))


def _paged(line: str, page: int) -> str:
    return f"{line} page {page}" if page > 1 else line


def _from_line(line: str, why: str) -> Understood:
    name, args = _split(line)
    return Understood(name, args, why)


def _split(line: str) -> tuple[str, str]:
    found = REGISTRY.match(line)
    assert found is not None, line  # the rules build lines of registered commands
    return found[0].name, found[1]
