"""The zone and the day the tests read the register in: Europe/London, and the day the sample register's
June 2021 Change Status Report was issued."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
REPORT_DAY = dt.date(2021, 6, 11)  # the June 2021 Change Status Report's issue date
