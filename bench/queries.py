"""Query benchmark: status, search, `wg next` and `dcc open` on a 10,000-modification register.

Prints p50/p99 of each command through the dispatcher, each as a ratio to a bare primary-key
SELECT through SQLAlchemy Core measured in the same run; the import time of a 10,000-row CSV; and
the process's resident memory. Usage: python bench/queries.py [--mods N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import percentile, synthetic_store
from bench.synthetic import WORDS, add_history
from secbot.clock import Clock
from secbot.commands import Context, dispatch
from secbot.store.models import Modification
from secbot.store.queries import Register

TARGETS_MS = {"status": 10.0, "search": 30.0}


def timed(fn, inputs: list) -> list[float]:
    samples = []
    for item in inputs:
        start = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    built = synthetic_store(args.mods, args.database_url)
    store, engine, references = built.store, built.store.engine, built.references
    import_s, result = built.import_seconds, built.import_result
    counts = add_history(store)

    register = Register(store, Clock(ZoneInfo("Europe/London"), dt.date(2024, 6, 11)))
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

    base = statistics.median(results["bare PK SELECT (baseline)"])
    rss_mb = psutil.Process().memory_info().rss / 2**20
    print(
        f"secbot query benchmark — {engine.dialect.name}, {counts['modifications']} modifications, "
        f"{counts['events']} events, {counts['agenda_items']} agenda items"
    )
    print(f"{'query':30} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9} {'p99/base':>9}  target")
    for name, samples in results.items():
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        key = name.split()[0]
        target = TARGETS_MS.get(key)
        verdict = "" if target is None else (f"p99 ≤ {target:g} ms: {'PASS' if p99 <= target else 'FAIL'}")
        print(f"{name:30} {p50:8.2f} {p99:8.2f} {p50 / base:9.1f} {p99 / base:9.1f}  {verdict}")
    print(f"search index build (once per register revision): {index_build_ms:.0f} ms")
    print(
        f"import of a {args.mods}-row modifications CSV: {import_s:.2f} s "
        f"(target ≤ 5 s: {'PASS' if import_s <= 5 else 'FAIL'}) — {result.summary_text()[:120]}"
    )
    print(f"resident memory: {rss_mb:.0f} MB (target ≤ 200 MB: {'PASS' if rss_mb <= 200 else 'FAIL'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
