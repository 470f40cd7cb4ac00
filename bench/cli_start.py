"""CLI start-up benchmark: how long `secbot ask MP161` and `secbot --help` take beside a bare Python start.

In one run, and in alternation so that drift on a noisy machine hits every command alike, it times
(a) ``python -c pass`` with this interpreter (the venv's), (b) ``python -c "import sqlalchemy"`` and
``python -c "import sqlalchemy.orm, pydantic_settings"`` (the libraries that ``ask`` cannot start
without) for reference, (c) ``secbot ask MP161`` against a SQLite database migrated and loaded with the sample
register before timing starts, and (d) ``secbot --help``. It prints each one's median and p90 and
the ratios of (c) and (d) to (a); issue 14 asks for ``ask`` within 12x a bare start.

``--importtime`` also runs ``python -X importtime -m secbot ask MP161`` once and prints what its
imports cost, summed per top-level package, and the slowest single imports.

Usage: .venv/bin/python bench/cli_start.py [--rounds 15] [--importtime] [--database-url URL]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import child_env, percentile

TARGET_RATIO = 12.0
FLOOR = "import sqlalchemy.orm, pydantic_settings"


def secbot_argv() -> list[str]:
    """The installed ``secbot`` script beside this interpreter (what a user runs), else ``python -m secbot``."""
    script = Path(sys.executable).with_name("secbot")
    return [sys.executable, str(script)] if script.exists() else [sys.executable, "-m", "secbot"]


def run(argv: list[str], env: dict[str, str], expect: str | None = None) -> float:
    """Seconds ``argv`` took from spawn to exit; raises if it failed or did not print ``expect``."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 or (expect is not None and expect not in result.stdout):
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed


def importtime_report(env: dict[str, str], top: int = 15) -> None:
    """What `secbot ask MP161`'s imports cost: self time summed per top-level package, and the slowest imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "secbot", "ask", "MP161"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    per_package: collections.Counter[str] = collections.Counter()
    cumulative: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        module = name.strip()
        per_package[module.split(".")[0]] += int(self_us)
        cumulative.append((int(cumulative_us), name.rstrip()))
    total = sum(per_package.values())
    print(f"\nimporttime of `secbot ask MP161`: {total / 1000:.0f} ms in {len(cumulative)} modules")
    print(f"{'package':<24}{'self ms':>9}")
    for package, self_us in per_package.most_common(top):
        print(f"{package:<24}{self_us / 1000:>9.1f}")
    print("\nslowest imports (cumulative ms, nesting as printed by -X importtime):")
    for cumulative_us, name in sorted(cumulative, reverse=True)[:top]:
        print(f"{cumulative_us / 1000:>9.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="times each command is run (default 15)")
    parser.add_argument("--importtime", action="store_true", help="also show what the imports of `ask` cost")
    parser.add_argument("--database-url", help="a database to use instead of a new SQLite file (it gets the sample)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="secbot-cli-start-") as work:
        url = args.database_url or f"sqlite:///{Path(work) / 'register.db'}"
        env = child_env({"SECBOT_DATABASE_URL": url, "SECBOT_DATA_DIR": work})
        secbot = secbot_argv()
        # Migrate and load the sample once, so that every timed `ask` finds the register ready.
        run([*secbot, "ask", "MP161"], env, expect="MP161")
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "python -c 'import sqlalchemy'": ([sys.executable, "-c", "import sqlalchemy"], None),
            # What no start of `ask` can avoid: the ORM under the query layer, and pydantic-settings under Settings.
            "python -c 'import <ask's libraries>'": ([sys.executable, "-c", FLOOR], None),
            "secbot ask MP161": ([*secbot, "ask", "MP161"], "MP161"),
            "secbot --help": ([*secbot, "--help"], "usage: secbot"),
        }
        for argv, expect in commands.values():  # warm the page cache and the bytecode caches
            run(argv, env, expect)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(args.rounds):
            names = list(commands)
            if round_number % 2:  # alternate the order too, so no command always follows the same one
                names.reverse()
            for name in names:
                argv, expect = commands[name]
                samples[name].append(run(argv, env, expect) * 1000)

        bare = statistics.median(samples["python -c pass"])
        print(f"CLI start, {args.rounds} rounds each, alternated ({sys.executable})")
        print(f"{'command':<40}{'median ms':>10}{'p90 ms':>9}{'x bare':>8}")
        for name, values in samples.items():
            median = statistics.median(values)
            print(f"{name:<40}{median:>10.1f}{percentile(values, 90):>9.1f}{median / bare:>8.1f}")
        ask_ratio = statistics.median(samples["secbot ask MP161"]) / bare
        verdict = "within" if ask_ratio <= TARGET_RATIO else "over"
        print(f"\nsecbot ask MP161 = {ask_ratio:.1f}x a bare Python start ({verdict} the {TARGET_RATIO:.0f}x target)")
        if args.importtime:
            importtime_report(env)


if __name__ == "__main__":
    main()
