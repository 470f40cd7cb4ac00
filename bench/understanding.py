"""Understanding benchmark: how many golden questions (tests/questions/golden.yaml) reach the right
command with the right facts (with the held-out files tuned on since they were first scored,
``TUNED``), how many held-out ones do (each file of ``HELD_OUT`` there is: written without seeing the
rules or the other files, never tuned on; a years file asks over the register of 2017), and what
reading a message costs.

Every question is asked through ``dispatch`` on the bundled sample register as of its latest report
(11 June 2021), or of the day the question names (``today``), scored as ``tests/test_questions.py``
scores it. The cost of reading a message is
``understand`` alone (the understander: normalising, slips, entities, rules), timed over every
question ``--rounds`` times; beside it, in the same run, the bare command-word look-up the old router
began with (``REGISTRY.match``) and the whole answer (``dispatch``), so the added cost reads as a share.
Usage: python bench/understanding.py [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import percentile, timed
from secbot.clock import Clock
from secbot.commands import Context, dispatch
from secbot.commands.dispatch import route
from secbot.commands.registry import REGISTRY
from secbot.commands.understanding import normalise, understand
from secbot.digests import commands  # noqa: F401  (registers the digest commands, as secbot.app does)
from secbot.store.db import make_engine
from secbot.store.opening import prepare_store
from secbot.store.queries import Register
from tests.support.questions import HELD_OUT, golden, miss

TODAY = dt.date(2021, 6, 11)
TARGET_RIGHT, TARGET_P99_MS = 0.95, 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    store = prepare_store(make_engine(f"sqlite:///{tempfile.mkdtemp(prefix='secbot-bench-')}/sample.db"))
    ctx = Context(Register(store, Clock(ZoneInfo("Europe/London"), TODAY)))

    def missed(questions: list) -> list[str]:
        return [
            found
            for q in questions
            if (found := miss(q, route(q.ask, q.today or TODAY)[0], dispatch(q.ask, ctx.as_of(q.today or TODAY))))
        ]

    questions = golden()  # golden.yaml and the held-out sets tuned on since they were first scored
    misses = missed(questions)
    right = 1 - len(misses) / len(questions)

    asked = [q.ask for q in questions]
    for text in asked:  # warm: compiled patterns, caches
        understand(text)
    results = {
        "command-word look-up (baseline)": timed(lambda t: REGISTRY.match(normalise(t)), asked, args.rounds),
        "understand (added per message)": timed(understand, asked, args.rounds),
        "whole answer (dispatch)": timed(lambda t: dispatch(t, ctx), asked, max(1, args.rounds // 10)),
    }
    base = percentile(results["command-word look-up (baseline)"], 50)
    print(f"secbot understanding benchmark — {len(questions)} golden questions, as of {TODAY:%d %B %Y}")
    print(
        f"answered right: {len(questions) - len(misses)} of {len(questions)} = {right:.1%} "
        f"(target ≥ {TARGET_RIGHT:.0%}: {'PASS' if right >= TARGET_RIGHT else 'FAIL'})"
    )
    for line in misses:
        print(f"  missed {line}")
    for path in (path for path in HELD_OUT if path.exists()):
        held_out = golden(path)
        held_misses = missed(held_out)
        print(
            f"held-out {path.name} (written without seeing the rules; never tuned on): "
            f"{len(held_out) - len(held_misses)} of {len(held_out)} = {1 - len(held_misses) / len(held_out):.1%}"
        )
        for line in held_misses:
            print(f"  missed {line}")
    print(f"{'what':34} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9}")
    for name, samples in results.items():
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        print(f"{name:34} {p50:8.3f} {p99:8.3f} {p50 / base:9.1f}")
    added = percentile(results["understand (added per message)"], 99)
    verdict = "PASS" if added <= TARGET_P99_MS else "FAIL"
    print(f"added per message p99: {added:.3f} ms (target ≤ {TARGET_P99_MS:g} ms: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
