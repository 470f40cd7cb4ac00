"""Questions in members' words mapped to the command that answers them, rule by rule.

Each rule looks for the words of one kind of question ("release", "go live", "agenda", "late") and
builds the command line from the entities the question names (``entities``). The first rule that
fits answers; its name says why, so that a surprising route can be explained. A question that names
a modification is not seen here: ``understand`` sends it to that modification's card first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from secbot.commands.registry import REGISTRY
from secbot.commands.understanding import entities

Rule = Callable[[str, str], "str | None"]  # (the words with slips put right, the words as typed)


@dataclass(frozen=True)
class Intent:
    name: str  # the rule's, for explaining
    line: str  # the command line it stands for, e.g. "release June 2022"


def _has(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_PHASE_NAMED = _has(r"\b(?:phase|stage)\b|\bawaiting\s+(?:an?\s+|the\s+)?(?:authority|ofgem)\s+decision\b")
_WHOAMI = _has(
    r"^\s*who\s*am\s*i\b|\bmy\s+(?:role|rights|permissions|access)\b"
    r"|\bam\s+i\s+(?:[\w-]+\s+){0,3}?(?:an?\s+)?(?:admin|administrator|reader|allowed|authori[sz]ed|secas)\b"
    r"|\bwho\s+(?:does|do)\s+(?:the\s+bot|you|secbot|it)\s+think\s+i\s+am\b"
)
_HELP_WITH = _has(
    r"^(?:how\s+do\s+i\s+use|help\s+(?:with|on|for)|what\s+does|explain|usage\s+of)\s+(?:the\s+)?"
    r"(?P<word>[a-z][a-z ]*?)(?:\s+command)?(?:\s+do)?$"
)
_HELP = _has(
    r"^(?:help|commands|usage|hi|hello|hey|thanks|thank\s+you)\b"
    r"|\bwhat\s+(?:can|does|do)\s+(?:you|i|it|secbot|(?:this|the)\s+(?:bot|thing))\s+(?:\w+\s+)?(?:do|ask|answer)\b"
    r"|\bwhat\s+(?:sort|sorts|kind|kinds|type|types)\s+of\s+(?:things|questions|stuff)\s+can\s+(?:i|you|we)\b"
    r"|\bhow\s+do\s+i\s+use\b|\bwhat\s+commands\b"
)
_CHANGES = _has(
    r"\b(?:what(?:'s|s|\s+has|\s+have)?\s+(?:changed|moved)|what(?:'s|s|\s+is)\s+new|changes|anything\s+new)\b"
    r"|\bwhat(?:'s|s|\s+is)\s+different\b|\bdifferences?\b.*\b(?:report|since|between)\b"
    r"|\bupdates?\b.*\bsince\b"
    r"|\b(?:anything|everything|something|much|what)\s+(?:that(?:'s|s|\s+has|\s+have)?\s+|has\s+|have\s+)?(?:\w+\s+)?"
    r"change[ds]?\b(?!\s*(?:board|sub))"
)
_SINCE_REPORT = _has(r"\b(?:last|latest|previous)\s+report\b")
_A_REPORT = _has(r"\b(?:update|report|paper|csr)\b")
_SINCE = _has(r"\bsince\s+(?P<when>.+)$")
_CONSULTATION = _has(r"\bconsult(?:ation)?s?\b|\bconsulting\b|\bresponses?\s+due\b")
_CLOSING_SOON = _has(
    r"^(?:(?:is|are)\s+(?:there\s+)?)?(?:any(?:thing)?\s+|what(?:'s|s|\s+is)?\s+)?clos(?:ing|es)\s+(?:soon|this\s+week|next\s+week"
    r"|(?:in\s+)?the\s+next\s+(?:few|couple\s+of|\d+)\s+(?:working\s+)?days)\b"
)
_CLOSING = _has(r"\bclos(?:e|es|ing)\b|\bdeadlines?\b|\bdue\b(?!\s+to\s+(?!close|end)|\s+out\b)|\bending\b")
_UPCOMING = _has(
    r"\b(?:upcoming|expected|future|coming|planned|next|soon)\b"
    r"|\b(?:kick(?:s|ing)?\s+off|start(?:s|ing)?|begin(?:s|ning)?|launch(?:es|ing)?|go(?:es|ing)?\s+out|be\s+issued"
    r"|due\s+out)\b"
)
_OPEN = _has(r"\b(?:open|current|live|now|running)\b|\bout\s+for\b")
_AS_WELL = _has(r"\b(?:incl(?:uding|\.)?|plus|as\s+well\s+as|and\s+also|along\s+with)\b")
_EVERY = _has(r"\b(?:all|every|full|complete|whole)\b")
_DCC = _has(r"\b(?:dcc|assessments?|ias?|pas?|impact\s+assessments?|preliminary\s+assessments?)\b")
_INCLUDING_OLD = _has(
    r"\b(?:incl(?:ude|uding|\.)?|with|plus)\s+(?:the\s+)?(?:old|stale|older|out[\s-]of[\s-]date|historic(?:al)?|archived)"
    r"(?:\s+ones|\s+stuff)?\b"
    r"|\beven\s+(?:the\s+)?old\s+ones\b|\bever\b"
    r"|\b(?:old|stale|older|out[\s-]of[\s-]date|historic(?:al)?|archived)\s+(?:\d{4}\s+)?(?:ones|stuff|mods)\s+(?:included|too|as\s+well)\b"
    r"|\bnot\s+just\s+(?:the\s+)?(?:recent|current|new|live)(?:\s+ones)?\b|\bcounting\s+everything\b|\bgone\s+quiet\b"
    r"|\b(?:don'?t|do\s+not)\s+(?:leave\s+out|exclude|skip|ignore|drop)\s+(?:the\s+)?(?:old|older|stale|historic(?:al)?)\b"
    r"|\b(?:incl(?:ude|uding|\.)?|with|plus)\s+(?:the\s+)?(?:(?:19|20)\d\d|earlier|older)\s+(?:ones|stuff|mods)\b"
    r"|\b(?:incl(?:ude|uding)?|with|plus)\s+(?:the\s+)?(?:ones|those|mods)\s+(?:that\s+)?"
    r"(?:(?:nobody|no\s+one|no\s+report)(?:'s|\s+has)?|(?:have|has)?\s*(?:not|n'?t)\s+been)\s+"
    r"(?:\w+\s+)?(?:reported|updated|restated|mentioned)\b"
)
_LATE = _has(
    r"\b(?:late|overdue|over\s+(?:the\s+|their\s+|its\s+)?targets?|behind|past\s+(?:the\s+|their\s+|its\s+)?targets?"
    r"|delayed|slow|blown\s+(?:through|past)|exceeded|gone\s+over|overr[au]n|breached)\b"
)
_AVERAGE = _has(r"\b(?:average|avg|mean|typical|how\s+long)\b")
_COMPLETED = _has(
    r"\b(?:completed?|returned|done|finished|closed|delivered|came\s+back|come\s+back|back)\b"
    r"|\b(?:last|past)\s+(?:12\s+months|twelve\s+months|year)\b|\bhow\s+(?:did|has|have)\s+(?:the\s+)?dcc\s+(?:do|done|perform)"
)
_DECISION = _has(
    r"\b(?:decisions?|decided|decide|votes?|voted|determinations?|determined|rul(?:e|ed|ing)\s+on|rulings?)\b"
    r"|\b(?:change\s*board|cb|authority|ofgem|beis|panel)\b.*\b(?:approve[ds]?|reject(?:ed|s)?|agree[ds]?)\b"
    r"|\b(?:approve[ds]?|reject(?:ed|s)?)\b.*\b(?:last|this)\s+month\b"
    r"|\b(?:authority|ofgem|beis)\s+(?:\w+\s+)?(?:come|came|got|get|gotten)\s+back\s+(?:on|about|to\s+us\s+on)\b"
)
_RELEASE = _has(
    r"\breleases?\b|\bgo(?:es|ing)?\s+(?:live|out)\b|\bgo-live\b|\bimplemented\s+(?:in|on)\b|\bscheduled\s+for\b"
    r"|\bdelivered\s+in\b|\bin\s+scope\b"
)
# A meeting's business: what is on it, what came up at it, what it said.
_BUSINESS = (
    r"agenda|meetings?|meets?|sitting|session|papers|discussed|discuss|considered|consider|items|going\s+up"
    r"|prep(?:ping|aring)?\s+for|c[oa]me\s+up|coming\s+up|say|said|make\s+of"
)
_AGENDA = _has(rf"\b(?:{_BUSINESS}|met|next|last|previous|upcoming|when)\b")
_NEXT = _has(r"\b(?:next|nxt|upcoming|coming|soon)\b")
_LAST = _has(r"\b(?:last|previous|latest|recent|most\s+recent|earlier\s+this\s+month)\b")
# A meeting asked about in the past tense ("what got discussed at the working group") is the last one.
_PAST_TENSE = _has(r"\b(?:was|were|did|got|discussed|considered|happened|met|went)\b")
_MEETING = _has(
    rf"\b(?:{_BUSINESS}|look(?:ed)?\s+at|went\s+to|go(?:es|ing)?\s+(?:up\s+)?to|on|dates|doing|up\s+to)\b|\bwhen\b"
)
_RAISED = _has(rf"\b{entities.RAISE}\b|'s\s+mods?\b")
_ON_A_DAY = _has(r"^(?:what(?:'s|s|\s+is)\s+)?(?:on|happening\s+on|scheduled\s+(?:for|on))\s+(?:the\s+)?\d")
_MODS_BY = _has(r"^(?:mods?|modifications?|proposals?|anything)\s+(?:by|from)\s+\S")
_APPROVED_IN_A_MONTH = _has(r"\b(?:approved?|rejected?|agreed)\b")
_STATS = _has(
    r"\bhow\s+many\b|\bstatistics\b|\bstats\b|\bcounts?\b|\bhead\s*counts?\b|\btally\b|\bnumbers?\s+(?:of|by|per|in)\b|\bbreakdown\b|\boverview\b"
    r"|\b(?:per|by|in\s+each|each)\s+(?:phase|stage)\b|\bin\s+numbers\b|\bnumbers[\s-]?wise\b"
    r"|\bsummary\b|\b(?:overall|the|total)\s+(?:numbers|figures|totals?)\b|\btotals\b"
)
_LIST_WORDS = _has(
    r"\b(?:mods?|modifications?|proposals?|ones|those|which|whose|what|list|show|any|anything|everything|all|every)\b"
)
_SEARCH = _has(
    r"\b(?:about|regarding|concerning|related\s+to|relating\s+to|on\s+the\s+subject\s+of|mentioning|"
    r"to\s+do\s+with|deal(?:s|ing)?\s+with|search(?:\s+for)?|find|look(?:ing)?\s+(?:for|up)|out\s+there\s+(?:on|about|for)"
    r"|anything\s+(?:(?!about\b|regarding\b|concerning\b|on\b)[\w-]+\s+){0,3}?on|mods?\s+on"
    r"|touch(?:es|ing|ed)?|affect(?:s|ing|ed)?|involv(?:e|es|ing|ed)|cover(?:s|ing|ed)?|mention(?:s|ing|ed)?"
    r"|the\s+one\s+(?:on|about|for)"
    r"|(?:trying|proposing|wanting|seeking|looking)\s+to\s+(?:get\s+rid\s+of|remove|change|amend|fix|introduce|add|update))"
    r"\s+(?P<words>.+)$"
)
# Asking which modification is about something: "is there a mod about X", "what number is the X draft".
_WHICH_ONE = _has(
    r"^(?:(?:is|are)\s+there|(?:do|did)\s+(?:we|you|they)\s+have|(?:have|has)\s+(?:we|you|they|secas)\s+got"
    r"|(?:we|you)\s+(?:have|got))\s+"
    r"(?:anything\s+|(?:a|an|any)\s+(?:(?:mods?|modifications?|proposals?|changes?|drafts?|dps?|mps?|one|ones)\s+)?)"
    r"(?:(?:in\s+flight|in\s+progress|going|live|open|underway|currently)\s+)?"
    r"(?:about|on|for|regarding|concerning|covering|to\s+do\s+with|deal(?:s|ing)?\s+with"
    r"|that\s+(?:covers?|touch(?:es)?|mentions?|deals?\s+with))\s+"
    r"(?P<words>.+)$"
    # "is there a CH returns mod other than the bulk one"
    r"|^(?:is|are)\s+there\s+(?:a|an|any)\s+(?P<topic>[\w-]+(?:\s+[\w-]+){0,3}?)\s+(?:mods?|modifications?|proposals?)\b"
    r"|^what(?:'s|s|\s+is)?\s+(?:the\s+)?(?:number|ref(?:erence)?)\s+(?:of|for)\s+(?P<of>.+)$"
    r"|^(?:what|which)\s+(?:number|ref(?:erence)?|mod|one)\s+is\s+(?P<is>.+)$"
)
# Words that say a modification is meant, not what it is about: searched for, they would match nothing.
_NOT_A_SUBJECT = _has(
    r"\b(?:the|a|an|mods?|modifications?|proposals?|drafts?|dps?|mps?|one|again|number|ref(?:erence)?|called)\b"
)
_TOPIC_MODS = _has(
    r"^(?:any\s+|the\s+)?(?P<words>[\w-]+(?:\s+[\w-]+){0,3}?)(?:[\s-]+related)?\s+(?:mods?|modifications?|proposals?)$"
    r"|^(?:any\s+|the\s+)?(?P<related>[\w-]+(?:\s+[\w-]+){0,3}?)[\s-]+related\s+changes$"
)
_VAGUE_TAIL = _has(r"(?:\s+(?:stuff|things|bits|items|etc|and\s+so\s+on))+$")  # "firmware stuff"
# a second sentence, a clause after a dash, or words trailing off after an ellipsis
_SENTENCE_END = re.compile(r"(?:\.{2,}|…|[?!.;])(?:\s.*)?$|\s+[-–—]\s.*$")
_SEARCH_LEAD = _has(
    r"^(?:(?:mods?|modifications?|anything|something|proposals?|about|on|for|regarding|concerning|that|which|the|ones?"
    r"|register|system"
    r"|mention(?:s|ing)?|cover(?:s|ing)?|touch(?:es|ing)?|involv(?:e|es|ing))\s+)+"
)


def _changes(text: str, _typed: str) -> str | None:
    if not _CHANGES.search(text) or _TOPIC_MODS.search(text):  # "any firmware related changes": a search
        return None
    if _RELEASE.search(text) and (entities.month(text) or _NEXT.search(text)):  # "changes landing in the Nov release"
        return None
    if _SINCE_REPORT.search(text):
        return "changes last report"
    since = _SINCE.search(text)
    if since:
        said = since.group(0)  # "since the may update": the month is said after "since"
        month = entities.month(said)
        if month and _A_REPORT.search(said):
            return f"changes since the {month} report"
        return f"changes since {entities.day(said) or month or since['when'].strip()}"
    if entities.month(text) == "last month":
        return "changes last month"
    return "changes"


def _consultations(text: str, _typed: str) -> str | None:
    if _CLOSING_SOON.search(text):
        return "consultations closing"
    if not _CONSULTATION.search(text):
        return None
    if _CLOSING.search(text):
        return "consultations closing"
    asked = re.split(r",?\s+or\s+", text, maxsplit=1)[0]  # "actually open right now, or are they all just expected?"
    if asked != text and _OPEN.search(asked) and not _UPCOMING.search(asked):
        return "consultations open"
    if _UPCOMING.search(text) and _AS_WELL.search(text):  # "all consultations incl the expected ones"
        return "consultations all"
    if _UPCOMING.search(text):
        return "consultations upcoming"
    if _EVERY.search(text):
        return "consultations all"
    if _OPEN.search(text):
        return "consultations open"
    return "consultations"


def _raised_by(text: str, typed: str) -> str | None:
    if not _RAISED.search(text) and (_STATS.search(text) or not re.search(r"\b(?:by|from)\b", text, re.I)):
        return None
    named = entities.who(typed) or entities.who(text)  # a name as typed; "propsed by" once put right
    return f"raised by {named}" if named else None


def _dcc(text: str, _typed: str) -> str | None:
    if not _DCC.search(text):
        return None
    kind = entities.assessment_kind(text)
    if _LATE.search(text):
        return f"dcc late {kind}" if kind else "dcc late"
    if _COMPLETED.search(text) or (_AVERAGE.search(text) and not _OPEN.search(text)):
        return f"dcc completed {kind}" if kind else "dcc completed"
    if kind:
        return f"dcc open {kind}"
    return (
        "dcc open"
        if _OPEN.search(text)
        or re.search(r"\b(?:outstanding|pending|in\s+progress|with\s+(?:the\s+)?dcc)\b", text, re.I)
        else "dcc"
    )


def _meetings(text: str, _typed: str) -> str | None:
    kind = entities.meeting_kind(text)
    # "how many are at the change board stage": a phase; "numbers by stage, for the january panel pack": stats
    if kind is None or entities.in_a_phase(text) or _BY_STAGE.search(text):
        return None
    # "anything still waiting on initial consideration at panel", "decisions referred to the panel": a phase
    # or a status named, with no word of a meeting's business, asks which modifications are in it
    if (entities.phase(text) or entities.status(text)) and not _AGENDA.search(text):
        return None
    day, month = entities.day(text), entities.month(text)
    if not (_MEETING.search(text) or _NEXT.search(text) or _LAST.search(text) or day or month):
        return None
    if day:
        return f"{kind} {day}"
    if month and month not in ("this month", "next month", "last month"):
        return f"{kind} {month}"
    if _LAST.search(text) or (_PAST_TENSE.search(text) and not _NEXT.search(text)):
        return f"{kind} last"
    return f"{kind} next" if kind != "wg" else "wg"


_A_MEETING_ASKED = _has(
    r"\bwhen\s+(?:was|is|were)\s+(?:the\s+)?(?:last|next|previous|latest|most\s+recent)\s+"
    r"(?:cb|change\s*board|panel|wg|working\s+group|csc|change\s+sub[\s-]*committee|meeting)\b"
)
_UNDECIDED = frozenset({"Referred", "Withdrawn", "Awaiting Authority Decision"})


def _decisions(text: str, _typed: str) -> str | None:
    in_a_month = _APPROVED_IN_A_MONTH.search(text) and entities.month(text)
    if not (_DECISION.search(text) or in_a_month) or _PHASE_NAMED.search(text):
        return None
    if entities.status(text) in _UNDECIDED:  # "which decisions were referred to the panel": a status
        return None
    if _A_MEETING_ASKED.search(text) and not entities.month(text):  # "when was the last CB and what did it vote on"
        return None
    if entities.meeting_kind(text) in ("csc", "panel"):  # their decisions are their meetings' business
        return None
    month = entities.month(text)
    return f"decisions {month}" if month else "decisions"


def _release(text: str, _typed: str) -> str | None:
    if not _RELEASE.search(text):
        return None
    month = entities.month(text) or entities.month_of_day(text)
    if not month and not _NEXT.search(text) and re.search(r"\bin\s+(?:the\s+)?implementation\b", text, re.I):
        return None  # "everything in implementation, i.e. waiting on a release": the phase
    if month and month.lower() in entities.MONTH_WORDS and _PAST_TENSE.search(text) and not _NEXT.search(text):
        return f"release latest {month}"  # "which mod went in the july release": the one gone by
    if month and month not in ("this month", "last month", "next month"):
        return f"release {month}"
    if re.search(r"\bafter\s+(?:the\s+)?next\b", text, re.IGNORECASE):
        return "release after next"
    if _NEXT.search(text) or month == "next month":
        return "release next"
    return "release"


def _phase_or_status(text: str, _typed: str) -> str | None:
    # "how many are with the authority, and what stage is everything else at", "a headcount by stage"
    if _THE_REST.search(text) or _BY_STAGE.search(text):
        return None
    everything = " all" if _INCLUDING_OLD.search(text) else ""
    asked = _SENTENCE_END.sub("", text)  # "which are now closed – implemented or rejected": the phase asked
    if asked != text and (named := entities.phase_named(asked)):
        return f"phase {named}{everything}"
    status = entities.status(text)
    if status and status.lower() in ("approved", "rejected") and entities.month(text):
        return None  # "approved in April 2017": a decision, not a status
    named = entities.phase_named(text)  # "still in Define", "in the report phase": said outright
    if named:
        return f"phase {named}{everything}"
    if status and _LIST_WORDS.search(text) and " " in status:  # the register's own words, in full
        return f"list {status}{everything}"
    phase = entities.phase(text)
    if phase:
        return f"phase {phase}{everything}"
    if status and _LIST_WORDS.search(text):
        return f"list {status}{everything}"
    return None


_BY_STAGE = _has(r"\b(?:per|by|in\s+each|each)\s+(?:phase|stage)\b")
_THE_REST = _has(r"\b(?:everything|everyone|all)\s+else\b|\bthe\s+rest\b")


def mentions_a_release(text: str) -> bool:
    """Whether ``text`` speaks of a release ("release", "go live", "in scope")."""
    return bool(_RELEASE.search(text))


def names_a_release(text: str) -> bool:
    """Whether ``text`` asks about the release of a month ("what's in scope for June 2018")."""
    return mentions_a_release(text) and bool(entities.month(text) or entities.month_of_day(text))


def includes_old(text: str) -> bool:
    """Whether ``text`` asks for the modifications no report has restated for a while too."""
    return bool(_INCLUDING_OLD.search(text))


def _stats(text: str, _typed: str) -> str | None:
    if not _STATS.search(text):
        return None
    return "stats all" if _EVERY.search(text) or _INCLUDING_OLD.search(text) else "stats"


def _search(text: str, typed: str) -> str | None:
    found = _SEARCH.search(text) or _TOPIC_MODS.search(text)  # "serach for …" once put right
    if not found:
        return None
    group = "words" if found["words"] else "related"
    # the words searched for as typed: slips are put right word for word, so they stand at the same place
    first, count = len(text[: found.start(group)].split()), len(found[group].split())
    same_words = len(typed.split()) == len(text.split())
    words = " ".join(typed.split()[first : first + count]) if same_words else found[group]
    words = _VAGUE_TAIL.sub("", _SEARCH_LEAD.sub("", _SENTENCE_END.sub("", words).strip()))
    return f"search {words}" if words else None


def _which_one(_text: str, typed: str) -> str | None:
    found = _WHICH_ONE.search(typed)
    if not found:
        return None
    about = _SENTENCE_END.sub("", found["words"] or found["of"] or found["is"] or found["topic"])
    words = " ".join(_NOT_A_SUBJECT.sub(" ", about).split())
    return f"search {words}" if words else None


_QUOTED = re.compile(r'"(?P<words>[^"]*\w[^"]*)"')
_ABOUT_MODS = _has(
    r"\b(?:mods?|modifications?|proposals?|find|search|look(?:ing)?\s+(?:for|up)|batch|one|ones|anything"
    r"|called|named|titled)\b"
)


def _quoted(_text: str, typed: str) -> str | None:
    """'the "issue resolution proposals" batch mods': the words a member quotes are the ones to look for."""
    found = _QUOTED.search(typed)
    outside = _QUOTED.sub(" ", typed)
    return f"search {' '.join(found['words'].split())}" if found and _ABOUT_MODS.search(outside) else None


def _simple(pattern: re.Pattern[str], line: str) -> Rule:
    return lambda text, _typed: line if pattern.search(text) else None


# In order: the more specific kind of question first ("decisions of the Change Board" before "the
# Change Board's next meeting"; "late assessments" before a phase named in passing).
def help_with(text: str, _typed: str = "") -> str | None:
    """ "how do I use the dcc command", "help with the release command": ``help`` of that command."""
    found = _HELP_WITH.search(text)
    if not found:
        return None
    command = REGISTRY.match(found["word"])
    return f"help {command[0].name}" if command else None


RULES: tuple[tuple[str, Rule], ...] = (
    ("help with a command", help_with),
    ("who am I", _simple(_WHOAMI, "whoami")),
    ("which modification is about something", _which_one),
    ("what changed", _changes),
    ("consultations", _consultations),
    (
        "raised by",
        lambda text, typed: _raised_by(text, typed) if _RAISED.search(text) or _MODS_BY.search(text) else None,
    ),
    ("DCC assessments", _dcc),
    ("a SEC Release", _release),
    ("decisions and votes", _decisions),
    ("a meeting and its agenda", _meetings),
    ("a phase or status", _phase_or_status),
    ("how many", _stats),
    ("raised by", _raised_by),
    ("words quoted", _quoted),
    ("words to search for", _search),
    ("help", _simple(_HELP, "help")),
    ("a meeting named", lambda text, _typed: f"{kind} next" if (kind := entities.meeting_kind(text)) else None),
    (
        "what is on a day",
        lambda text, _typed: f"wg {day}" if _ON_A_DAY.search(text) and (day := entities.day(text)) else None,
    ),
)

# The words the rules look for, for putting slips right before they look (``typos.correct_words``).
KEYWORDS = frozenset(
    {
        "agenda",
        "proposed",
        "forward",
        "submitted",
        "waiting",
        "numbers",
        "assessment",
        "assessments",
        "approved",
        "authority",
        "average",
        "awaiting",
        "board",
        "change",
        "changed",
        "changes",
        "closing",
        "committee",
        "completed",
        "consultation",
        "consultations",
        "decided",
        "decision",
        "decisions",
        "define",
        "development",
        "discussed",
        "draft",
        "group",
        "history",
        "impact",
        "implemented",
        "implementation",
        "initial",
        "late",
        "meeting",
        "meetings",
        "modification",
        "modifications",
        "next",
        "open",
        "overdue",
        "panel",
        "phase",
        "preliminary",
        "proposals",
        "raised",
        "recently",
        "refine",
        "refinement",
        "rejected",
        "release",
        "releases",
        "report",
        "returned",
        "scheduled",
        "search",
        "since",
        "status",
        "stats",
        "timeline",
        "upcoming",
        "vote",
        "votes",
        "withdrawn",
        "working",
        "when",
        "what",
        "which",
        "where",
        "last",
        "list",
        "mods",
        "show",
        "stage",
        "target",
    }
)


def intent(text: str, typed: str | None = None) -> Intent | None:
    """The first rule that fits ``text`` (normalised, without filler, slips put right; ``typed``: as
    typed, which names and search words are taken from), and the command line it builds."""
    for name, rule in RULES:
        line = rule(text, typed or text)
        if line:
            return Intent(name, line)
    return None
