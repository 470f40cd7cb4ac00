"""The register as import rows (``secbot.store.export``) and the statements backfilled from them (migration
0008): the rows are what the import format takes, and importing them into an empty register gives the
same fact tables back."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select

from secbot.store.db import Store, _alembic_config, make_engine
from secbot.store.export import ExportedRow, export_rows, merge_fields
from secbot.store.importer import apply, readers, validation
from secbot.store.importer.loader import import_paths, sample_paths
from secbot.store.importer.schema import FLAT_TABLES
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Conversion,
    Decision,
    EarlierTitle,
    Event,
    Meeting,
    Modification,
    Release,
    ReleaseScope,
    Source,
    Statement,
    Vote,
)
from secbot.store.opening import prepare_store
from secbot.store.statements import key_text, order
from tests.support.databases import leased
from tests.support.files import write

# Per fact table: its model and the columns of its natural key (ids named by what they stand for).
FACTS = {
    "sources": (Source, ("key",)),
    "modifications": (Modification, ("reference",)),
    "earlier_titles": (EarlierTitle, ("modification_id", "title")),
    "conversions": (Conversion, ("draft_id",)),
    "events": (Event, ("modification_id", "date", "kind", "text")),
    "meetings": (Meeting, ("kind", "date")),
    "agenda_items": (AgendaItem, ("meeting_id", "modification_id")),
    "consultations": (Consultation, ("modification_id", "kind", "round")),
    "assessments": (Assessment, ("modification_id", "kind", "round")),
    "votes": (Vote, ("modification_id", "date")),
    "decisions": (Decision, ("modification_id", "date")),
    "releases": (Release, ("name",)),
    "release_scope": (ReleaseScope, ("release_id", "modification_id")),
}


def facts(engine: Engine) -> dict[str, dict[tuple, dict]]:
    """Every fact table's rows by natural key, every column but the surrogate id, ids replaced by what they
    stand for (a reference, a meeting's kind and date, a release's name)."""
    with engine.connect() as connection:
        mods = Modification.__table__
        meetings = Meeting.__table__
        releases = Release.__table__
        names = {
            "modification_id": dict(connection.execute(select(mods.c.id, mods.c.reference)).all()),
            "draft_id": dict(connection.execute(select(mods.c.id, mods.c.reference)).all()),
            "proposal_id": dict(connection.execute(select(mods.c.id, mods.c.reference)).all()),
            "meeting_id": {
                row.id: (row.kind, row.date)
                for row in connection.execute(select(meetings.c.id, meetings.c.kind, meetings.c.date))
            },
            "release_id": dict(connection.execute(select(releases.c.id, releases.c.name)).all()),
        }
        everything = {}
        for table, (model, key) in FACTS.items():
            rows = {}
            for found in connection.execute(select(model.__table__)).mappings():
                row = {
                    name: names[name][value] if name in names else value
                    for name, value in found.items()
                    if name != "id"
                }
                rows[tuple(row[name] for name in key)] = row
            everything[table] = rows
        return everything


def reimport(store: Store, rows: Iterable[tuple[str, str, int, dict]]) -> None:
    """Import ``(table, source, position, fields)`` rows, in the order given, with the real importer: read as
    one file's tables, validated, and applied in one transaction. Validation numbers agenda items and scope
    rows by their order in the file; a row's own ``position`` is what it is given instead."""
    rows = list(rows)
    raw = readers.RawFile(name="export.yaml", path=Path("export.yaml"), sha256="", format="yaml")
    positions: dict[str, list[int]] = {}
    for number, (table, source, position, fields) in enumerate(rows, 1):
        raw.add(table, f"{table}[{number}]", fields if table == "sources" else {**fields, "source": source})
        positions.setdefault(table, []).append(position)
    plan = validation.validate([raw], None)
    assert plan.errors == []
    for table in ("agenda_items", "release_scope"):
        for item, position in zip(plan.items.get(table, []), positions.get(table, []), strict=True):
            item.position = position
    with store.sessions() as session:
        session.begin()
        apply.lock(session)
        applier = apply.Applier(session, plan)
        applier.run()
        assert applier.errors == []
        session.commit()


def exported(store: Store) -> list[ExportedRow]:
    with store.sessions() as session:
        return export_rows(session)


def as_imported(rows: list[ExportedRow]) -> list[tuple[str, str, int, dict]]:
    return [(row.table, row.source, row.position, row.fields) for row in rows]


