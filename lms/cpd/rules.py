"""The ledger's arithmetic, pure: rounding to a body's step, the daily cap, cycles."""
from datetime import date
from decimal import ROUND_FLOOR, Decimal

MAX_ACTIVITY_CREDITS = Decimal(100)


def rounded(amount, step):
    """``amount`` rounded down to a multiple of ``step`` (None or 0: unchanged)."""
    amount = Decimal(amount)
    if not step:
        return amount
    step = Decimal(step)
    return ((amount / step).to_integral_value(rounding=ROUND_FLOOR) * step).quantize(Decimal("0.01"))


def credited(amount, step, daily_cap, already_that_day):
    """What counts of ``amount`` dated on a day that already has ``already_that_day``
    credited with the body: rounded down to the step, then cut to what the cap leaves."""
    value = rounded(amount, step)
    if daily_cap is not None:
        value = min(value, max(Decimal(daily_cap) - Decimal(already_that_day), Decimal(0)))
    return value.quantize(Decimal("0.01"))


def cycle_end(starts_on, years):
    """The first day after a cycle of ``years`` starting on ``starts_on`` (29 February
    starts end on 28 February)."""
    try:
        return starts_on.replace(year=starts_on.year + years)
    except ValueError:
        return date(starts_on.year + years, 2, 28)


def in_cycle(day, starts_on, years):
    return starts_on <= day < cycle_end(starts_on, years)
