"""A small register of consultations around the Spring bank holiday, Monday 31 May 2021.

The bundled sample register dates no consultation window (its consultations are "expected"), so the
consultations digest, its filters, its chat rendering and the calendar are tested on this one.
"""

from __future__ import annotations

from pathlib import Path

from secbot.store.db import Store
from secbot.store.importer.loader import import_paths
from tests.support.files import write

CONSULTATIONS_YAML = """
source: {key: TEST-2021-05, title: Test register, issued: 2021-05-01}
modifications:
  - {reference: MP901, title: Closes after the bank holiday, phase: Refine, status: Refinement}
  - reference: MP902
    title: Report with a SECAS page
    phase: Report Phase
    status: Modification Report Consultation
    url: https://www.smartenergycodecompany.co.uk/modifications/mp902/
  - {reference: MP903, title: Closes on the Wednesday, phase: Refine}
  - {reference: MP904, title: Opens on a Saturday, phase: Refine}
  - {reference: MP905, title: Closes on a Saturday, phase: Refine}
consultations:
  - reference: MP901
    kind: refinement
    opens: 2021-05-10
    closes: 2021-06-01
    url: https://example.org/consultations/mp901
    note: Use the response form.
  - {reference: MP902, kind: modification_report, opens: 2021-05-26, closes: 2021-06-16}
  - {reference: MP903, kind: refinement, opens: 2021-05-05, closes: 2021-05-26}
  - {reference: MP904, kind: refinement, opens: 2021-05-29, closes: 2021-06-18}
  - {reference: MP905, kind: refinement, opens: 2021-05-17, closes: 2021-06-05}
releases:
  - name: November 2021 SEC Release
    date: 2021-11-04
    scope: [{reference: MP902, status: targeted}]
"""


def load_consultations(store: Store, tmp_path: Path) -> Store:
    """Import the test register above into an empty store."""
    import_paths(store, [write(tmp_path / "consultations.yaml", CONSULTATIONS_YAML)])
    return store
