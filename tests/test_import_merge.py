"""Merging sources: later source wins, earlier titles kept as aliases, any import order gives the
same register, the bundled sample, and importers running at the same time."""

from __future__ import annotations

import itertools
import multiprocessing
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete, select

from secbot.store.db import Store, make_engine
from secbot.store.importer.loader import (
    ImportFailed,
    import_paths,
    import_sample,
    load_sample_if_empty,
    sample_paths,
)
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Base,
    Consultation,
    Conversion,
    Decision,
    EarlierTitle,
    Event,
    ImportRecord,
    Meeting,
    Modification,
    RegisterState,
    Release,
    ReleaseScope,
    Source,
    Vote,
)
from secbot.store.opening import prepare_store
from tests.support.files import write


def get_mod(store: Store, reference: str) -> Modification:
    with store.sessions() as session:
        found = session.scalar(select(Modification).where(Modification.reference == reference))
        assert found is not None, reference
        _ = list(found.earlier_titles)  # load while the session is open
        return found


def earlier(store: Store, reference: str) -> dict[str, str]:
    return {t.title: t.source for t in get_mod(store, reference).earlier_titles}


def revision(store: Store) -> int:
    with store.sessions() as session:
        return session.scalar(select(RegisterState.revision).where(RegisterState.id == 1)) or 0


def wipe(store: Store) -> None:
    with store.sessions() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


def snapshot(store: Store) -> dict[str, list]:
    """Everything the register says, with database ids replaced by natural keys, order-free."""
    with store.sessions() as session:
        refs = dict(session.execute(select(Modification.id, Modification.reference)).all())
        meetings = {m.id: (m.kind, m.date) for m in session.scalars(select(Meeting))}
        releases = {r.id: r.name for r in session.scalars(select(Release))}
        skip = {"id", "modification_id", "meeting_id", "release_id", "draft_id", "proposal_id"}

        def rows(model, extra=lambda r: ()):
            out = []
            for row in session.scalars(select(model)):
                values = tuple(
                    sorted((k, repr(v)) for k, v in vars(row).items() if not k.startswith("_") and k not in skip)
                )
                out.append((extra(row), values))
            return sorted(out, key=repr)

        def by_mod(r):
            return refs[r.modification_id]

        return {
            "sources": rows(Source),
            "modifications": rows(Modification),
            "earlier_titles": rows(EarlierTitle, by_mod),
            "events": rows(Event, by_mod),
            "meetings": rows(Meeting),
            "agenda_items": rows(AgendaItem, lambda r: (meetings[r.meeting_id], refs[r.modification_id])),
            "consultations": rows(Consultation, by_mod),
            "assessments": rows(Assessment, by_mod),
            "votes": rows(Vote, by_mod),
            "decisions": rows(Decision, by_mod),
            "releases": rows(Release),
            "release_scope": rows(ReleaseScope, lambda r: (releases[r.release_id], refs[r.modification_id])),
            "conversions": rows(Conversion, lambda r: (refs[r.draft_id], refs[r.proposal_id])),
        }


OLDER = """
source: {key: CSR-2017-10, title: Modification and Release Status Report October 2017, issued: 2017-10-06}
modifications:
  - reference: SECMP0007
    title: Firmware updates to mandated HAN devices
    proposer: Joe Bloggs
    status: WG Solution Development
    phase: Refine
    impacted_parties: [Large Suppliers]
votes:
  - {reference: SECMP0007, date: 2017-09-20, outcome: sent_back, note: older note}
releases:
  - name: November 2018 SEC Release
    scope: [{reference: SECMP0007, status: targeted}]
"""

