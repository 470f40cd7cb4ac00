"""The two day-count rules: SECAS report durations, and deadline working days."""

import datetime as dt

import pytest

from secbot.workdays import (
    add_deadline_working_days,
    deadline_working_days_between,
    end_of_previous_month,
    is_deadline_working_day,
    report_average_wd,
    report_duration_wd,
)

MAY_END = dt.date(2021, 5, 31)


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [
        (dt.date(2020, 12, 1), 130),  # MP107 IA
        (dt.date(2021, 4, 12), 36),  # SECMP0024 IA
        (dt.date(2021, 5, 10), 16),  # MP078 IA
        (dt.date(2021, 5, 12), 14),  # MP104 IA
    ],
)
def test_report_durations_reproduce_the_june_2021_report(accepted, expected):
    assert report_duration_wd(accepted, MAY_END) == expected


def test_report_rule_keeps_bank_holidays_and_counts_inclusively():
    # 31 May 2021 was the Spring Bank Holiday: the report rule still counts it.
    assert report_duration_wd(MAY_END, MAY_END) == 1
    assert report_duration_wd(dt.date(2021, 5, 29), dt.date(2021, 5, 30)) == 0  # a weekend


def test_a_report_duration_that_cannot_be_counted_is_unknown_not_zero():
    assert report_duration_wd(dt.date(2021, 6, 2), dt.date(2021, 6, 1)) is None  # ends before it starts
    assert report_duration_wd(None, MAY_END) is None  # no accepted date
    assert report_duration_wd(MAY_END, None) is None


def test_report_averages_leave_unknown_durations_out_and_count_them():
    assert report_average_wd([130, 36, 16, 14]) == (49, 0)  # the June 2021 report's open IAs
    assert report_average_wd([22, 23, None, None]) == (23, 2)  # 22.5 rounds half up, as the report does
    assert report_average_wd([None, None]) == (None, 2)
    assert report_average_wd([]) == (None, 0)


def test_deadline_rule_skips_weekends_and_england_bank_holidays():
    assert not is_deadline_working_day(MAY_END)
    # Friday 28 May 2021 -> Tuesday 1 June: the weekend and the bank holiday are skipped.
    assert add_deadline_working_days(dt.date(2021, 5, 28), 1) == dt.date(2021, 6, 1)
    assert deadline_working_days_between(dt.date(2021, 5, 28), dt.date(2021, 6, 2)) == 2
    # Christmas 2026: 25 Dec is Friday, 28 Dec the Boxing Day substitute.
    assert add_deadline_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert add_deadline_working_days(dt.date(2026, 12, 29), -1) == dt.date(2026, 12, 24)


def test_reporting_month_end():
    assert end_of_previous_month(dt.date(2021, 6, 11)) == MAY_END
    assert end_of_previous_month(dt.date(2021, 3, 1)) == dt.date(2021, 2, 28)
