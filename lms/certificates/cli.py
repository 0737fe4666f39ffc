"""`flask lms reissue-certificate`: reissue (or issue a missing) certificate by hand."""
import click
from flask_babel import force_locale

from lms.certificates import services
from lms.cli import lms_cli
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.parsing import ascii_int


def _enrolment_for(ref):
    """An enrolment id (digits) or any certificate code of the enrolment."""
    enrolment_id = ascii_int(ref.strip(), 1)
    if enrolment_id is not None:
        enrolment = db.session.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise click.ClickException(f"No enrolment with id {ref}.")
        return enrolment
    cert = services.certificate_by_code(ref)
    if cert is None:
        raise click.ClickException(f"No certificate with the code {ref}.")
    return cert.enrolment


@lms_cli.command("reissue-certificate")
@click.argument("ref", metavar="CODE_OR_ENROLMENT_ID")
@click.option("--reason", default=None,
              help="Why (kept in the audit trail); required to reissue or replace a certificate.")
def reissue_certificate_command(ref, reason):
    """Reissue the certificate of an enrolment, given by id or by a certificate code.

    A revoked latest certificate is reissued; a valid one is revoked and replaced, e.g. after
    correcting the learner's name (both need --reason); a completed enrolment without one
    (its task was lost) gets its first, and one left half-made by a dead worker is finished.
    """
    enrolment = _enrolment_for(ref)
    latest = services.latest_certificate(enrolment.id)
    if latest is None or latest.status == "pending":
        # Never issued (its task was lost), or claimed by a worker that died: finish it here.
        if enrolment.status != "completed":
            raise click.ClickException(f"Enrolment {enrolment.id} is not completed: no certificate to issue.")
        cert = services.issue_certificate(enrolment.id)  # commits
        click.echo(f"Issued certificate {cert.code} for enrolment {enrolment.id} (sequence {cert.sequence}).")
        return
    if not (reason or "").strip():
        # Checked before anything changes: a reissue is a change to the training record.
        if latest.status == "issued":
            raise click.ClickException(
                f"Certificate {latest.code} is still valid: give --reason to revoke and replace it."
            )
        raise click.ClickException(f"Give --reason to reissue certificate {latest.code}: it is kept in the audit trail.")
    try:
        cert = services.reissue_certificate(
            enrolment, actor=None, reason=reason, correction=latest.status == "issued",
        )
        db.session.commit()
    except services.CertificateError as exc:
        db.session.rollback()
        with force_locale("en"):
            raise click.ClickException(str(exc.message)) from None
    click.echo(f"Reissued certificate {cert.code} for enrolment {enrolment.id} (sequence {cert.sequence}); "
               f"{latest.code} is revoked.")


@lms_cli.command("recertification-sweep")
def recertification_sweep_command():
    """Open the recertification enrolments due now (what beat runs every RECERT_SWEEP_SECONDS)."""
    from lms.certificates.recert import open_recertifications

    result = open_recertifications()
    click.echo(f"Recertification enrolments opened: {result.created} "
               f"(already open: {result.existing}, course not published: {result.not_enrollable}).")