NEWER = """
source: {key: CSR-2021-06, title: Change Status Report June 2021, issued: 2021-06-11}
modifications:
  - reference: SECMP7
    title: Firmware updates to IHDs and PPMIDs
    status: Awaiting Implementation
    phase: Implementation
votes:
  - {reference: SECMP0007, date: 2017-09-20, outcome: sent_back, note: newer note}
releases:
  - name: November 2018 SEC Release
    date: 2018-11-01
    scope: [{reference: SECMP0007, status: implemented}]
"""


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_later_source_wins_and_keeps_the_earlier_title(empty_store: Store, tmp_path: Path, order: str) -> None:
    older = write(tmp_path / "older.yaml", OLDER)
    newer = write(tmp_path / "newer.yaml", NEWER)
    files = [older, newer] if order == "older first" else [newer, older]

    for path in files:  # two imports, one after the other
        import_paths(empty_store, [path])

    secmp7 = get_mod(empty_store, "SECMP0007")
    assert secmp7.title == "Firmware updates to IHDs and PPMIDs"
    assert earlier(empty_store, "SECMP0007") == {"Firmware updates to mandated HAN devices": "CSR-2017-10"}
    assert (secmp7.status, secmp7.phase) == ("Awaiting Implementation", "Implementation")
    assert secmp7.proposer == "Joe Bloggs"  # only the older source says it: it fills the gap
    assert secmp7.impacted_parties == ["Large Suppliers"]
    assert (secmp7.source, str(secmp7.source_date)) == ("CSR-2021-06", "2021-06-11")
    with empty_store.sessions() as session:
        vote = session.scalar(select(Vote))
        assert (vote.note, vote.source) == ("newer note", "CSR-2021-06")
        release = session.scalar(select(Release))
        assert str(release.date) == "2018-11-01"
        assert [s.status for s in release.scope] == ["implemented"]
    assert revision(empty_store) == 2


def test_import_order_gives_the_same_register(empty_store: Store, tmp_path: Path) -> None:
    paths = [write(tmp_path / "older.yaml", OLDER), write(tmp_path / "newer.yaml", NEWER)]
    import_paths(empty_store, paths)
    one_import = snapshot(empty_store)
    wipe(empty_store)
    import_paths(empty_store, list(reversed(paths)))
    assert snapshot(empty_store) == one_import


def test_older_source_reimported_after_newer_changes_nothing(empty_store: Store, tmp_path: Path) -> None:
    older = write(tmp_path / "older.yaml", OLDER)
    import_paths(empty_store, [older, write(tmp_path / "newer.yaml", NEWER)])

    again = import_paths(empty_store, [older])

    assert not again.changed
    assert again.summary_text() == "No changes: older.yaml matches the register (revision 1)."


def test_earlier_title_never_equals_the_current_title(empty_store: Store, tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.yaml",
        """
        source: {key: A, title: A, issued: 2020-01-01}
        modifications:
          - {reference: MP1, title: Alpha, earlier_titles: [ALPHA, Beta, beta]}
        """,
    )
    second = write(
        tmp_path / "b.yaml",
        """
        source: {key: B, title: B, issued: 2021-01-01}
        modifications:
          - {reference: MP1, title: beta}
        """,
    )
    import_paths(empty_store, [first])
    assert earlier(empty_store, "MP001") == {"Beta": "A"}

    import_paths(empty_store, [second])

    assert get_mod(empty_store, "MP001").title == "beta"
    assert earlier(empty_store, "MP001") == {"Alpha": "A"}


def test_same_date_or_undated_incoming_source_wins(empty_store: Store, tmp_path: Path) -> None:
    import_paths(
        empty_store,
        [
            write(
                tmp_path / "a.yaml",
                "source: {key: A, title: A, issued: 2021-01-01}\nmodifications: [{reference: MP1, status: one}]\n",
            )
        ],
    )
    csv = tmp_path / "modifications.csv"
    csv.write_text("Reference,Status\nMP1,two\n")

    import_paths(empty_store, [csv])

    mp1 = get_mod(empty_store, "MP001")
    assert (mp1.status, mp1.source, mp1.source_date) == ("two", "import:modifications.csv", None)


def test_same_key_from_two_sources_in_one_import_is_not_a_duplicate(empty_store: Store, tmp_path: Path) -> None:
    result = import_paths(empty_store, [write(tmp_path / "older.yaml", OLDER), write(tmp_path / "newer.yaml", NEWER)])
    assert result.count("modifications").added == 1  # counted once, by natural key
    assert result.count("votes").added == 1


