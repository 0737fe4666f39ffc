"""The "certificate issued" email: sent once per certificate, by the worker."""
import logging

from flask_babel import gettext as _

from lms.certificates.services import download_path, lock_certificate, text_locale, verify_url
from lms.mail import build_message, external_url, render_email, send_message
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


def send_issued_email(cert_id):
    """Email the learner that their certificate is issued, with the verification link; at
    most once per certificate (its ``emailed_at``, checked and set under the certificate's
    lock, which is held until the caller commits).

    :return: True when this call sent it
    :raises smtplib.SMTPException, OSError: the send failed (nothing recorded: retry)
    """
    cert = lock_certificate(cert_id, write=True, with_learner=True)
    if cert is None or cert.status != "issued":
        log.info("certificate email skipped id=%s: not issued", cert_id)
        return False
    if cert.emailed_at is not None:
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
    cert.emailed_at = utcnow()
    log.info("certificate email sent id=%s user_id=%s", cert.id, learner.id)
    return True
