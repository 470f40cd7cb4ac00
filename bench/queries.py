"""Query benchmark: status (today and as of a past day), search, `wg next`, `dcc open` and the monthly
digest on a 10,000-modification register of 3 statements each.

The register: a 10,000-row CSV imported under a source issued 1 June 2024 (its import time is the
one printed), then two more that restate every modification with other titles and phases, issued
1 January and 1 September 2023, and a history of events, meetings, assessments, votes and releases.
Prints p50/p99 of each command through the dispatcher, each as a ratio to a bare primary-key SELECT
through SQLAlchemy Core measured in the same run; the time to build the register as of a past day
(once per revision and sources included: ``secbot.store.asof``); and the process's resident memory.
Usage: python bench/queries.py [--mods N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import percentile, synthetic_store, timed
from bench.synthetic import WORDS, add_history, write_modifications_csv
from secbot.clock import Clock
from secbot.commands import Context, dispatch
from secbot.digests.monthly import build_monthly
from secbot.store import asof
from secbot.store.importer.loader import import_paths
from secbot.store.importer.schema import SourceIn
from secbot.store.models import Modification
from secbot.store.queries import Register

TARGETS_MS = {"status": 10.0, "status as of": 30.0, "search": 30.0, "changes": 100.0}
LONDON = ZoneInfo("Europe/London")
TODAY, PAST_DAY = dt.date(2024, 6, 11), dt.date(2023, 6, 1)  # PAST_DAY: only the January 2023 restatement


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    built = synthetic_store(args.mods, args.database_url)
    store, engine, references = built.store, built.store.engine, built.references
    import_s, result = built.import_seconds, built.import_result
    work = Path(tempfile.mkdtemp(prefix="secbot-bench-restated-"))
    for seed, issued in ((17, dt.date(2023, 1, 1)), (27, dt.date(2023, 9, 1))):
        (work / str(issued)).mkdir(exist_ok=True)
        path = work / str(issued) / "modifications.csv"
        write_modifications_csv(path, args.mods, seed=seed)
        source = SourceIn(key=f"restated-{issued}", title=f"Restated {issued}", issued=issued)
        import_paths(store, [path], source=source)
    counts = add_history(store)

    register = Register(store, Clock(LONDON, TODAY))
    ctx = Context(register)
    dispatch("help", ctx)
    register.index()  # built once per revision; its build time is reported separately
    start = time.perf_counter()
    store.index_cache = type(store.index_cache)()
    register.index()
    index_build_ms = (time.perf_counter() - start) * 1000

    rng = random.Random(3)
    ids = [rng.randint(1, args.mods) for _ in range(args.runs)]
    refs = [rng.choice(references) for _ in range(args.runs)]
    words = [" ".join(rng.sample(WORDS, rng.choice([1, 1, 2]))) for _ in range(args.runs)]

    table = Modification.__table__

    def bare_select(mod_id: int) -> None:
        with engine.connect() as conn:
            conn.execute(select(table).where(table.c.id == mod_id)).first()

    for warm in range(50):
        bare_select(ids[warm % len(ids)])
        dispatch(refs[warm % len(refs)], ctx)

    results = {"bare PK SELECT (baseline)": timed(bare_select, ids)}
    results["status (`MPnnn`)"] = timed(lambda r: dispatch(r, ctx), refs)
    results["search (`search <words>`)"] = timed(lambda w: dispatch(f"search {w}", ctx), words)
    results["wg next"] = timed(lambda _: dispatch("wg next", ctx), range(args.runs))
    results["dcc open"] = timed(lambda _: dispatch("dcc open", ctx), range(max(50, args.runs // 4)))
    start = time.perf_counter()
    build_monthly(register)  # the first also builds the register as it stood when the reporting month began
    monthly_first_s = time.perf_counter() - start
    results["monthly digest (build)"] = timed(lambda _: build_monthly(register), range(5))

    past = Context(Register(store, Clock(LONDON, PAST_DAY)))
    start = time.perf_counter()
    asof.view(store, PAST_DAY, register.revision())
    snapshot_s = time.perf_counter() - start
    for warm in range(50):
        dispatch(refs[warm % len(refs)], past)
    results[f"status as of {PAST_DAY}"] = timed(lambda r: dispatch(r, past), refs)
    results[f"changes since {PAST_DAY}"] = timed(lambda _: dispatch(f"changes since {PAST_DAY}", ctx), range(20))

    base = statistics.median(results["bare PK SELECT (baseline)"])
    rss_mb = psutil.Process().memory_info().rss / 2**20
    print(
        f"secbot query benchmark — {engine.dialect.name}, {counts['modifications']} modifications, "
        f"{counts['events']} events, {counts['agenda_items']} agenda items"
    )
    print(f"{'query':30} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9} {'p99/base':>9}  target")
    for name, samples in results.items():
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        key = "status as of" if name.startswith("status as of") else name.split()[0]  # "changes since …": "changes"
        target = TARGETS_MS.get(key) if key != "monthly" else 1000.0
        verdict = "" if target is None else (f"p99 ≤ {target:g} ms: {'PASS' if p99 <= target else 'FAIL'}")
        print(f"{name:30} {p50:8.2f} {p99:8.2f} {p50 / base:9.1f} {p99 / base:9.1f}  {verdict}")
    print(f"search index build (once per register revision): {index_build_ms:.0f} ms")
    print(
        f"monthly digest, first build of a revision (with the register as the month began): {monthly_first_s:.2f} s "
        f"(target ≤ 1 s: {'PASS' if monthly_first_s <= 1 else 'FAIL'})"
    )
    print(
        f"the register as of {PAST_DAY} built from its statements (once per revision and sources): {snapshot_s:.1f} s"
    )
    print(
        f"import of a {args.mods}-row modifications CSV: {import_s:.2f} s "
        f"(target ≤ 5 s: {'PASS' if import_s <= 5 else 'FAIL'}) — {result.summary_text()[:120]}"
    )
    print(f"resident memory: {rss_mb:.0f} MB (target ≤ 250 MB: {'PASS' if rss_mb <= 250 else 'FAIL'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
