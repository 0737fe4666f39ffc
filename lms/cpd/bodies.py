"""Accrediting bodies, the credits a course carries with each, and learners' registration
numbers with them. Services flush, never commit; every change leaves an audit event."""
import re
from decimal import Decimal

from babel import Locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.audit.services import record_event
from lms.cpd.errors import Invalid
from lms.cpd.models import AccreditingBody, CourseCredit, LearnerRegistration
from lms.extensions import db
from lms.policy import Forbidden, can
from lms.timeutil import utcnow

# A course rarely carries more than a week of full days; more is a typing error.
MAX_COURSE_CREDITS = Decimal(1000)
MAX_STEP = Decimal(100)
MAX_DAILY_CAP = Decimal(100)
REGISTRATION_MAX_LENGTH = 64


def _authorize(actor, action, target=None):
    if actor is not None and not can(actor, action, target):
        raise Forbidden(action)


def countries():
    """ISO 3166-1 alpha-2 codes Babel knows (not regions such as "001" or "EU")."""
    return {code for code in Locale("en").territories if len(code) == 2 and code.isalpha() and code.isupper()
            and code not in ("EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ")}


def _two_decimals(value, field, minimum_exclusive=Decimal(0), maximum=None):
    if value is None:
        return None
    value = Decimal(value)
    if value <= minimum_exclusive or (maximum is not None and value > maximum):
        raise Invalid(_l("Give a number greater than 0 and at most %(max)s.", max=maximum), field)
    if value != value.quantize(Decimal("0.01")):
        raise Invalid(_l("Give the number with at most two decimals."), field)
    return value.quantize(Decimal("0.01"))


def compiled_pattern(pattern):
    """``pattern`` as a compiled regular expression, or None when it is empty. ASCII: ``\\d``
    is 0-9 only, not every script's digits, as a registration office means it.

    :raises Invalid: it does not compile
    """
    pattern = (pattern or "").strip()
    if not pattern:
        return None
    try:
        return re.compile(pattern, re.ASCII)
    except (re.error, RecursionError, OverflowError):
        raise Invalid(_l("The format is not a valid regular expression."), "registration_pattern") from None


def _checked_fields(name, country, unit_name, rounding_step, daily_cap, registration_pattern,
                    registration_example, body_id=None):
    name, unit_name = (name or "").strip(), (unit_name or "").strip()
    country = (country or "").strip().upper()
    example = (registration_example or "").strip()
    if not name or len(name) > 200:
        raise Invalid(_l("Give the body a name (at most 200 characters)."), "name")
    taken = db.session.scalar(select(AccreditingBody.id).where(func.lower(AccreditingBody.name) == name.lower()))
    if taken is not None and taken != body_id:
        raise Invalid(_l("There is already an accrediting body named “%(name)s”.", name=name), "name")
    if country not in countries():
        raise Invalid(_l("Give the country as a two-letter ISO code, for example LV or NO."), "country")
    if not unit_name or len(unit_name) > 60:
        raise Invalid(_l("Give the unit's name, for example “CPD hours” (at most 60 characters)."), "unit_name")
    step = _two_decimals(rounding_step, "rounding_step", maximum=MAX_STEP)
    cap = _two_decimals(daily_cap, "daily_cap", maximum=MAX_DAILY_CAP)
    if len((registration_pattern or "").strip()) > 200:
        raise Invalid(_l("The format may be at most 200 characters long."), "registration_pattern")
    compiled = compiled_pattern(registration_pattern)
    if len(example) > REGISTRATION_MAX_LENGTH:
        raise Invalid(_l("The example may be at most %(max)s characters long.", max=REGISTRATION_MAX_LENGTH),
                      "registration_example")
    if compiled is not None and example and not compiled.fullmatch(example):
        raise Invalid(_l("The example does not match the format."), "registration_example")
    return {
        "name": name, "country": country, "unit_name": unit_name, "rounding_step": step, "daily_cap": cap,
        "registration_pattern": compiled.pattern if compiled is not None else None,
        "registration_example": example,
    }


def create_body(actor, **fields):
    """A new accrediting body (site admins only).

    :param fields: name, country, unit_name, rounding_step, daily_cap (None: none),
        registration_pattern (None/empty: any number), registration_example
    :raises Forbidden: not a site admin
    :raises Invalid: a field is missing or wrong (``field`` names it)
    """
    _authorize(actor, "cpd.manage")
    body = AccreditingBody(**_checked_fields(**fields))
    db.session.add(body)
    db.session.flush()
    record_event("cpd.body_created", body, actor=actor, **_described(body))
    return body


