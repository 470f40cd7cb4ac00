"""Digest ``Document`` → Markdown or HTML, through the Jinja2 templates in ``templates/``.

``render(document, "md")`` gives plain Markdown for chat and terminals; ``render(document, "html")``
gives a standalone page fit to print or email (inline CSS, tables, charts as ``data:`` PNGs), with
autoescaping on.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from secbot.digests.chart import chart_data_uri
from secbot.digests.document import Document
from secbot.formatting import long_date

FORMATS = ("md", "html")
_TEMPLATES = Path(__file__).parent / "templates"


def _md_cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks flattened."""
    return " ".join(str(value).split()).replace("|", r"\|")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters["long_date"] = long_date
    env.filters["md_cell"] = _md_cell
    env.globals["chart_data_uri"] = chart_data_uri
    return env


def render(document: Document, fmt: str = "md") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown digest format {fmt!r} (use one of {', '.join(FORMATS)})")
    text = _environment().get_template(f"{document.kind}.{fmt}.j2").render(doc=document)
    if fmt == "md":
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text
