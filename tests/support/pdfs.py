"""PDFs made from the seed report texts with fpdf2, so the PDF path of ``secbot ingest`` runs in CI.

A real report's PDF shows no Markdown, so each cleaned line (``document.lines_of``) is written as a
paragraph, list items with a bullet, table rows with their cells between bars; long lines wrap as the
page width makes them, and the reader has to join them again."""

from __future__ import annotations

from pathlib import Path

from secbot.ingest.document import lines_of

_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path(__file__).resolve().parents[2]
    / ".venv/lib/python3.11/site-packages/matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf",
)


def font() -> Path | None:
    for candidate in _FONTS:
        if candidate.is_file():
            return candidate
    try:
        import matplotlib

        bundled = Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"
        return bundled if bundled.is_file() else None
    except ImportError:
        return None


def write_pdf(text: str, path: Path, *, repeat: int = 1) -> Path:
    """``text`` (a report as text) written to ``path`` as a PDF; ``repeat`` copies of its body make a
    longer report for timing."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("DejaVu", fname=str(font()))
    pdf.set_font("DejaVu", size=10)
    pdf.add_page()
    lines = lines_of(text)
    for _copy in range(repeat):
        for line in lines:
            shown = f"• {line.text}" if line.bullet else line.text
            pdf.multi_cell(0, 5, shown, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    pdf.output(str(path))
    return path
