"""Credit cycles: an accrediting body's periods over which a learner must earn its required
credits, how far a learner has come in each, and the entries a statement lists.

A cycle is [starts_on, cycle_end(starts_on, years)): the first day counts, the day after the
last does not (lms.cpd.rules). Only credited entries count; a void entry (its certificate was
revoked) stays in the ledger but never in a cycle's sum or statement.

The admin services check ``cpd.cycle.manage`` through the policy (raising
:class:`lms.policy.Forbidden`), flush (never commit) and record an audit event with the old
and new values.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.audit.services import record_event
from lms.cpd.models import AccreditingBody, CreditCycle, CreditEntry, LearnerRegistration
from lms.cpd.rules import cycle_end, in_cycle
from lms.extensions import db
from lms.policy import Forbidden, can

MIN_YEARS, MAX_YEARS = 1, 10
MAX_REQUIRED = Decimal("10000")  # no body asks for more; the column holds up to 99999.99


class CycleError(Exception):
    """A refused change, with a message for the person who asked and its HTTP status."""

    status = 422

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Conflict(CycleError):
    status = 409


@dataclass(frozen=True)
class CycleStanding:
    """A learner's credits in one cycle of one body."""

    cycle: CreditCycle
    body: AccreditingBody
    starts_on: date
    last_day: date  # the cycle's last day (inclusive), as people write periods
    earned: Decimal
    required: Decimal
    state: str  # current | ended | upcoming
    registration: str | None  # the learner's registration number with the body

    @property
    def remaining(self):
        return max(self.required - self.earned, Decimal(0))

    @property
    def percent(self):
        """Earned against required, 0..100 (more than required shows as 100)."""
        if self.required <= 0:
            return 100
        return int(min(self.earned / self.required, Decimal(1)) * 100)

    @property
    def met(self):
        return self.earned >= self.required


def last_day(cycle):
    """The last day of ``cycle`` (the day before cycle_end)."""
    return cycle_end(cycle.starts_on, cycle.years) - timedelta(days=1)


def _state(cycle, today):
    if today < cycle.starts_on:
        return "upcoming"
    return "current" if in_cycle(today, cycle.starts_on, cycle.years) else "ended"


def _sum_in(rows, cycle):
    """The credited amounts of ``rows`` (body_id, earned_on, amount) within ``cycle``."""
    return sum((amount for body_id, earned_on, amount in rows
                if body_id == cycle.body_id and in_cycle(earned_on, cycle.starts_on, cycle.years)),
               Decimal(0))


def earned_in_cycle(user, cycle):
    """The credited amount ``user`` has with ``cycle``'s body dated within the cycle."""
    end = cycle_end(cycle.starts_on, cycle.years)
    amounts = db.session.scalars(
        select(CreditEntry.amount).where(
            CreditEntry.user_id == user.id, CreditEntry.body_id == cycle.body_id,
            CreditEntry.status == "credited",
            CreditEntry.earned_on >= cycle.starts_on, CreditEntry.earned_on < end,
        )
    ).all()
    return sum(amounts, Decimal(0))


def standing(user, cycle, today=None):
    """``user``'s :class:`CycleStanding` in ``cycle``."""
    today = today or date.today()
    registration = db.session.scalar(
        select(LearnerRegistration.number).where(LearnerRegistration.user_id == user.id,
                                                 LearnerRegistration.body_id == cycle.body_id))
    return CycleStanding(cycle=cycle, body=cycle.body, starts_on=cycle.starts_on, last_day=last_day(cycle),
                         earned=earned_in_cycle(user, cycle), required=cycle.required,
                         state=_state(cycle, today), registration=registration)


def standings(user, today=None):
    """``user``'s standing in every cycle of each body they hold a registration number with
    or have credits with: by body name, the newest cycle first. Three queries, whatever the
    number of bodies, cycles and entries."""
    today = today or date.today()
    registrations = dict(db.session.execute(
        select(LearnerRegistration.body_id, LearnerRegistration.number).where(LearnerRegistration.user_id == user.id)
    ).all())
    rows = db.session.execute(
        select(CreditEntry.body_id, CreditEntry.earned_on, CreditEntry.amount)
        .where(CreditEntry.user_id == user.id, CreditEntry.status == "credited")
    ).all()
    body_ids = set(registrations) | {row[0] for row in rows}
    if not body_ids:
        return []
    cycles = db.session.scalars(
        select(CreditCycle).join(AccreditingBody, AccreditingBody.id == CreditCycle.body_id)
        .where(CreditCycle.body_id.in_(body_ids))
        .options(selectinload(CreditCycle.body))
        .order_by(AccreditingBody.name, CreditCycle.starts_on.desc(), CreditCycle.id)
    ).all()
    return [
        CycleStanding(cycle=cycle, body=cycle.body, starts_on=cycle.starts_on, last_day=last_day(cycle),
                      earned=_sum_in(rows, cycle), required=cycle.required, state=_state(cycle, today),
                      registration=registrations.get(cycle.body_id))
        for cycle in cycles
    ]


