"""Numbers, page numbers, ids and dates from requests: ASCII digits only, always within bounds.

Python's ``int()`` and ``str.isdigit()`` accept digits from every script ("²", "٣"), spaces and
underscores, and any size; a database refuses an id beyond its integer type, and a date near
year 1 or 9999 overflows as soon as a day is added. Everything a request brings in goes through
here (or through the WTForms fields and validators below), so bad input is a clear 400 or a form
error, never a 500.
"""
import re
from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from wtforms import DateField, DecimalField, IntegerField
from wtforms.validators import ValidationError

from lms.errors import abort_with

ASCII_DIGITS = re.compile(r"[0-9]{1,18}")  # 18 digits: no int this long parses slowly or overflows int64
MAX_ID = 2**31 - 1  # PostgreSQL's integer: the primary keys' type
MAX_PAGE = 100_000
# Dates people mean: training records start after 1900 and deadlines end before 2200.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)


def ascii_int(value, minimum=0, maximum=MAX_ID):
    """``value`` (a string) as an int when it is ASCII digits (an optional leading "-") within
    [minimum, maximum]; otherwise None."""
    if not isinstance(value, str):
        return None
    digits = value[1:] if value.startswith("-") else value
    if not ASCII_DIGITS.fullmatch(digits):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def page_number(args, name="page"):
    """The page number in query ``args`` (1 when absent or empty); a 400 when it is not a whole
    number from 1 to MAX_PAGE."""
    raw = args.get(name, "")
    if raw == "":
        return 1
    page = ascii_int(raw, 1, MAX_PAGE)
    if page is None:
        abort_with(400, _l("The page number must be a whole number from 1 to %(max)s.", max=MAX_PAGE))
    return page


def ids_from(values):
    """The valid ids among ``values`` (e.g. ``request.form.getlist("enrolment")``); None when
    any value is not one, so a tampered form is refused whole."""
    ids = [ascii_int(value, 1) for value in values]
    return None if None in ids else ids


def iso_date(value):
    """``value`` as a date when it is an ISO date (YYYY-MM-DD, ASCII digits) between MIN_DATE
    and MAX_DATE; otherwise None."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if MIN_DATE <= day <= MAX_DATE else None


class BoundedIntConverter(IntegerConverter):
    """The ``<int:...>`` URL converter, limited to the ids a database column holds (Werkzeug's
    own accepts any number of digits, and the database then fails on the query): a larger
    number does not match, so the URL is a 404 like any unknown id."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class AsciiIntegerField(IntegerField):
    """An IntegerField that takes ASCII digits only, within [minimum, maximum]; anything else is
    a form error (WTForms' own takes "²", " 12 " and "1_000", and any size)."""

    def __init__(self, label=None, validators=None, minimum=0, maximum=MAX_ID, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            return
        self.data = ascii_int(valuelist[0], self.minimum, self.maximum)
        if self.data is None:
            raise ValueError(self.gettext("Not a valid integer value.")
                             if ascii_int(valuelist[0], -(10**18), 10**18) is None
                             else _l("The number must be from %(min)s to %(max)s.",
                                     min=self.minimum, max=self.maximum))


class AsciiDecimalField(DecimalField):
    """A DecimalField for plain numbers such as CPD hours: ASCII digits with an optional
    decimal point or comma and up to six decimals (WTForms' own takes "NaN", "sNaN",
    which then fails in the range check, "1e999" and digits from every script)."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            return
        raw = valuelist[0].strip()
        if not re.fullmatch(r"[0-9]{1,9}([.,][0-9]{1,6})?", raw):
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
        self.data = Decimal(raw.replace(",", "."))


class SaneDateField(DateField):
    """A DateField (YYYY-MM-DD) that refuses dates outside MIN_DATE..MAX_DATE, which overflow
    date arithmetic and mean nothing in training records."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not MIN_DATE <= self.data <= MAX_DATE:
            self.data = None
            raise ValueError(_l("Choose a date between %(start)s and %(end)s.",
                                start=MIN_DATE.isoformat(), end=MAX_DATE.isoformat()))


def choice_id(value):
    """A select field's value as an id, or ValidationError (for ``validate_<field>``)."""
    number = ascii_int(value, 1)
    if number is None:
        raise ValidationError(_l("Not a valid choice."))
    return number


def coerce_id(value):
    """``coerce`` for a SelectField of ids: ValueError (WTForms' "not a valid choice") for
    anything but an id in ASCII digits."""
    if isinstance(value, int):
        return value
    number = ascii_int(value, 1)
    if number is None:
        raise ValueError(value)
    return number


def refuse_nul_characters():
    """``before_request``: a NUL character in the path, the query or a form field is a 400.

    No text we keep or look up holds one, and PostgreSQL refuses it in any text parameter
    (SQLite takes it), so it is refused once here rather than at every query."""
    texts = [request.path]
    for multidict in (request.args, request.form) if request.method == "POST" else (request.args,):
        for key, values in multidict.lists():
            texts.append(key)
            texts.extend(values)
    if any("\x00" in text for text in texts):
        abort_with(400, _l("The request contains a NUL character, which no field accepts."))