def test_the_same_source_defined_twice_differently_is_an_error(empty_store: Store, tmp_path: Path) -> None:
    a = write(
        tmp_path / "a.yaml", "source: {key: S, title: One, issued: 2021-01-01}\nmodifications: [{reference: MP1}]\n"
    )
    b = write(
        tmp_path / "b.yaml", "source: {key: S, title: One, issued: 2021-02-01}\nmodifications: [{reference: MP2}]\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [a, b])
    assert failure.value.errors == [
        f"{tmp_path}/b.yaml: source (line 1): source 'S' is defined differently in {tmp_path}/a.yaml: "
        "source (line 1); give one definition"
    ]


# --------------------------------------------------------------------------------------------
# The bundled sample


def test_sample_paths_are_in_date_order() -> None:
    paths = sample_paths()
    assert [p.name for p in paths] == [
        "2017-05-sec-update-dcusa.yaml",
        "2017-10-modification-release-status-report.yaml",
        "2021-06-change-status-report.yaml",
    ]


@pytest.mark.parametrize("name", [p.name for p in sample_paths()])
def test_every_sample_file_imports_cleanly_on_its_own(empty_store: Store, name: str) -> None:
    (path,) = [p for p in sample_paths() if p.name == name]
    result = import_paths(empty_store, [path])
    assert result.changed and result.count("modifications").added > 0
    assert not result.warnings


def test_sample_import_then_reimport_is_unchanged(empty_store: Store) -> None:
    first = import_sample(empty_store)
    assert first.changed and first.revision == 1

    again = import_sample(empty_store)

    assert not again.changed and again.revision == 1
    assert again.summary_text().startswith("No changes: 2017-05-sec-update-dcusa.yaml, ")
    with empty_store.sessions() as session:
        assert len(session.scalars(select(ImportRecord)).all()) == 1


def test_sample_facts(sample_store: Store) -> None:
    assert get_mod(sample_store, "DP162").proposer == "Richard Vernon"
    assert get_mod(sample_store, "MP161").title == "Significant Code Review – Retail Code Consolidation"
    assert revision(sample_store) >= 1


def test_sample_keeps_every_title_it_ever_used(sample_store: Store) -> None:
    """Each modification's current and earlier titles are exactly the titles the files use."""
    titles: dict[str, set[str]] = {}
    for path in sample_paths():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for row in document.get("modifications") or []:
            mod = get_mod(sample_store, _normal(row["reference"]))
            given = titles.setdefault(mod.reference, set())
            given.update(t.casefold() for t in [row.get("title"), *(row.get("earlier_titles") or [])] if t)
    for reference, given in titles.items():
        mod = get_mod(sample_store, reference)
        stored = {t.title.casefold() for t in mod.earlier_titles}
        current = {mod.title.casefold()} if mod.title else set()
        assert not current & stored, reference
        assert stored | current == given, reference
    if "firmware updates to mandated han devices" in titles["SECMP0007"] and len(titles["SECMP0007"]) > 1:
        assert "Firmware updates to mandated HAN devices" in earlier(sample_store, "SECMP0007")


def _normal(reference: str) -> str:
    from secbot.references import parse_reference

    return parse_reference(str(reference)).text


def test_sample_files_in_any_order_give_the_same_register(empty_store: Store) -> None:
    paths = sample_paths()
    import_sample(empty_store)
    expected = snapshot(empty_store)
    for order in itertools.permutations(paths):
        if list(order) == paths:
            continue
        wipe(empty_store)
        for path in order:
            import_paths(empty_store, [path])
        assert snapshot(empty_store) == expected, [p.name for p in order]


def test_load_sample_if_empty_only_loads_an_empty_register(empty_store: Store, tmp_path: Path) -> None:
    result = load_sample_if_empty(empty_store)
    assert result is not None and result.changed
    assert load_sample_if_empty(empty_store) is None

    wipe(empty_store)
    import_paths(
        empty_store, [write(tmp_path / "mine.yaml", "source: {key: M, title: M}\nmodifications: [{reference: MP1}]\n")]
    )
    assert load_sample_if_empty(empty_store) is None


# --------------------------------------------------------------------------------------------
# Importers in several processes


def _import_in_child(url: str, path: str) -> str:
    store = prepare_store(make_engine(url), load_sample=False)
    try:
        return import_paths(store, [Path(path)]).summary_text()
    finally:
        store.engine.dispose()


def test_concurrent_importers_lose_no_revision(empty_store: Store, tmp_path: Path) -> None:
    url = empty_store.engine.url.render_as_string(hide_password=False)
    paths = []
    for n in range(1, 5):
        rows = "".join(f"  - {{reference: MP{n}{i:02d}, title: T{i}}}\n" for i in range(30))
        rows += "  - {reference: MP999, title: shared}\n"  # every importer adds or updates the same row
        paths.append(str(write(tmp_path / f"f{n}.yaml", f"source: {{key: S{n}, title: S{n}}}\nmodifications:\n{rows}")))

    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        summaries = pool.starmap(_import_in_child, [(url, p) for p in paths])

    assert all(s.startswith("Imported f") for s in summaries), summaries
    assert revision(empty_store) == 4
    with empty_store.sessions() as session:
        assert len(session.scalars(select(Modification)).all()) == 4 * 30 + 1
        assert len(session.scalars(select(ImportRecord)).all()) == 4