def statement_entries(user, cycle):
    """The credited entries ``user`` has with ``cycle``'s body dated within the cycle, oldest
    first, with their evidence (certificate or external activity) loaded."""
    end = cycle_end(cycle.starts_on, cycle.years)
    return db.session.scalars(
        select(CreditEntry)
        .where(CreditEntry.user_id == user.id, CreditEntry.body_id == cycle.body_id,
               CreditEntry.status == "credited",
               CreditEntry.earned_on >= cycle.starts_on, CreditEntry.earned_on < end)
        .options(selectinload(CreditEntry.certificate), selectinload(CreditEntry.activity))
        .order_by(CreditEntry.earned_on, CreditEntry.id)
    ).all()



@dataclass(frozen=True)
class Evidence:
    """What backs an entry: its certificate (code) or the approved external activity."""

    kind: str  # certificate | external | none
    code: str | None = None
    provider: str | None = None
    approved_on: date | None = None


def evidence_of(entry):
    """The :class:`Evidence` of a credit entry."""
    if entry.source == "certificate" and entry.certificate is not None:
        return Evidence("certificate", code=entry.certificate.code)
    if entry.source == "external" and entry.activity is not None:
        decided = entry.activity.decided_at
        return Evidence("external", provider=entry.activity.provider,
                        approved_on=decided.date() if decided else None)
    return Evidence("none")

# ------------------------------------------------------------------------ administration


def _check(actor):
    if actor is not None and not can(actor, "cpd.cycle.manage"):
        raise Forbidden("cpd.cycle.manage")


def _validated(starts_on, years, required):
    if starts_on is None:
        raise CycleError(_l("Give the day the cycle starts."))
    if years is None or not MIN_YEARS <= years <= MAX_YEARS:
        raise CycleError(_l("A cycle lasts from %(min)s to %(max)s years.", min=MIN_YEARS, max=MAX_YEARS))
    if required is None or not Decimal(0) < Decimal(required) <= MAX_REQUIRED:
        raise CycleError(_l("The credits required must be more than 0 and at most %(max)s.", max=MAX_REQUIRED))
    return starts_on, years, Decimal(required).quantize(Decimal("0.01"))


def _values(cycle):
    return {"starts_on": cycle.starts_on.isoformat(), "years": cycle.years, "required": str(cycle.required)}


def _taken(body, starts_on):
    return _l("%(body)s already has a cycle starting on %(date)s.", body=body.name, date=starts_on.isoformat())


def create_cycle(actor, body, starts_on, years, required):
    """Add a cycle to ``body``.

    :param actor: the administrator (None: the system, e.g. the demo loader)
    :raises CycleError: a bad value (422); Conflict: the body has a cycle starting that day (409)
    :return: the new CreditCycle (flushed)
    """
    _check(actor)
    starts_on, years, required = _validated(starts_on, years, required)
    if db.session.scalar(select(CreditCycle.id).where(CreditCycle.body_id == body.id,
                                                      CreditCycle.starts_on == starts_on)) is not None:
        raise Conflict(_taken(body, starts_on))
    cycle = CreditCycle(body=body, starts_on=starts_on, years=years, required=required)
    try:
        with db.session.begin_nested():  # a concurrent creation hits the unique constraint
            db.session.add(cycle)
    except IntegrityError:
        raise Conflict(_taken(body, starts_on))
    record_event("cpd_cycle.created", cycle, actor=actor, body_id=body.id, old=None, new=_values(cycle))
    return cycle


def update_cycle(actor, cycle, starts_on, years, required):
    """Change ``cycle``'s start, length or credits required (statements follow at once: they
    are computed, never stored).

    :raises CycleError: a bad value (422); Conflict: another cycle of the body starts that day
    """
    _check(actor)
    starts_on, years, required = _validated(starts_on, years, required)
    old = _values(cycle)
    clash = db.session.scalar(select(CreditCycle.id).where(
        CreditCycle.body_id == cycle.body_id, CreditCycle.starts_on == starts_on, CreditCycle.id != cycle.id))
    if clash is not None:
        raise Conflict(_taken(cycle.body, starts_on))
    cycle.starts_on, cycle.years, cycle.required = starts_on, years, required
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_taken(cycle.body, starts_on))
    new = _values(cycle)
    if new != old:
        record_event("cpd_cycle.changed", cycle, actor=actor, body_id=cycle.body_id, old=old, new=new)
    return cycle


def delete_cycle(actor, cycle):
    """Remove ``cycle`` (nothing else refers to it: standings and statements are computed from
    the ledger, which stays as it is). The audit event keeps its values."""
    _check(actor)
    record_event("cpd_cycle.deleted", cycle, actor=actor, body_id=cycle.body_id, old=_values(cycle), new=None)
    db.session.delete(cycle)
    db.session.flush()


def cycles_by_body():
    """Every body with its cycles (newest first), by body name: the admin list."""
    bodies = db.session.scalars(select(AccreditingBody).order_by(AccreditingBody.name)).all()
    cycles = db.session.scalars(select(CreditCycle).order_by(CreditCycle.starts_on.desc(), CreditCycle.id)).all()
    grouped = {body.id: [] for body in bodies}
    for cycle in cycles:
        grouped.setdefault(cycle.body_id, []).append(cycle)
    return [(body, grouped[body.id]) for body in bodies]


def body_or_none(body_id):
    return db.session.get(AccreditingBody, body_id)


def cycle_or_none(cycle_id):
    return db.session.get(CreditCycle, cycle_id)

