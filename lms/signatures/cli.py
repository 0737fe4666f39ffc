"""`flask lms signatures-verify`: re-check every electronic signature against its record."""
import sys

import click
from sqlalchemy.orm import Session

from lms.cli import lms_cli
from lms.extensions import db
from lms.signatures.verify import verify_signatures


@lms_cli.command("signatures-verify")
def signatures_verify_command():
    """Recompute each signature's record hash and each signed file's SHA-256, compare the audit
    trail's signing event; name every signature that no longer matches (exit status 1)."""
    with Session(db.engine) as session:  # the walk empties its session as it goes
        result = verify_signatures(session)
    for problem in result.problems:
        click.echo(problem.line(), err=True)
    if result.problems:
        click.echo(f"{len(result.problems)} of {result.checked} signature(s) do NOT match their record.", err=True)
        sys.exit(1)
    click.echo(f"All {result.checked} signature(s) match their records and signed files.")
