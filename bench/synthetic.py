"""A synthetic register of N modifications with ~20 timeline events each, for benchmarks.

Modifications go through the real CSV importer (so its time is measured); the bulk of events,
meetings, assessments and releases are inserted with SQLAlchemy Core, which is not what is measured.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from sqlalchemy import func, insert, select, update

from secbot.store.db import Store
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Event,
    Meeting,
    Modification,
    RegisterState,
    Release,
    ReleaseScope,
    Source,
    Vote,
)

WORDS = [
    "firmware",
    "smart",
    "meter",
    "alert",
    "tariff",
    "prepayment",
    "gas",
    "electricity",
    "network",
    "supplier",
    "DCC",
    "SMKI",
    "certificate",
    "communications",
    "hub",
    "release",
    "settlement",
    "voltage",
    "outage",
    "switching",
    "forecasting",
    "security",
    "privacy",
    "testing",
    "inventory",
    "display",
    "register",
    "debt",
    "credit",
    "consolidation",
    "retail",
    "code",
    "review",
    "metrics",
    "bulk",
    "returns",
]
ORGS = (
    "DCC",
    "British Gas",
    "EDF",
    "E.ON",
    "Octopus Energy",
    "SSE",
    "Npower",
    "Northern PowerGrid",
    "UKPN",
    "Citizens Advice",
    "Ovo",
    "ScottishPower",
)
PHASES = ("Define", "Refine", "Report Phase", "Change Board", "Decision", "Implementation", "Closed")
START = dt.date(2015, 1, 5)


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()


def write_modifications_csv(path: Path, count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    references = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Reference", "Title", "Proposer", "Organisation", "Date Raised", "Stage", "Status", "Issue summary"]
        )
        for number in range(1, count + 1):
            reference = f"MP{number:03d}"
            references.append(reference)
            raised = START + dt.timedelta(days=rng.randint(0, 3500))
            phase = rng.choice(PHASES)
            summary = " ".join(rng.choice(WORDS) for _ in range(40))
            writer.writerow(
                [
                    reference,
                    _title(rng),
                    f"Person {rng.randint(1, 400)}",
                    rng.choice(ORGS),
                    raised.isoformat(),
                    phase,
                    phase,
                    summary,
                ]
            )
    return references


def add_history(store: Store, events_per_mod: int = 20, seed: int = 11) -> dict[str, int]:
    """Events, meetings with agendas, consultations, assessments, votes and releases for every mod."""
    rng = random.Random(seed)
    with store.engine.begin() as conn:
        conn.execute(insert(Source).values(key="bench", title="Benchmark history", issued=dt.date(2026, 1, 1)))
        mods = conn.execute(select(Modification.id, Modification.raised)).all()
        events, assessments, consultations, votes = [], [], [], []
        for mod_id, raised in mods:
            raised = raised or START
            for i in range(events_per_mod):
                day = raised + dt.timedelta(days=15 * i + rng.randint(0, 10))
                events.append(
                    {
                        "modification_id": mod_id,
                        "date": day,
                        "kind": "note",
                        "text": f"Event {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                        "source": "bench",
                    }
                )
            accepted = raised + dt.timedelta(days=rng.randint(20, 200))
            returned = accepted + dt.timedelta(days=rng.randint(20, 120)) if rng.random() > 0.05 else None
            assessments.append(
                {
                    "modification_id": mod_id,
                    "kind": "IA",
                    "round": 1,
                    "accepted": accepted,
                    "returned": returned,
                    "target_wd": 40,
                    "source": "bench",
                }
            )
            if rng.random() < 0.3:
                opens = raised + dt.timedelta(days=rng.randint(30, 400))
                consultations.append(
                    {
                        "modification_id": mod_id,
                        "kind": "refinement",
                        "round": 1,
                        "opens": opens,
                        "closes": opens + dt.timedelta(days=21),
                        "source": "bench",
                    }
                )
            if rng.random() < 0.4:
                votes.append(
                    {
                        "modification_id": mod_id,
                        "date": raised + dt.timedelta(days=rng.randint(200, 700)),
                        "outcome": rng.choice(["approved", "rejected", "recommend_approval"]),
                        "source": "bench",
                    }
                )
        for table, rows in ((Event, events), (Assessment, assessments), (Consultation, consultations), (Vote, votes)):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start : start + 5000])
        mod_ids = [m for m, _ in mods]
        day = START
        meeting_rows = []
        while day < dt.date(2030, 1, 1):
            meeting_rows.append({"kind": "working_group", "date": day, "source": "bench"})
            day += dt.timedelta(days=28)
        conn.execute(insert(Meeting), meeting_rows)
        meeting_ids = conn.scalars(select(Meeting.id)).all()
        items = [
            {"meeting_id": mid, "modification_id": rng.choice(mod_ids), "position": p, "source": "bench"}
            for mid in meeting_ids
            for p in range(8)
        ]
        unique = {(i["meeting_id"], i["modification_id"]): i for i in items}
        conn.execute(insert(AgendaItem), list(unique.values()))
        for year in range(2016, 2030):
            release_id = conn.execute(
                insert(Release)
                .values(name=f"November {year} SEC Release", date=dt.date(year, 11, 5), source="bench")
                .returning(Release.id)
            ).scalar_one()
            chosen = rng.sample(mod_ids, 30)
            conn.execute(
                insert(ReleaseScope),
                [
                    {
                        "release_id": release_id,
                        "modification_id": m,
                        "position": p,
                        "status": "approved",
                        "source": "bench",
                    }
                    for p, m in enumerate(chosen)
                ],
            )
        conn.execute(update(RegisterState).where(RegisterState.id == 1).values(revision=RegisterState.revision + 1))
        counts = {
            "modifications": len(mods),
            "events": len(events),
            "assessments": len(assessments),
            "meetings": len(meeting_rows),
            "agenda_items": conn.scalar(select(func.count()).select_from(AgendaItem)),
        }
    return counts
