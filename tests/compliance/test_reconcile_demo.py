"""The reconcile job against the demo's training matrix, judged by lms.compliance.rules: today
it has nothing to do; on the day SOP-014 revision C takes effect (and Kari's GxP certificate
has lapsed) it gives exactly the people the rules call non-compliant an open enrolment."""
from datetime import timedelta

from sqlalchemy import select

from lms.compliance import rules, services
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.compliance.test_demo_matrix import matrix_at


def open_cells():
    return {(e.user.email.split("@")[0], e.course.slug): e.source
            for e in db.session.scalars(select(Enrolment).where(Enrolment.status == "active"))}


def test_reconcile_agrees_with_the_rules_on_the_demo(app):
    assert app.test_cli_runner().invoke(args=["lms", "seed-demo"]).exit_code == 0
    assert services.reconcile() == {"created": 0, "released": 0}
    db.session.commit()

    later = utcnow() + timedelta(days=22)
    before = open_cells()
    result = services.reconcile(later)
    db.session.commit()
    after = open_cells()
    cells = matrix_at(later)
    for cell, status in cells.items():
        if status not in rules.COMPLIANT_STATUSES:
            assert cell in after, (cell, status)  # every non-compliant cell has an open enrolment
    created = {cell: source for cell, source in after.items() if cell not in before}
    assert created[("liv", "sop-014-deviation-handling")] == "retraining"
    assert created[("kari", "sop-014-deviation-handling")] == "retraining"
    assert created[("kari", "gxp-essentials-medical-devices")] == "recertification"
    assert all(cells[cell] not in rules.COMPLIANT_STATUSES for cell in created)
    assert result == {"created": len(created), "released": 0}
    assert services.reconcile(later) == {"created": 0, "released": 0}