@pytest.fixture
def another_store(tmp_path: Path):
    """A second migrated store with no register in it."""
    with leased("migrated", tmp_path) as url:
        store = prepare_store(make_engine(url), load_sample=False)
        yield store
        store.engine.dispose()


def test_exported_rows_are_what_the_import_format_takes(sample_store):
    rows = exported(sample_store)
    assert len({(row.table, row.key, row.source) for row in rows}) == len(rows)
    for row in rows:
        model = FLAT_TABLES[row.table]
        validated = model.model_validate(row.fields)
        assert validated.model_dump(mode="json", exclude_unset=True) == row.fields, row
        assert validation.natural_key(row.table, validated) == row.key
        assert "source" not in row.fields
        assert all(value is not None and value != [] for value in row.fields.values()), row
        assert json.loads(json.dumps(row.fields)) == row.fields
        assert row.position == 0 or row.table in ("agenda_items", "release_scope")
    with sample_store.sessions() as session:
        sources = set(session.scalars(select(Source.key)))
    assert {row.key[0] for row in rows if row.table == "sources"} == sources
    assert {row.source for row in rows} == sources
    assert {row.table for row in rows} >= set(FLAT_TABLES) - {"conversions"}  # the sample has no conversion


def test_the_sample_register_round_trips(sample_store, empty_store):
    rows = exported(sample_store)
    reimport(empty_store, as_imported(rows))
    assert facts(empty_store.engine) == facts(sample_store.engine)
    assert exported(empty_store) == rows


def test_earlier_titles_come_back_with_their_sources(sample_store):
    rows = exported(sample_store)
    secmp7 = [row for row in rows if row.table == "modifications" and row.key == ("SECMP0007",)]
    # Its current title is the June 2021 report's; October 2017's is kept as an earlier title of that source.
    assert [(row.source, row.fields.get("title")) for row in secmp7[:1]] == [
        ("MRSR-2017-10", "Firmware updates to mandated HAN devices")
    ]
    assert secmp7[-1].source == "CSR-2021-06"
    assert len(secmp7) == 2


DATED = """
source: {key: R-2017, title: Report 2017, issued: 2017-10-06}
modifications:
  - {reference: MP001, title: First name, earlier_titles: [Working name, Draft name], phase: Define}
  - {reference: MP002, earlier_titles: [No title yet]}
  - {reference: DP003, title: Draft three}
  - {reference: MP003, title: Three}
meetings:
  - kind: panel
    date: 2017-09-15
    title: Panel 15 September
    items: [MP001, {reference: MP002, note: second}, MP003]
releases:
  - name: November 2017 SEC Release
    date: 2017-11-02
    standalone: true
    scope: [{reference: MP001, status: targeted}, {reference: MP003, status: approved}]
conversions:
  - {draft: DP003, proposal: MP003, date: 2017-09-15, next_phase: Refinement}
consultations:
  - {reference: MP001, kind: refinement, round: 2, opens: 2017-08-01, closes: 2017-08-20}
"""

NEWER = """
source: {key: R-2021, title: Report 2021, issued: 2021-06-11}
modifications:
  - {reference: MP001, title: Final name, status: Approved}
  - {reference: MP003, title: Three, earlier_titles: [Three (old)]}
meetings:
  - kind: panel
    date: 2017-09-15
    items: [{reference: MP001, note: restated}]
  - kind: change_board
    date: 2021-05-26
agenda_items:
  - {meeting_kind: change_board, meeting_date: 2021-05-26, reference: MP003}
release_scope:
  - {release: June 2021 SEC Release, reference: MP003, status: implemented}
votes:
  - {reference: MP001, date: 2021-05-26, outcome: approved, governance: self_governance, majority: unanimous}
assessments:
  - {reference: MP003, kind: IA, requested: 2021-01-04, target_wd: 40}
"""

UNDATED = """
source: {key: "import:register.xlsx", title: register.xlsx}
modifications:
  - {reference: MP002, earlier_titles: [Another alias]}
  - {reference: MP003, title: Three renamed, impacted_parties: [DCC, Large Suppliers]}
events:
  - {reference: MP003, date: 2021-06-01, kind: note, text: Renamed in the register}
decisions:
  - {reference: MP003, date: 2021-06-20, outcome: approved, authority: Ofgem}
"""


