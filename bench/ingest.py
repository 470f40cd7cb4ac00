"""Report ingestion benchmark: per-table recall and precision of ``secbot ingest`` on the three seed
reports (as text and as PDFs made from them), and the time to ingest a report of about 20 pages
(the seed texts written into one PDF) beside the baseline measured in the same run: extracting the
same PDF's text with pypdf alone, which every ingest has to do first. Target: ≤ 3 s.
Usage: python bench/ingest.py [--pages N] [--rounds N]"""

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="about how many pages the timed report has")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        print("Recall / precision per table (tables whose reader is not written yet show 0% recall):")
        for seed in sorted(REPORTS.glob("*.txt")):
            pdf = write_pdf(seed.read_text(encoding="utf-8"), work / f"{seed.stem}.pdf")
            for path in (seed, pdf):
                scores = score(ingest(path).data, load(SAMPLE / f"{seed.stem}.yaml"))
                print(f"  {path.name}")
                for result in scores.values():
                    if result.expected or result.derived:
                        print(f"    {result.line()}")
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt")))
        big = write_pdf(text, work / "long.pdf")
        repeat = max(1, round(args.pages / max(1, _pages(big))))
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
