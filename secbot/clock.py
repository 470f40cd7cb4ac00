"""The one notion of "today": Europe/London by default, overridable for "as the register stood then".

Everything that depends on the date asks a ``Clock``; tests and users set ``--today`` or
``SECBOT_TODAY`` instead of patching time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    zone: ZoneInfo
    fixed_today: dt.date | None = None

    def today(self) -> dt.date:
        if self.fixed_today is not None:
            return self.fixed_today
        return dt.datetime.now(self.zone).date()

    def now(self) -> dt.datetime:
        if self.fixed_today is not None:
            return dt.datetime.combine(self.fixed_today, dt.time(9, 0), tzinfo=self.zone)
        return dt.datetime.now(self.zone)
