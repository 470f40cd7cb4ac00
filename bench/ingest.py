"""Report ingestion benchmark: per-table recall and precision of ``secbot ingest`` on each set of
reports with the facts a person took from them: the three seed reports (as text and as PDFs made from
them) against the bundled sample files, and each folder of reports the reader was not built on
(``tests/reports/<set>/``, a ``.yaml`` of expected facts beside each report), with the set's totals;
then the time to ingest a report of at least 20 pages (the seed texts written into one PDF) beside the
baseline measured in the same run: extracting the same PDF's text with pypdf alone, which every ingest
has to do first. Targets: recall ≥ 95%, precision ≥ 98%, ≤ 3 s.
Usage: python bench/ingest.py [--pages N] [--rounds N] [--quiet]"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import timed  # noqa: E402
from secbot.ingest.document import read_text  # noqa: E402
from secbot.ingest.report import ingest  # noqa: E402
from tests.support.pdfs import write_pdf  # noqa: E402
from tests.support.recall import load, score  # noqa: E402

REPORTS = ROOT / "tests" / "reports"
SAMPLE = ROOT / "secbot" / "store" / "sample"


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def _sets() -> list[tuple[str, list[tuple[Path, Path]]]]:
    """(name, [(report, its expected facts)]) for the seeds and every folder of reports beside them."""
    sets = [("seed reports", [(seed, SAMPLE / f"{seed.stem}.yaml") for seed in sorted(REPORTS.glob("*.txt"))])]
    for folder in sorted(p for p in REPORTS.iterdir() if p.is_dir()):
        pairs = [(r, r.with_suffix(".yaml")) for r in sorted(folder.glob("*.txt")) if r.with_suffix(".yaml").exists()]
        if pairs:
            sets.append((f"{folder.name} reports", pairs))
    return sets


def _scored(name: str, pairs: list[tuple[Path, Path]], work: Path, quiet: bool) -> None:
    right = expected = derived = 0
    print(f"\n{name}:")
    for report, facts in pairs:
        pdf = write_pdf(report.read_text(encoding="utf-8"), work / f"{report.stem}.pdf")
        for path in (report, pdf):
            scores = score(ingest(path).data, load(facts))
            if not quiet:
                print(f"  {path.name}")
            for result in scores.values():
                right, expected, derived = right + result.right, expected + result.expected, derived + result.derived
                if not quiet and (result.expected or result.derived):
                    print(f"    {result.line()}")
    recall, precision = right / max(1, expected), right / max(1, derived)
    print(
        f"  {name}, all tables, text and PDF: recall {recall:.1%} ({right}/{expected}), "
        f"precision {precision:.1%} ({right}/{derived})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="about how many pages the timed report has")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quiet", action="store_true", help="only each set's totals")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        print("Recall / precision per table")
        for name, pairs in _sets():
            _scored(name, pairs, work, args.quiet)
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt")))
        big = write_pdf(text, work / "long.pdf")
        repeat = max(1, -(-args.pages // max(1, _pages(big))))  # enough copies for at least --pages pages
        big = write_pdf(text, work / "long.pdf", repeat=repeat)
        pages = _pages(big)
        baseline = timed(read_text, [big], args.rounds)
        full = timed(ingest, [big], args.rounds)
        base_ms, full_ms = statistics.median(baseline), statistics.median(full)
        print(f"\nA {pages}-page report ({big.stat().st_size:,} bytes), median of {args.rounds}:")
        print(f"  pypdf text extraction alone (baseline): {base_ms:8.0f} ms")
        print(
            f"  secbot ingest (read, all readers, checks): {full_ms:8.0f} ms  ({full_ms / base_ms:.2f}x the baseline)"
        )
        print(f"  target ≤ 3000 ms: {'met' if full_ms <= 3000 else 'NOT MET'}")
        return 0 if full_ms <= 3000 else 1


if __name__ == "__main__":
    sys.exit(main())
