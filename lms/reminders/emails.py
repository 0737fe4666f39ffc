"""The reminder emails: plain text and HTML, in the learner's language.

Tasks run without a request, so links are built from the URL map (a path, no request needed)
and made absolute with BASE_URL (lms.mail.external_url)."""
from flask_babel import force_locale, format_date, format_percent, gettext as _, ngettext

from lms.mail import app_path, build_message, external_url, render_email
from lms.progress import rules
from lms.progress.services import completed_lesson_ids, version_lesson_ids
from lms.reminders.policy import CONFIRMATION
from lms.reminders.tokens import unsubscribe_token
from lms.timeutil import utcnow


def unsubscribe_url(user_id, one_click=False):
    endpoint = "reminders.one_click_unsubscribe" if one_click else "reminders.unsubscribe"
    return external_url(app_path(endpoint, token=unsubscribe_token(user_id)))


def _subject(kind, course):
    subjects = {
        CONFIRMATION: lambda: _("You are enrolled in %(course)s", course=course),
        "deadline_7d": lambda: _("One week left: %(course)s", course=course),
        "deadline_1d": lambda: _("One day left: %(course)s", course=course),
        "overdue": lambda: _("Overdue: %(course)s", course=course),
        "inactivity": lambda: _("Pick up where you left off: %(course)s", course=course),
    }
    return subjects[kind]()


def _lead(kind, course, deadline, days_inactive):
    if kind == CONFIRMATION:
        if deadline:
            return _("You are enrolled in %(course)s. Please complete it by %(date)s.",
                     course=course, date=deadline)
        return _("You are enrolled in %(course)s. You can start whenever you are ready.", course=course)
    if kind == "deadline_7d":
        return _("The deadline for %(course)s is %(date)s, one week from now.", course=course, date=deadline)
    if kind == "deadline_1d":
        return _("The deadline for %(course)s is %(date)s, one day from now.", course=course, date=deadline)
    if kind == "overdue":
        return _("The deadline for %(course)s was %(date)s and the course is not complete yet. "
                 "Please finish it as soon as you can.", course=course, date=deadline)
    if kind == "inactivity":
        return ngettext("You have not worked on %(course)s for %(num)d day.",
                        "You have not worked on %(course)s for %(num)d days.",
                        days_inactive, course=course)
    raise ValueError(f"unknown reminder kind {kind!r}")


def reminder_message(reminder, enrolment, user):
    """The EmailMessage for one reminder log row (text and HTML parts, List-Unsubscribe)."""
    course = enrolment.course
    lesson_ids = version_lesson_ids(enrolment.version)
    percent = rules.progress_percent(lesson_ids, completed_lesson_ids(enrolment.id))
    last_activity = enrolment.last_activity_at or enrolment.enrolled_at
    days_inactive = max(0, (utcnow() - last_activity).days)
    continue_url = external_url(app_path("courses.continue_course", slug=course.slug))
    stop_url = unsubscribe_url(user.id)
    locale = user.locale or "en"
    with force_locale(locale):
        deadline = format_date(enrolment.due_at, "long") if enrolment.due_at else None
        context = {
            "kind": reminder.kind,
            "learner_name": user.name,
            "course_title": course.title,
            "lead": _lead(reminder.kind, course.title, deadline, days_inactive),
            "progress": format_percent(percent / 100),
            "deadline": deadline,
            "continue_url": continue_url,
            "unsubscribe_url": stop_url,
        }
    subject, text, html = render_email(
        "reminder", locale, lambda: _subject(reminder.kind, course.title), **context
    )
    headers = {
        # RFC 2369 and RFC 8058 one-click: mail clients offer "unsubscribe" themselves.
        "List-Unsubscribe": f"<{unsubscribe_url(user.id, one_click=True)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    message = build_message((user.name, user.email), subject, text, html, headers)
    message["Content-Language"] = locale  # after the body: setting content clears Content-*
    # Long header lines as they are (RFC 5322 allows 998), not folded into RFC 2047 encoded
    # words, which would turn the List-Unsubscribe URL into something no client can follow.
    message.policy = message.policy.clone(max_line_length=998)
    return message
