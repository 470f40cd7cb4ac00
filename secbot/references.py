"""One normaliser for every way people and PDFs write a modification reference.

``parse_reference`` turns a whole input ("mp 161", "SECMP-23", "MPO78", a SECAS web address) into a
``Ref``; ``find_references`` finds references inside free text ("who raised DP113?"). Neither ever
raises: anything unrecognised is ``None`` / an empty list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse


@dataclass(frozen=True, order=True)
class Ref:
    family: str  # "DP", "MP" or "SECMP"
    number: int
    suffix: str = ""

    @property
    def text(self) -> str:
        width = 4 if self.family == "SECMP" else 3
        return f"{self.family}{self.number:0{width}d}{self.suffix}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class BareNumber:
    """A number typed alone ("161", "0026"): a reference whose family the register must settle."""

    number: int
    suffix: str = ""
    four_digits: bool = False

    def candidates(self) -> list[Ref]:
        if self.four_digits:
            return [Ref("SECMP", self.number, self.suffix)]
        return [
            Ref("MP", self.number, self.suffix),
            Ref("DP", self.number, self.suffix),
            Ref("SECMP", self.number, self.suffix),
        ]


# Digits as PDF extraction corrupts them: O and Q for 0 (MPO78, MPQ77, MP0O90, SECMPO0067).
_DIGITS = r"[0-9OQ]*[0-9][0-9OQ]*|[OQ]+(?=[0-9])[0-9OQ]*"
_PREFIX = r"SECMP|SEC\s*MP|MP|DP|\[D|D(?=[0-9OQ]*[0-9])"
_WHOLE = re.compile(
    rf"^\s*(?P<prefix>{_PREFIX})?[\s\-_.#:]*(?P<digits>{_DIGITS})(?P<suffix>[A-Z])?\s*$",
    re.IGNORECASE,
)
_INSIDE = re.compile(
    rf"(?<![A-Z0-9])(?P<prefix>SECMP|SEC\s?MP|MP|DP|\[D)[\s\-_]?(?P<digits>{_DIGITS})(?P<suffix>[A-Z])?(?![A-Z0-9])",
    re.IGNORECASE,
)
_URL_REF = re.compile(r"(?P<prefix>SECMP|MP|DP)[\-_]?(?P<digits>\d{1,5})(?P<suffix>[A-Z])?(?![A-Z0-9])", re.IGNORECASE)
_MAX_NUMBER = 99999


def _digits(raw: str) -> int | None:
    cleaned = raw.upper().replace("O", "0").replace("Q", "0")
    if not cleaned.isdigit() or len(cleaned) > 6:
        return None
    number = int(cleaned)
    return number if 0 < number <= _MAX_NUMBER else None


def _family(prefix: str) -> str:
    prefix = "".join(prefix.upper().split())
    if prefix in ("SECMP",):
        return "SECMP"
    if prefix in ("DP", "[D", "D"):
        return "DP"
    return "MP"


def _from_match(match: re.Match[str]) -> Ref | None:
    number = _digits(match.group("digits"))
    if number is None:
        return None
    suffix = (match.group("suffix") or "").upper()
    return Ref(_family(match.group("prefix")), number, suffix)


def parse_url(text: str) -> Ref | str | None:
    """A SECAS web address: the reference in its path, else its last path segment (a title slug)."""
    try:
        parsed = urlparse(text.strip())
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    path = unquote(parsed.path)
    for segment in reversed([s for s in path.split("/") if s]):
        match = _URL_REF.match(segment)
        ref = _from_match(match) if match else None
        if ref:
            return ref
    query_ref = _URL_REF.search(parsed.query or "")
    if query_ref:
        return _from_match(query_ref)
    segments = [s for s in path.split("/") if s]
    return segments[-1].replace("-", " ") if segments else None


def parse_reference(text: str) -> Ref | BareNumber | None:
    """The reference that the whole of ``text`` names, or ``None``."""
    if not isinstance(text, str) or len(text) > 300:
        return None
    stripped = text.strip().strip("'\"`?!.,;")
    if stripped.lower().startswith(("http://", "https://")):
        found = parse_url(stripped)
        return found if isinstance(found, Ref) else None
    match = _WHOLE.match(stripped)
    if not match:
        return None
    number = _digits(match.group("digits"))
    if number is None:
        return None
    suffix = (match.group("suffix") or "").upper()
    if match.group("prefix") is None:
        digits = match.group("digits")
        if not digits.isdigit():
            return None
        return BareNumber(number, suffix, four_digits=len(digits) == 4)
    return Ref(_family(match.group("prefix")), number, suffix)


def find_references(text: str) -> list[Ref]:
    """Every prefixed reference inside free text, in order, without repeats."""
    if not isinstance(text, str):
        return []
    found: list[Ref] = []
    for match in _INSIDE.finditer(text[:2000]):
        ref = _from_match(match)
        if ref and match.group("suffix") == "s":  # "mp105s history": a possessive typed without its apostrophe
            ref = Ref(ref.family, ref.number, "")
        if ref and ref not in found:
            found.append(ref)
    return found
