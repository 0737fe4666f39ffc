"""The certificate expiry notice: plain text and HTML, in the learner's language, naming the
course, the expiry date and the link to the recertification enrolment."""
from flask_babel import force_locale, format_date, gettext as _, ngettext
from sqlalchemy import select

from lms.certificates.services import latest_certificate, verify_url
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.mail import app_path, build_message, external_url, render_email
from lms.reminders.emails import unsubscribe_url
from lms.reminders.expiry import days_of


def _open_recertification(enrolment):
    """The person's open enrolment in the course (normally the recertification), if any."""
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == enrolment.user_id, Enrolment.course_id == enrolment.course_id,
                                Enrolment.status == "active")
    )


def _subject(days, course):
    if days == 0:
        return _("Your certificate has expired: %(course)s", course=course)
    return ngettext("Your certificate expires in %(num)d day: %(course)s",
                    "Your certificate expires in %(num)d days: %(course)s", days, course=course)


def _lead(days, course, date):
    if days == 0:
        return _("Your certificate for %(course)s expired on %(date)s. Complete the recertification "
                 "to be certified again.", course=course, date=date)
    return ngettext("Your certificate for %(course)s expires on %(date)s, in %(num)d day. Complete the "
                    "recertification before then to stay certified.",
                    "Your certificate for %(course)s expires on %(date)s, in %(num)d days. Complete the "
                    "recertification before then to stay certified.", days, course=course, date=date)


def expiry_message(reminder, enrolment, user, mandatory):
    """The EmailMessage for one expiry notice (``reminder``: its log row; ``enrolment``: the
    completion whose certificate expires).

    :param mandatory: the person's job requires the course: a compliance notice, sent even to
        learners who opted out, so it carries no one-click unsubscribe header
    """
    course = enrolment.course
    days = days_of(reminder.kind)
    open_enrolment = _open_recertification(enrolment)
    if open_enrolment is not None:
        action_url = external_url(app_path("courses.continue_course", slug=course.slug))
    else:
        action_url = external_url(app_path("courses.course_page", slug=course.slug))
    cert = latest_certificate(enrolment.id)
    locale = user.locale or "en"
    with force_locale(locale):
        date = format_date(enrolment.valid_until, "long")
        context = {
            "kind": reminder.kind,
            "days": days,
            "learner_name": user.name,
            "course_title": course.title,
            "lead": _lead(days, course.title, date),
            "expiry_date": date,
            "due_date": format_date(open_enrolment.due_at, "long") if open_enrolment and open_enrolment.due_at else None,
            "action_url": action_url,
            "has_recertification": open_enrolment is not None,
            "verify_url": verify_url(cert.code) if cert is not None and cert.status == "issued" else None,
            "mandatory": mandatory,
            "opted_out": user.reminders_opt_out,
            "unsubscribe_url": unsubscribe_url(user.id),
        }
    subject, text, html = render_email(
        "certificate_expiry", locale, lambda: _subject(days, course.title), **context
    )
    headers = {"Auto-Submitted": "auto-generated"}
    if not mandatory:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(user.id, one_click=True)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = build_message((user.name, user.email), subject, text, html, headers)
    message["Content-Language"] = locale
    message.policy = message.policy.clone(max_line_length=998)
    return message
