"""A learner's CPD statement for one accrediting body and cycle as CSV, in the learner's
language: one row per credited entry, each carrying the learner, body, registration number and
cycle so a row read on its own still says what it is. Headers and words are translated; dates
stay ISO 8601 and amounts keep a decimal point, so any spreadsheet reads them as numbers."""
import csv
import io

from flask_babel import force_locale
from flask_babel import gettext as _

from lms.certificates.services import verify_url
from lms.cpd.cycles import evidence_of
from lms.reports.export import neutralise


def _cell(value):
    """A spreadsheet cannot run it (see lms.reports.export.neutralise)."""
    return "" if value is None else neutralise(str(value))


def statement_csv(person, standing, entries):
    """The statement as CSV text (with a BOM, so spreadsheet programs read UTF-8).

    :param person: the learner (their locale chooses the language)
    :param standing: their :class:`lms.cpd.cycles.CycleStanding` in the cycle
    :param entries: the cycle's credited entries (:func:`lms.cpd.cycles.statement_entries`)
    """
    accrediting = standing.body
    out = io.StringIO()
    writer = csv.writer(out)
    with force_locale(person.locale or "en"):
        writer.writerow([
            _("Learner"), _("Registration number"), _("Accrediting body"), _("Cycle starts"), _("Cycle ends"),
            _("Date"), _("Activity"), _("Credits (%(unit)s)", unit=accrediting.unit_name), _("Evidence"),
            _("Certificate code"), _("Verification URL"), _("Provider"),
        ])
        period = (standing.starts_on.isoformat(), standing.last_day.isoformat())
        for entry in entries:
            evidence = evidence_of(entry)
            kind = {"certificate": _("Certificate"), "external": _("External activity")}.get(evidence.kind, "")
            writer.writerow([_cell(v) for v in (
                person.name, standing.registration or "", accrediting.name, *period,
                entry.earned_on.isoformat(), entry.title, _amount(entry.amount), kind,
                evidence.code or "", verify_url(evidence.code) if evidence.code else "", evidence.provider or "",
            )])
    return "\ufeff" + out.getvalue()


def _amount(value):
    """4.50 -> "4.5", 3.00 -> "3": the stored amount without trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
