"""One report ingested: the document read, every table reader run, their rows merged (one row per
natural key), checked against the importer's schema and against each other, and written out as
import-format YAML a person can review (``to_yaml``).

The readers are modules ``secbot.ingest.<name>`` with ``read(doc) -> {table: [row, ...]}``, listed in
``READERS`` from the most specific to the least: where two say different things about one row, the
earlier one's value is kept and the difference reported."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from secbot.ingest import assessments, consultations, meetings, modifications, releases, votes
from secbot.ingest.document import Document, IngestError, read
from secbot.ingest.mentions import references_in
from secbot.ingest.source import source
from secbot.store.importer.schema import TABLES

READERS = (modifications, votes, assessments, meetings, consultations, releases)

# The import format's tables, in the order its documentation gives them, with their natural keys.
KEYS: dict[str, tuple[str, ...]] = {
    "modifications": ("reference",),
    "events": ("reference", "date", "kind", "text"),
    "meetings": ("kind", "date"),
    "consultations": ("reference", "kind", "round"),
    "assessments": ("reference", "kind", "round"),
    "votes": ("reference", "date"),
    "decisions": ("reference", "date"),
    "releases": ("name",),
    "conversions": ("draft",),
}
_CHILDREN = {"meetings": "items", "releases": "scope"}  # lists of rows merged by their reference
_LISTS = frozenset({"earlier_titles", "impacted_parties", "sec_documents"})
_DEFAULTS = {"round": 1}


@dataclass
class Ingested:
    path: Path
    document: Document
    data: dict  # the import format: ``source`` and one list of rows per table

    @property
    def warnings(self) -> list[str]:
        return self.document.warnings

    def count(self) -> dict[str, int]:
        return {table: len(self.data.get(table, [])) for table in KEYS}


def _key(table: str, row: dict) -> tuple:
    return tuple(row.get(name, _DEFAULTS.get(name)) for name in KEYS[table])


def _shown(key: tuple) -> str:
    return " ".join(f"{part:%d %B %Y}" if isinstance(part, dt.date) else str(part) for part in key)


def _merge(doc: Document, table: str, kept: dict, row: dict, reader: str) -> None:
    for name, value in row.items():
        if name not in kept or kept[name] in (None, "", []):
            kept[name] = value
        elif name == _CHILDREN.get(table):
            have = {child["reference"]: child for child in kept[name]}
            for child in value:
                if child["reference"] in have:
                    for child_field, child_value in child.items():
                        have[child["reference"]].setdefault(child_field, child_value)
                else:
                    kept[name].append(child)
        elif name in _LISTS:
            kept[name] = kept[name] + [v for v in value if v not in kept[name]]
        elif value not in (None, "", []) and kept[name] != value:
            doc.warnings.append(
                f"{table} {_shown(_key(table, kept))}: {name} is {value!r} by the {reader} reader but "
                f"{kept[name]!r} by an earlier one; kept {kept[name]!r}"
            )


def _referenced(table: str, row: dict) -> list[str]:
    if table == "conversions":
        return [row["draft"], row["proposal"]]
    if table in _CHILDREN:
        return [child["reference"] for child in row.get(_CHILDREN[table], [])]
    return [row["reference"]] if "reference" in row else []


def _cross_check(doc: Document, tables: dict[str, dict[tuple, dict]]) -> None:
    """References the report names in its text that no table holds (so nothing is imported for them)."""
    held = {key[0] for key in tables.get("modifications", {})}
    told: set[str] = set()
    for line in doc.lines:
        if line.text.lower().startswith("http"):
            continue
        for mention in references_in(line.text):
            ref = mention.ref.text
            if ref not in held and ref not in told:
                told.add(ref)
                doc.warnings.append(
                    f"line {line.number}: {ref} is named but no table holds it; nothing is imported for it"
                )


def _validated(doc: Document, table: str, rows: list[dict]) -> list[dict]:
    model = TABLES[table]
    kept = []
    for row in rows:
        try:
            model.model_validate(row)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            doc.warnings.append(
                f"{table} {_shown(_key(table, row))}: left out, it does not fit the register ({problems})"
            )
            continue
        kept.append(row)
    return kept


def ingest(path: Path) -> Ingested:
    """``path`` read and every table filled from it. Raises ``IngestError`` for a file that is not a
    readable SECAS report."""
    path = Path(path)
    doc = read(path)
    if not doc.text.strip():
        suffix = " (a scanned PDF needs OCR first)" if path.suffix.lower() == ".pdf" else ""
        raise IngestError(f"{path}: there is no text in it{suffix}")
    head = source(doc)
    if not head:
        raise IngestError(
            f"{path}: not a SECAS report this reader knows (no title such as 'Change Status Report – June 2021', "
            "'Modification and Release Status Report – October 2017' or 'Smart Energy Code (SEC) Update')"
        )
    if head.get("issued") is None:
        doc.warnings.append("the report's issue day could not be read; the source has no issue date")
    result = Ingested(path, doc, {})
    tables: dict[str, dict[tuple, dict]] = {table: {} for table in KEYS}
    for module in READERS:
        name = module.__name__.rsplit(".", 1)[-1]
        for table, rows in module.read(doc).items():
            if table not in tables:
                doc.warnings.append(f"the {name} reader gave rows for an unknown table {table!r}; left out")
                continue
            for row in rows:
                key = _key(table, row)
                if key in tables[table]:
                    _merge(doc, table, tables[table][key], row, name)
                else:
                    tables[table][key] = dict(row)
    mods = tables["modifications"]
    for table, rows in tables.items():
        for row in list(rows.values()):
            for ref in _referenced(table, row):
                mods.setdefault((ref,), {"reference": ref})
    _cross_check(doc, tables)
    result.data = {"source": head} | {
        table: _validated(doc, table, list(rows.values())) for table, rows in tables.items()
    }
    return result


def to_yaml(ingested: Ingested) -> str:
    """The import-format YAML of ``ingested``: a header naming the report and listing the warnings,
    then the source and every table, each row's fields in the import format's order."""
    import yaml

    src = ingested.data["source"]
    lines = [
        f"# Facts stated by {src['title']}"
        + (f" ({src['paper_reference']})" if src.get("paper_reference") else "")
        + ",",
        f"# issued {src['issued']:%d %B %Y}." if src.get("issued") else "# issue day not read.",
        f"# Read by `secbot ingest` from {ingested.path.name}: review it before `secbot import`.",
    ]
    if ingested.warnings:
        lines.append("# Warnings:")
        lines += [f"#   {warning}" for warning in ingested.warnings]
    body: dict = {"source": {**src, "url": src.get("url")}}
    for table in KEYS:
        order = list(TABLES[table].model_fields)
        body[table] = [_ordered(row, order, table) for row in ingested.data.get(table, [])]
    text = yaml.dump(body, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return "\n".join(lines) + "\n\n" + text


def _dumper():
    """A YAML dumper in the sample files' style: list items indented under their key, long text folded."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False):
            return super().increase_indent(flow, False)

        def ignore_aliases(self, data) -> bool:
            return True  # register files refuse anchors: every value is written out in full

    def text(dumper, value: str):
        style = ">" if len(value) > 90 and "\n" not in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return Dumper


def _ordered(row: dict, order: list[str], table: str) -> dict:
    out = {name: row[name] for name in order if name in row}
    child = _CHILDREN.get(table)
    if child and child in out:
        out[child] = [{k: c[k] for k in ("reference", "status", "note") if k in c} for c in out[child]]
    return out