def update_body(actor, body, **fields):
    """Change a body's settings; entries already in ledgers keep their amounts."""
    _authorize(actor, "cpd.manage")
    values = _checked_fields(body_id=body.id, **fields)
    before = _described(body)
    for key, value in values.items():
        setattr(body, key, value)
    db.session.flush()
    after = _described(body)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        record_event("cpd.body_changed", body, actor=actor, changed=changed)
    return body


def _described(body):
    def number(value):
        return None if value is None else str(value)

    return {"name": body.name, "country": body.country, "unit_name": body.unit_name,
            "rounding_step": number(body.rounding_step), "daily_cap": number(body.daily_cap),
            "registration_pattern": body.registration_pattern, "registration_example": body.registration_example}


def all_bodies():
    return db.session.scalars(select(AccreditingBody).order_by(AccreditingBody.name)).all()


def credits_of_body(body):
    return db.session.scalars(
        select(CourseCredit).where(CourseCredit.body_id == body.id).order_by(CourseCredit.id)
    ).all()


def credits_of_course(course_id):
    """The course's CourseCredit rows (with their bodies), by body name."""
    return db.session.scalars(
        select(CourseCredit).join(CourseCredit.body).where(CourseCredit.course_id == course_id)
        .order_by(AccreditingBody.name)
    ).all()


def set_course_credit(actor, course, body, amount):
    """The credits ``course`` carries with ``body`` (added or changed). Ledger entries written
    before keep what they were credited.

    :raises Invalid: not more than 0 and at most MAX_COURSE_CREDITS, or over two decimals
    """
    _authorize(actor, "cpd.manage")
    amount = _two_decimals(amount, "amount", maximum=MAX_COURSE_CREDITS)
    if amount is None:
        raise Invalid(_l("Give the number of credits."), "amount")
    credit = db.session.scalar(
        select(CourseCredit).where(CourseCredit.course_id == course.id, CourseCredit.body_id == body.id))
    previous = None
    if credit is None:
        credit = CourseCredit(course_id=course.id, body_id=body.id, amount=amount)
        db.session.add(credit)
    else:
        previous = str(credit.amount)
        credit.amount = amount
    db.session.flush()
    record_event("cpd.course_credit_set", credit, actor=actor, course_id=course.id, body_id=body.id,
                 amount=str(amount), previous=previous)
    return credit


def remove_course_credit(actor, credit):
    """The course no longer carries credits with the body; the ledger keeps what was credited."""
    _authorize(actor, "cpd.manage")
    record_event("cpd.course_credit_removed", credit, actor=actor, course_id=credit.course_id,
                 body_id=credit.body_id, amount=str(credit.amount))
    db.session.delete(credit)
    db.session.flush()


# --------------------------------------------------------------------- registrations


def registrations_of(user):
    """{body_id: LearnerRegistration} of ``user``."""
    rows = db.session.scalars(select(LearnerRegistration).where(LearnerRegistration.user_id == user.id))
    return {row.body_id: row for row in rows}


def set_registration(actor, user, body, number):
    """Store ``user``'s registration number with ``body`` (an empty number removes it).

    :raises Forbidden: ``actor`` is not ``user`` (people keep their own numbers)
    :raises Invalid: too long, or not matching the body's format: nothing is stored
    :return: the LearnerRegistration, or None when removed
    """
    _authorize(actor, "cpd.claim", user)
    number = (number or "").strip()
    existing = db.session.scalar(select(LearnerRegistration).where(
        LearnerRegistration.user_id == user.id, LearnerRegistration.body_id == body.id))
    if not number:
        if existing is not None:
            record_event("cpd.registration_removed", existing, actor=actor, body_id=body.id)
            db.session.delete(existing)
            db.session.flush()
        return None
    if len(number) > REGISTRATION_MAX_LENGTH or any(not char.isprintable() for char in number):
        raise Invalid(_l("A registration number has at most %(max)s printable characters.",
                         max=REGISTRATION_MAX_LENGTH), "number")
    compiled = compiled_pattern(body.registration_pattern)
    if compiled is not None and not compiled.fullmatch(number):
        if body.registration_example:
            raise Invalid(_l("This is not a registration number of %(body)s. It looks like %(example)s.",
                             body=body.name, example=body.registration_example), "number")
        raise Invalid(_l("This is not a registration number of %(body)s.", body=body.name), "number")
    if existing is None:
        existing = LearnerRegistration(user_id=user.id, body_id=body.id, number=number)
        db.session.add(existing)
    elif existing.number == number:
        return existing
    else:
        existing.number = number
        existing.updated_at = utcnow()
    db.session.flush()
    record_event("cpd.registration_set", existing, actor=actor, body_id=body.id, number=number)
    return existing
