"""The years phuxanh works in. An office plans and reports within FIRST_YEAR..LAST_YEAR;
outside them date arithmetic overflows (`0001-01-01T00:00+14:00` is before the first instant
Python can hold in UTC), so every parser of a date, time or period checks the year here."""

from __future__ import annotations

from phuxanh.core.errors import ValidationFailed

FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(year: int, flag: str, value: str) -> None:
    """Refuse a year outside FIRST_YEAR..LAST_YEAR, naming the flag and the value."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            code="date.year_out_of_range", field=flag, value=value, first=FIRST_YEAR, last=LAST_YEAR
        )


# days in each month of any year: 29/2 is not a day every year, so no yearly date uses it
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def day_of_year_problem(day: int, month: int) -> str | None:
    """Why day/month is not a date that comes every year (None: it is one)."""
    if not 1 <= month <= 12:
        return f"month {month} is not 1-12"
    if not 1 <= day <= MONTH_DAYS[month - 1]:
        return f"{day}/{month} is not a day of every year"
    return None
