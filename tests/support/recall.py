"""How much of a hand-made register file an ingested report re-derives: facts = (table, row key, field,
value) over the fields that matter, compared per table. Recall = expected facts found / expected;
precision = derived facts that are right / derived.

Every row is one fact by its key alone (the row exists); each scored field adds one; a list adds one
per element (earlier titles, a meeting's agenda items, a release's scope entries with their status).
Values are compared as the register would treat them: references normalised, text ignoring case,
spacing, quote and dash styles, controlled words in their canonical form."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from secbot.references import Ref, parse_reference
from secbot.vocabulary import canonical_phase

# Per table: the natural key and the fields scored.
SCORED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "source": (("key",), ("title", "paper_reference", "issued")),
    "modifications": (
        ("reference",),
        ("title", "earlier_titles", "proposer", "organisation", "raised", "phase", "status", "path"),
    ),
    "meetings": (("kind", "date"), ("agenda_published", "items")),
    "consultations": (("reference", "kind", "round"), ("opens", "closes", "expected_week")),
    "assessments": (("reference", "kind", "round"), ("requested", "accepted", "returned", "target_wd")),
    "votes": (("reference", "date"), ("outcome", "governance", "majority", "objective")),
    "decisions": (("reference", "date"), ("outcome", "authority")),
    "releases": (("name",), ("date", "date_text", "standalone", "scope")),
    "conversions": (("draft",), ("proposal", "date", "next_phase")),
}
_DEFAULTS = {"round": 1, "standalone": False}


def _text(value: object) -> str:
    text = str(value).casefold()
    text = re.sub(r"[‘’`]", "'", text)
    text = re.sub(r"[“”]", '"', text)
    text = re.sub(r"[–—]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def normalise(field: str, value: object) -> object:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if field in ("reference", "draft", "proposal"):
        parsed = parse_reference(str(value))
        return parsed.text if isinstance(parsed, Ref) else _text(value)
    if field in ("phase", "next_phase"):
        return canonical_phase(str(value)) or _text(value)
    if field == "name":  # a release: "Stand-alone Release 27 August 2020" is the Standalone Release of that day
        return re.sub(r"\bstand[\s-]+alone\b", "standalone", _text(value))
    if field == "objective":  # "(a) and (g)" and "(a), (g)" name the same SEC Objectives
        letters = re.findall(r"\(([a-z])\)", str(value).casefold())
        return ",".join(letters) if letters else _text(value)
    if field in ("governance", "majority", "outcome", "kind", "status"):
        return _text(value).replace("-", "_").replace(" ", "_") if field != "status" else _text(value)
    if isinstance(value, bool | int):
        return value
    return _text(value)


def facts(data: dict) -> dict[str, set[tuple]]:
    """The scored facts of an import-format dict, per table."""
    found: dict[str, set[tuple]] = {table: set() for table in SCORED}
    for table, (key_fields, fields) in SCORED.items():
        rows = data.get(table) or []
        if table == "source":
            rows = [rows] if rows else []
        for row in rows:
            key = tuple(normalise(name, row.get(name, _DEFAULTS.get(name))) for name in key_fields)
            found[table].add((key, "*", True))
            for name in fields:
                value = row.get(name, _DEFAULTS.get(name))
                if name == "items":
                    for item in value or []:
                        ref = item if isinstance(item, str) else item["reference"]
                        found[table].add((key, "item", normalise("reference", ref)))
                elif name == "scope":
                    for entry in value or []:
                        found[table].add(
                            (key, f"scope:{normalise('reference', entry['reference'])}", _text(entry["status"]))
                        )
                elif name == "earlier_titles":
                    for title in value or []:
                        found[table].add((key, name, _text(title)))
                else:
                    normal = normalise(name, value)
                    if normal is not None and normal is not False:
                        found[table].add((key, name, normal))
    return found


@dataclass(frozen=True)
class Score:
    table: str
    expected: int
    derived: int
    right: int
    missed: tuple[tuple, ...]
    wrong: tuple[tuple, ...]

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.derived if self.derived else 1.0

    def line(self) -> str:
        return (
            f"{self.table:14} recall {self.recall:6.1%} ({self.right}/{self.expected})  "
            f"precision {self.precision:6.1%} ({self.right}/{self.derived})"
        )


def score(derived: dict, expected: dict) -> dict[str, Score]:
    have, want = facts(derived), facts(expected)
    return {
        table: Score(
            table,
            len(want[table]),
            len(have[table]),
            len(have[table] & want[table]),
            tuple(sorted(want[table] - have[table], key=str)),
            tuple(sorted(have[table] - want[table], key=str)),
        )
        for table in SCORED
    }


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