def test_a_register_of_several_sources_round_trips(empty_store, another_store, tmp_path):
    paths = [write(tmp_path / f"{name}.yaml", text) for name, text in (("a", DATED), ("b", NEWER), ("c", UNDATED))]
    for path in paths:  # one import per file: the undated one last, so that it wins
        import_paths(empty_store, [path])
    rows = exported(empty_store)
    mp001 = [(row.source, row.fields) for row in rows if row.table == "modifications" and row.key == ("MP001",)]
    assert mp001 == [
        ("R-2017", {"reference": "MP001", "title": "First name", "earlier_titles": ["Working name", "Draft name"]}),
        ("R-2021", {"reference": "MP001", "title": "Final name", "phase": "Define", "status": "Approved"}),
    ]
    agenda = [(row.key, row.source, row.position) for row in rows if row.table == "agenda_items"]
    assert agenda == [
        (("panel", dt.date(2017, 9, 15), "MP001"), "R-2021", 0),
        (("panel", dt.date(2017, 9, 15), "MP002"), "R-2017", 1),
        (("panel", dt.date(2017, 9, 15), "MP003"), "R-2017", 2),
        (("change_board", dt.date(2021, 5, 26), "MP003"), "R-2021", 0),
    ]
    reimport(another_store, as_imported(rows))
    assert facts(another_store.engine) == facts(empty_store.engine)
    assert exported(another_store) == rows


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
@pytest.mark.parametrize("files", ["sample", "several"])
def test_a_register_round_trips_whatever_order_its_files_were_imported_in(
    files, order, empty_store, another_store, tmp_path
):
    if files == "sample":
        paths = sample_paths()
    else:
        paths = [write(tmp_path / f"{name}.yaml", text) for name, text in (("a", DATED), ("b", NEWER), ("c", UNDATED))]
    for number in order:
        import_paths(empty_store, [paths[number]])
    rows = exported(empty_store)
    reimport(another_store, as_imported(rows))
    assert facts(another_store.engine) == facts(empty_store.engine)


def test_merged_fields_keep_the_first_value_and_join_lists():
    first = {"reference": "MP001", "title": "A", "earlier_titles": ["B"]}
    second = {"reference": "MP001", "title": "C", "earlier_titles": ["B", "D"], "phase": "Define"}
    assert merge_fields(first, second) == {
        "reference": "MP001",
        "title": "A",
        "earlier_titles": ["B", "D"],
        "phase": "Define",
    }


def statements(engine: Engine) -> list[dict]:
    table = Statement.__table__
    columns = [table.c[name] for name in ("table", "key", "source", "position", "fields", "recorded")]
    with engine.connect() as connection:
        issued = dict(connection.execute(select(Source.key, Source.issued)).all())
        found = [dict(row) for row in connection.execute(select(*columns).order_by(table.c.id)).mappings()]
    return sorted(found, key=lambda s: order(issued[s["source"]], s["recorded"], s["source"]))


def test_migration_0008_backfills_a_statement_per_exported_row(sample_db_url, empty_store):
    engine = make_engine(sample_db_url)
    config = _alembic_config(engine)
    before = facts(engine)
    with engine.connect() as connection:
        rows = export_rows(connection)
    command.downgrade(config, "0007")  # as the previous release left it, with the sample imported
    assert "statements" not in inspect(engine).get_table_names()
    command.upgrade(config, "0008")
    backfilled = statements(engine)
    assert len({s["recorded"] for s in backfilled}) == 1  # the day of the migration, the same for all
    sources = [row for row in rows if row.table == "sources"]  # kept in ``sources``, not as statements
    assert sorted((s["table"], s["key"], s["source"]) for s in backfilled) == sorted(
        (row.table, key_text(row.key), row.source) for row in rows if row.table != "sources"
    )
    by_key = {(row.table, key_text(row.key), row.source): row for row in rows}
    for statement in backfilled:
        row = by_key[statement["table"], statement["key"], statement["source"]]
        assert (statement["fields"], statement["position"]) == (row.fields, row.position)
    command.upgrade(config, "head")
    assert facts(engine) == before
    engine.dispose()

    # Re-imported in the order statements resolve in (their source's issue date, then source key).
    reimport(
        empty_store,
        as_imported(sources) + [(s["table"], s["source"], s["position"], s["fields"]) for s in backfilled],
    )
    assert facts(empty_store.engine) == before
