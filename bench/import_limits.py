"""Import limits benchmark: how fast hostile files are refused, and what a large legitimate file costs.

Prints, each measured in a fresh child process (so that peak memory is that measurement's alone):

- the 9-line YAML alias bomb ("billion laughs"): seconds to the ``ImportFailed`` and peak memory;
- a zip-bomb workbook and a CSV with one enormous value: seconds to the refusal;
- a YAML register of many ordinary rows just under the default cap (``--mb``, 19.9 MB): seconds
  and peak memory (as a multiple of the file's size) for secbot's reader and for the whole import,
  beside a baseline measured in the same run: ``yaml.load`` of the same file with PyYAML's C loader
  (``CSafeLoader``), which builds plain Python objects and nothing else;
- the same rows as a CSV file, beside ``list(csv.reader(...))`` of it.

Peak memory is the growth of the child's peak resident set size (``ru_maxrss``) over what it had
before the measured step, so libyaml's own allocations count too.

Usage: python bench/import_limits.py [--mb 19.9] [--database-url URL]
(URL: a PostgreSQL database to import into, in a schema of its own that is dropped afterwards;
by default a new SQLite file.)
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ALIAS_BOMB = (ROOT / "tests" / "fakes" / "alias_bomb.yaml").read_text(encoding="utf-8")  # 9 lines, ~2 GB expanded

WORDS = ["firmware", "smart", "meter", "alert", "tariff", "prepayment", "gas", "electricity", "network"]
WORDS += ["supplier", "DCC", "SMKI", "hub", "release"]


def write_register_yaml(path: Path, megabytes: float) -> int:
    """A YAML register of ordinary modification rows, ``megabytes`` long; the number of rows."""
    rnd = random.Random(7)
    target = int(megabytes * 1_000_000)
    size = 0
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        head = "source: {key: BENCH, title: Bench register, issued: 2021-06-11}\nmodifications:\n"
        out.write(head)
        size += len(head)
        while True:
            rows += 1
            title = " ".join(rnd.choice(WORDS) for _ in range(8))
            summary = " ".join(rnd.choice(WORDS) for _ in range(30))
            row = (
                f"  - reference: MP{rows}\n    title: {title}\n    proposer: Person {rows % 97}\n"
                f"    organisation: Org {rows % 13}\n    raised: 2021-05-{1 + rows % 28:02d}\n    phase: Refine\n"
                f"    status: Open\n    impacted_parties: [Large Suppliers, DCC]\n    issue_summary: {summary}\n"
            )
            if size + len(row) > target:
                return rows - 1
            out.write(row)
            size += len(row)


def write_register_csv(path: Path, megabytes: float) -> int:
    """The rows of ``write_register_yaml`` as ``modifications.csv``; the number of rows."""
    import csv

    rnd = random.Random(7)
    target = int(megabytes * 1_000_000)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        header = ["Reference", "Title", "Proposer", "Organisation", "Raised", "Phase", "Status", "Impacted"]
        writer.writerow([*header, "Issue Summary"])
        while out.tell() < target - 1000:
            rows += 1
            title = " ".join(rnd.choice(WORDS) for _ in range(8))
            summary = " ".join(rnd.choice(WORDS) for _ in range(30))
            who = [f"Person {rows % 97}", f"Org {rows % 13}", f"2021-05-{1 + rows % 28:02d}"]
            writer.writerow([f"MP{rows}", title, *who, "Refine", "Open", "Large Suppliers; DCC", summary])
    return rows


def write_zip_bomb(path: Path) -> None:
    """A workbook-shaped ZIP whose one sheet inflates from ~1 MB to 1 GB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1 << 20)
            for _ in range(1024):
                sheet.write(block)
    path.write_bytes(buffer.getvalue())


