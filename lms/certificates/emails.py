"""The "certificate issued" email: sent once per certificate, by the worker."""
import logging

from flask_babel import gettext as _

from lms.audit.services import record_event
from lms.certificates.services import (
    EMAIL_SENT, download_path, email_sent, lock_certificate, text_locale, verify_url,
)
from lms.mail import build_message, external_url, render_email, send_message

log = logging.getLogger(__name__)


def send_issued_email(cert_id):
    """Email the learner that their certificate is issued, with the verification link; at
    most once per certificate (an AuditEvent records the send, checked under the
    certificate's lock, which is held until the caller commits).

    :return: True when this call sent it
    :raises smtplib.SMTPException, OSError: the send failed (nothing recorded: retry)
    """
    cert = lock_certificate(cert_id, write=True, with_learner=True)
    if cert is None or cert.status != "issued":
        log.info("certificate email skipped id=%s: not issued", cert_id)
        return False
    if email_sent(cert.id):
        log.info("certificate email skipped id=%s: sent already", cert_id)
        return False
    learner = cert.enrolment.user
    locale = text_locale(learner.locale)
    subject, text, html = render_email(
        "certificate_issued", locale,
        subject=lambda: _("Your certificate for %(title)s", title=cert.course_title),
        cert=cert, learner=learner, verify_url=verify_url(cert.code),
        download_url=external_url(download_path(cert.code)), my_learning_url=external_url("/my-learning"),
    )
    message = build_message((learner.name, learner.email), subject, text, html)
    message["Content-Language"] = locale  # after the body, which resets Content-* headers
    send_message(message)
    record_event(EMAIL_SENT, cert, enrolment_id=cert.enrolment_id, user_id=learner.id)
    log.info("certificate email sent id=%s user_id=%s", cert.id, learner.id)
    return True
