"""The one way to send mail: SMTP, configured by LMS_SMTP_* settings. Used by every task."""
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def build_message(to, subject, text, html=None, headers=None):
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr(to) if isinstance(to, tuple) else to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)  # required by RFC 5322; SMTP adds none
    message["Message-ID"] = make_msgid(domain="academy.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_message(message):
    """Send ``message`` over SMTP; raises smtplib.SMTPException or OSError on failure, so the
    calling task can retry."""
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)
    log.info("mail sent subject=%r message_id=%s", message["Subject"], message["Message-ID"])


def send_mail(to, subject, text, html=None, headers=None):
    """Build and send one message (plain text, optionally with an HTML alternative)."""
    send_message(build_message(to, subject, text, html, headers))


def render_email(name, locale, subject, **context):
    """Render ``templates/emails/<name>.txt`` and ``.html`` in ``locale``.

    :param subject: a callable returning the (translated) subject, called under ``locale``
    :return: (subject, text, html)
    """
    with force_locale(locale or "en"):
        return (
            str(subject()),
            render_template(f"emails/{name}.txt", **context),
            render_template(f"emails/{name}.html", **context),
        )


def external_url(path):
    """An absolute link for an email (emails are read outside the app)."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def app_path(endpoint, **values):
    """The path of ``endpoint`` (e.g. ``/courses/gxp/continue``) from the URL map alone: tasks
    and services build links without a request (or a made-up one)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def external_link(endpoint, **values):
    """The absolute link to ``endpoint`` for an email: :func:`app_path` under BASE_URL."""
    return external_url(app_path(endpoint, **values))
