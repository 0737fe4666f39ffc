"""electronic signatures, supervisors and exemptions

Revision ID: 0bdc5e6c2423
Revises: b5e2a7c41d90
Create Date: 2026-12-06 03:48:17

Issue 14: Signature (bound to its record by record_hash), SigningNonce, supervisors of job
profiles, requirement exemptions; controlled documents carry a number and revision; the
failed-signing lock on user.

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0bdc5e6c2423'
down_revision = 'b5e2a7c41d90'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('job_profile_supervisor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_job_profile_supervisor_added_by_id_user')),
    sa.ForeignKeyConstraint(['profile_id'], ['job_profile.id'], name=op.f('fk_job_profile_supervisor_profile_id_job_profile')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user.id'], name=op.f('fk_job_profile_supervisor_removed_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_job_profile_supervisor_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_profile_supervisor'))
    )
    with op.batch_alter_table('job_profile_supervisor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_profile_supervisor_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_profile_supervisor_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_job_profile_supervisor_live', ['profile_id', 'user_id'], unique=True, sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))

    op.create_table('requirement_exemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_requirement_exemption_course_id_course')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_requirement_exemption_created_by_id_user')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_requirement_exemption_revoked_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_requirement_exemption_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement_exemption'))
    )
    with op.batch_alter_table('requirement_exemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirement_exemption_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requirement_exemption_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_requirement_exemption_live', ['user_id', 'course_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=False),
    sa.Column('printed_name', sa.String(length=200), nullable=False),
    sa.Column('meaning', sa.String(length=32), nullable=False),
    sa.Column('signed_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('document_number', sa.String(length=64), nullable=True),
    sa.Column('document_revision', sa.String(length=32), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("(meaning = 'read_understood' AND signer_id = subject_user_id AND file_sha256 IS NOT NULL) OR (meaning = 'verified_competent' AND signer_id <> subject_user_id)", name=op.f('ck_signature_signer')),
    sa.CheckConstraint("meaning IN ('read_understood', 'verified_competent')", name=op.f('ck_signature_meaning')),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_version.id'], name=op.f('fk_signature_course_version_id_course_version')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_signature_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_signature_lesson_id_lesson')),
    sa.ForeignKeyConstraint(['signer_id'], ['user.id'], name=op.f('fk_signature_signer_id_user')),
    sa.ForeignKeyConstraint(['subject_user_id'], ['user.id'], name=op.f('fk_signature_subject_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature')),
    sa.UniqueConstraint('enrolment_id', 'lesson_id', 'meaning', name='uq_signature_record')
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signature_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signature_signer_id'), ['signer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signature_subject_user_id'), ['subject_user_id'], unique=False)

    op.create_table('signing_nonce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_signing_nonce_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_signing_nonce_lesson_id_lesson')),
    sa.ForeignKeyConstraint(['signer_id'], ['user.id'], name=op.f('fk_signing_nonce_signer_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_nonce')),
    sa.UniqueConstraint('nonce', name=op.f('uq_signing_nonce_nonce'))
    )
    with op.batch_alter_table('signing_nonce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_nonce_signer_id'), ['signer_id'], unique=False)

    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('document_revision', sa.String(length=32), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signing_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('signing_locked_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True))




def downgrade():
    
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('signing_locked_at')
        batch_op.drop_column('signing_failures')

    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_column('document_revision')
        batch_op.drop_column('document_number')

    with op.batch_alter_table('signing_nonce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_nonce_signer_id'))

    op.drop_table('signing_nonce')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signature_subject_user_id'))
        batch_op.drop_index(batch_op.f('ix_signature_signer_id'))
        batch_op.drop_index(batch_op.f('ix_signature_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_signature_enrolment_id'))

    op.drop_table('signature')
    with op.batch_alter_table('requirement_exemption', schema=None) as batch_op:
        batch_op.drop_index('uq_requirement_exemption_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_requirement_exemption_user_id'))
        batch_op.drop_index(batch_op.f('ix_requirement_exemption_course_id'))

    op.drop_table('requirement_exemption')
    with op.batch_alter_table('job_profile_supervisor', schema=None) as batch_op:
        batch_op.drop_index('uq_job_profile_supervisor_live', sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_job_profile_supervisor_user_id'))
        batch_op.drop_index(batch_op.f('ix_job_profile_supervisor_profile_id'))

    op.drop_table('job_profile_supervisor')

