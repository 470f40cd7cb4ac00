"""Admin change benchmark: what a change from chat costs on a 10,000-modification register.

Through ``App.answer`` as a SECAS admin: a preview (``set <ref> status …``, which needs Confirm), its
Confirm (the change, its audit row and the revision bump in one transaction under the importers'
lock), and the first status question after the change, which rebuilds the search index the new
revision invalidated, and one a second later (``secbot serve``'s refresher thread has rebuilt it by
then; ``--no-keep-fresh`` runs without it); beside a warm status question and a bare primary-key SELECT measured in the
same run, the baseline every figure is a ratio to. Usage: python bench/changes.py [--mods N]
[--runs N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import percentile, synthetic_store
from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.settings import Settings
from secbot.store.models import Modification
from secbot.store.queries import Register

ADMIN = Actor("slack", "T0001:UADMIN")
HERE = Where("slack", "T0001:CSECAS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument(
        "--no-keep-fresh",
        dest="keep_fresh",
        action="store_false",
        help="without the index refresher thread that `secbot serve` runs",
    )
    args = parser.parse_args()

    built = synthetic_store(args.mods, args.database_url)
    store, engine, references, url = built.store, built.store.engine, built.references, built.url

    settings = Settings(database_url=url, admins=[f"slack:{ADMIN.user_id}"], load_sample=False)
    app = App(settings, store, Register(store, Clock(ZoneInfo("Europe/London"), dt.date(2024, 6, 11))))
    ask = lambda typed: app.answer(typed, ADMIN, HERE)  # noqa: E731
    rng = random.Random(5)
    table = Modification.__table__

    def bare_select(mod_id: int) -> None:
        with engine.connect() as conn:
            conn.execute(select(table).where(table.c.id == mod_id)).first()

    stop = threading.Event()
    if args.keep_fresh:  # as `secbot serve` runs it
        threading.Thread(target=store.index_cache.keep_fresh, args=(store.sessions, stop), daemon=True).start()
    for warm in range(30):
        bare_select(warm + 1)
        ask(references[warm])
    samples: dict[str, list[float]] = {
        name: [] for name in ("baseline", "warm", "preview", "confirm", "after", "second")
    }

    def timed(name: str, fn):
        start = time.perf_counter()
        value = fn()
        samples[name].append((time.perf_counter() - start) * 1000)
        return value

    for run in range(args.runs):
        ref = rng.choice(references)
        timed("baseline", lambda: bare_select(rng.randint(1, args.mods)))
        timed("warm", lambda: ask(rng.choice(references)))
        preview = timed("preview", lambda: ask(f"set {ref} status Benchmark status {run}"))  # noqa: B023
        [confirm] = [a.command for a in preview.actions if a.command.startswith("confirm ")]
        done = timed("confirm", lambda: ask(confirm))  # noqa: B023
        assert done.title.startswith("Done:"), done.title
        card = timed("after", lambda: ask(ref))  # noqa: B023
        assert f"Benchmark status {run}" in str(card.to_dict()), "the change is not in the next answer"
        second = ask(f"set {ref} status Second {run}").actions[0].command
        timed("confirm", lambda: ask(second))  # noqa: B023
        time.sleep(1.2)
        card = timed("second", lambda: ask(ref))  # noqa: B023
        assert f"Second {run}" in str(card.to_dict()), "the change is not in the answer a second later"
    stop.set()

    base = statistics.median(samples["baseline"])
    print(f"secbot admin change benchmark — {engine.dialect.name}, {args.mods} modifications, {args.runs} changes")
    print(f"{'step':52} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9}")
    names = {
        "baseline": "bare PK SELECT (baseline)",
        "warm": "status question, warm",
        "preview": "preview (`set <ref> status …`, kept for Confirm)",
        "confirm": "Confirm (change + audit row + revision, one txn)",
        "after": "status question at once after it (index rebuilt)",
        "second": "status question 1 s after a change",
    }
    for key, label in names.items():
        p50, p99 = percentile(samples[key], 50), percentile(samples[key], 99)
        print(f"{label:52} {p50:8.2f} {p99:8.2f} {p50 / base:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