def write_monster_csv(path: Path) -> None:
    path.write_text("Reference,Title\nMP1," + "x" * 5_000_000 + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# One measurement, in a child process


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def _store(database_url: str | None, work: Path):
    from sqlalchemy import text

    from secbot.store.db import make_engine
    from secbot.store.opening import prepare_store

    if not database_url:
        work.mkdir(exist_ok=True)
        return prepare_store(make_engine(f"sqlite:///{work / 'bench.db'}"), load_sample=False), None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in database_url else "?"
    url = f"{database_url}{separator}options=-csearch_path%3D{schema}"
    return prepare_store(make_engine(url), load_sample=False), schema


def _drop(database_url: str | None, schema: str | None) -> None:
    if schema:
        from sqlalchemy import text

        from secbot.store.db import make_engine

        admin = make_engine(database_url)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def measure(kind: str, path: Path, database_url: str | None) -> dict:
    import yaml

    from secbot.store.importer import readers
    from secbot.store.importer.loader import ImportFailed, import_paths

    store = schema = None
    if kind in ("import", "refuse"):
        store, schema = _store(database_url, path.parent / f"{path.stem}-{kind}")
    before = _peak()
    start = time.perf_counter()
    outcome = ""
    try:
        if kind == "baseline" and path.suffix == ".csv":
            import csv

            with path.open(encoding="utf-8", newline="") as file:
                outcome = f"{len(list(csv.reader(file)))} records"
        elif kind == "baseline":
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        elif kind == "read":
            raw = readers.read_file(path)
            outcome = f"{sum(len(rows) for rows in raw.tables.values())} rows"
        elif kind == "import":
            outcome = import_paths(store, [path]).summary_text().splitlines()[0]
        elif kind == "refuse":
            import_paths(store, [path])
            outcome = "imported (not refused!)"
    except ImportFailed as failure:
        outcome = str(failure)
    seconds = time.perf_counter() - start
    grown = max(_peak() - before, 0)
    if store is not None:
        store.engine.dispose()
    _drop(database_url, schema)
    return {"seconds": seconds, "peak_bytes": grown, "outcome": outcome}


def run_child(kind: str, path: Path, database_url: str | None) -> dict:
    command = [sys.executable, __file__, "--child", kind, str(path)]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{kind} of {path.name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=19.9, help="size of the legitimate YAML file (default 19.9)")
    parser.add_argument("--database-url", help="a PostgreSQL URL to import into (default: a new SQLite file)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]), args.database_url)))
        return

    work = Path(tempfile.mkdtemp(prefix="secbot-bench-"))
    print(f"Database: {'PostgreSQL' if args.database_url else 'SQLite'}\n")
    try:
        report(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(work: Path, args: argparse.Namespace) -> None:

    print("Hostile files (each refused in a fresh process):")
    bomb = work / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")
    zip_bomb = work / "bomb.xlsx"
    write_zip_bomb(zip_bomb)
    monster = work / "modifications.csv"
    write_monster_csv(monster)
    for label, path in (
        ("9-line YAML alias bomb", bomb),
        ("zip-bomb workbook", zip_bomb),
        ("CSV monster value", monster),
    ):
        result = run_child("refuse", path, args.database_url)
        print(
            f"  {label:24} {path.stat().st_size:>10,} bytes  {result['seconds']:7.3f} s to the error, "
            f"peak +{result['peak_bytes'] / 1e6:6.1f} MB"
        )
        print(f"      {result['outcome'].splitlines()[0][:150]}")

    big_yaml = work / "register.yaml"
    big_csv = work / "big" / "modifications.csv"
    big_csv.parent.mkdir()
    for path, write, baseline in (
        (big_yaml, write_register_yaml, "yaml.load, CSafeLoader (baseline)"),
        (big_csv, write_register_csv, "list(csv.reader) (baseline)"),
    ):
        rows = write(path, args.mb)
        size = path.stat().st_size
        print(f"\nA legitimate {path.suffix[1:].upper()} register: {size / 1e6:.1f} MB, {rows:,} modifications")
        results = {kind: run_child(kind, path, args.database_url) for kind in ("baseline", "read", "import")}
        base = results["baseline"]
        names = {
            "baseline": baseline,
            "read": "secbot reader (readers.read_file)",
            "import": "whole import (import_paths)",
        }
        print(f"  {'':36} {'seconds':>8} {'x baseline':>10} {'peak MB':>8} {'x file size':>11}")
        for kind, result in results.items():
            print(
                f"  {names[kind]:36} {result['seconds']:8.2f} {result['seconds'] / base['seconds']:10.2f} "
                f"{result['peak_bytes'] / 1e6:8.0f} {result['peak_bytes'] / size:11.1f}"
            )
        print(f"  ({results['import']['outcome']})")


if __name__ == "__main__":
    main()
