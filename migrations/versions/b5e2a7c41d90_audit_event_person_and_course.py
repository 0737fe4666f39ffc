"""audit events name the person and course they concern (filtering the audit trail)

Revision ID: b5e2a7c41d90
Revises: 6d4fcd9e521c
Create Date: 2026-12-06 02:00:00

Existing events get them from their subject rows (as lms.audit.subjects does for new ones).
"""
from alembic import op
import sqlalchemy as sa


revision = 'b5e2a7c41d90'
down_revision = '6d4fcd9e521c'
branch_labels = None
depends_on = None

# subject_type -> (SQL giving the person, SQL giving the course), both about the row whose id
# is audit_event.subject_id.
_ENROLMENT = "(SELECT e.{col} FROM enrolment e WHERE e.id = {enrolment})"
_VERSION_COURSE = "(SELECT v.course_id FROM course_version v WHERE v.id = {version})"
BACKFILL = {
    "user": ("audit_event.subject_id", None),
    "enrolment": (_ENROLMENT.format(col="user_id", enrolment="audit_event.subject_id"),
                  _ENROLMENT.format(col="course_id", enrolment="audit_event.subject_id")),
    "certificate": tuple(
        _ENROLMENT.format(col=col, enrolment="(SELECT c.enrolment_id FROM certificate c WHERE c.id = audit_event.subject_id)")
        for col in ("user_id", "course_id")),
    "reminderlog": tuple(
        _ENROLMENT.format(col=col, enrolment="(SELECT r.enrolment_id FROM reminder_log r WHERE r.id = audit_event.subject_id)")
        for col in ("user_id", "course_id")),
    "creditentry": (
        "(SELECT x.user_id FROM credit_entry x WHERE x.id = audit_event.subject_id)",
        _ENROLMENT.format(col="course_id", enrolment="(SELECT x.enrolment_id FROM credit_entry x WHERE x.id = audit_event.subject_id)")),
    "externalactivity": ("(SELECT x.user_id FROM external_activity x WHERE x.id = audit_event.subject_id)", None),
    "learnerregistration": ("(SELECT x.user_id FROM learner_registration x WHERE x.id = audit_event.subject_id)", None),
    "jobassignment": ("(SELECT x.user_id FROM job_assignment x WHERE x.id = audit_event.subject_id)", None),
    "course": (None, "audit_event.subject_id"),
    "courseversion": (None, _VERSION_COURSE.format(version="audit_event.subject_id")),
    "coursetranslation": (None, _VERSION_COURSE.format(
        version="(SELECT t.version_id FROM course_translation t WHERE t.id = audit_event.subject_id)")),
    "lesson": (None, _VERSION_COURSE.format(version=(
        "(SELECT m.version_id FROM module m JOIN lesson l ON l.module_id = m.id WHERE l.id = audit_event.subject_id)"))),
    "coursecredit": (None, "(SELECT x.course_id FROM course_credit x WHERE x.id = audit_event.subject_id)"),
    "requirement": (None, "(SELECT x.course_id FROM requirement x WHERE x.id = audit_event.subject_id)"),
}


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_course_id'), ['course_id'], unique=False)
    for subject_type, (person, course) in BACKFILL.items():
        sets = [f"{column} = {value}" for column, value in (("person_id", person), ("course_id", course)) if value]
        op.execute(sa.text(f"UPDATE audit_event SET {', '.join(sets)} WHERE subject_type = :kind")
                   .bindparams(kind=subject_type))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_course_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_person_id'))
        batch_op.drop_column('course_id')
        batch_op.drop_column('person_id')
