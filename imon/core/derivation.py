"""Which inputs a share or rate is computed from: one rule for computing and for suppressing.

A numerator is paired with the denominator of the same area and breakdown (or the denominator's
total, when the denominator is not broken down) at the same reference date, else the latest
earlier one; the result carries the lower of the two dates, which is the denominator's. Where
several numerators meet the same denominator (2018 and 2019 over a population of 2017), the one
nearest to it wins: a result stands for one date only.
"""

import bisect


def numerator_date(den_date, numerator_dates: list, denominator_dates: list):
    """The date of the numerator that a result at `den_date` was computed from (the earliest
    numerator date from `den_date` on, before the next denominator date), or None. Both lists sorted."""
    following = bisect.bisect_right(denominator_dates, den_date)
    limit = denominator_dates[following] if following < len(denominator_dates) else None
    at = bisect.bisect_left(numerator_dates, den_date)
    if at < len(numerator_dates) and (limit is None or numerator_dates[at] < limit):
        return numerator_dates[at]
    return None


def input_keys(key: tuple, numerator: str, denominator: str, dates: dict) -> tuple:
    """(numerator key, denominator key) of the derived cell `key` = (indicator, area, date, dim_key),
    each None where no such input exists; `dates` maps (indicator, area, dim_key) to the sorted
    reference dates that indicator has there."""
    _indicator, area, date, dim_key = key
    den_dims = dim_key if (denominator, area, dim_key) in dates else ""
    den_dates = dates.get((denominator, area, den_dims), [])
    den_key = (denominator, area, date, den_dims) if date in den_dates else None
    num_date = numerator_date(date, dates.get((numerator, area, dim_key), []), den_dates)
    num_key = (numerator, area, num_date, dim_key) if num_date is not None else None
    return num_key, den_key
