"""What a member typed, made plain before anything reads it.

``normalise`` keeps the words as typed but drops what no command needs: the ``/sec`` or ``@secbot``
prefix, no-break spaces, zero-width characters, typographic dashes and quotes (``MP–138`` is ``MP-138``),
runs of spaces and a closing question mark. ``without_filler`` also drops the words people put around a question
("what's", "the status of", "tell me about", "please", "can you show me") so that what is left starts
with what they ask about.
"""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^\s*(?:/sec\b|@?secbot\b[:,]?|sec\s+(?=\S))\s*", re.IGNORECASE)
_TYPOGRAPHY = str.maketrans(
    {
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u200b": None,  # zero-width characters: invisible, so never meant
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_CLOSING = re.compile(r"[\s?!.]+$")

# Longest first within each alternative: "what is the status of" before "what is".
_LEADING_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|ok|okay|so|and|please|pls|plz|um|erm)[\s,]+"
    r"|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?(?:tell|show|give|list|find|get)\s+(?:me\s+)?(?:about\s+)?"
    r"|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?"
    r"|(?:i\s+(?:would|'d)\s+like\s+(?:to\s+(?:know|see)\s+)?|i\s+want\s+(?:to\s+(?:know|see)\s+)?)"
    r"|(?:please\s+)?(?:tell|show|give|find|get)\s+(?:me\s+)?(?:about\s+)?|(?:a\s+)?list\s+of\s+(?:the\s+)?"
    r"|(?:what(?:'s|s|\s+is|\s+are|\s+was|\s+were)|whats|wot'?s|how(?:'s|s|\s+is))\s+(?:the\s+)?(?:current\s+|latest\s+)?"
    r"(?:status|state|progress|position|update|news)\s+(?:of|on|for|with)\s+"
    r"|(?:status|state|progress|update|news)\s+(?:of|on|for)\s+"
    r"|(?:any\s+)?(?:info|information|details?)\s+(?:on|about|for)\s+"
    r"|(?:i\s+)?(?:can'?t|cannot|don'?t)\s+(?:remember|recall)\s+(?:the|its|their)\s+(?:numbers?|refs?|references?|names?)"
    r"\s*[-,:;]\s+"
    r"|(?:what|who|where|when|which|how)(?:'s|s|\s+is|\s+are)?\s+(?:about\s+)?(?=(?:mp|dp|secmp)\s*-?\d)"
    r")",
    re.IGNORECASE,
)
_TRAILING_FILLER = re.compile(
    r"(?:[\s,]+(?:please|pls|plz|thanks|thank\s+you|ta|cheers|atm|at\s+the\s+moment|currently|right\s+now|"
    r"these\s+days|in\s+the\s+pipeline|so\s+far|yet|already|at\s+present|at\s+the\s+mo|for\s+(?:me|us)"
    # a tag question: "there was a mod about T3 aerials, wasn't there"
    r"|(?:was|is|were|are|did|does|do|has|have|had|would|could)n'?t\s+(?:there|it|they|he|she|we|you|i)"
    r"|(?:right|innit|eh)"
    r"|(?:(?:but|and|though)\s+)?(?:i\s+)?(?:can'?t|cannot|don'?t)\s+(?:remember|recall)\s+(?:its|the|their)\s+"
    r"(?:number|ref(?:erence)?|name))"
    r"|\s+(?:i\s+think|i\s+believe|i\s+reckon|i\s+guess|or\s+something(?:\s+like\s+that)?))+$",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """``text`` as typed, without the bot's name, typography or a closing question mark."""
    text = (text or "").translate(_TYPOGRAPHY)
    text = _PREFIX.sub("", text.strip(), count=1)
    return _CLOSING.sub("", " ".join(text.split()))


def without_trailing_filler(text: str) -> str:
    """``text`` without the words after a question ("please", "thanks", "at the moment")."""
    return _TRAILING_FILLER.sub("", text).strip()


# Where every question looks anyway: "anything on the register about X" is "anything about X".
_THE_REGISTER = re.compile(r"\s+(?:on|in)\s+(?:the|your)\s+(?:register|system|list)\b", re.IGNORECASE)


def without_filler(text: str) -> str:
    """``text`` (normalised) without the words around the question: "what's the status of MP161" -> "MP161"."""
    text = _THE_REGISTER.sub("", text)
    previous = None
    while previous != text:  # "hi, can you tell me about …": one filler after another
        previous = text
        text = _LEADING_FILLER.sub("", text, count=1).strip()
    return without_trailing_filler(text)
