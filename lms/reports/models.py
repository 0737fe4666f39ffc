"""The indexes the completion report needs, declared beside the queries that use them
(``lms.reports.queries``); the tables themselves belong to their feature packages.

Imported from ``lms.models``, so the metadata (and so Alembic and the schema test) sees them.
"""
from sqlalchemy import Index

from lms.accounts.models import User
from lms.enrolments.models import Enrolment

# Covers the per-course counts and the median time to complete: both read only these
# columns, so the database scans the index, never the table.
enrolment_report = Index(
    "ix_enrolment_report", Enrolment.course_id, Enrolment.status, Enrolment.due_at,
    Enrolment.completed_at, Enrolment.enrolled_at,
)
# Completions per week (and the completion date filter): a range of completed_at within
# status 'completed', read from the index alone.
enrolment_status_completed_at = Index(
    "ix_enrolment_status_completed_at", Enrolment.status, Enrolment.completed_at
)
# The organisation and country filters start from the learners; the learner table sorts by name.
user_organisation_id = Index("ix_user_organisation_id", User.organisation_id)
user_country = Index("ix_user_country", User.country)
user_name = Index("ix_user_name", User.name)
