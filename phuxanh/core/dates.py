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
