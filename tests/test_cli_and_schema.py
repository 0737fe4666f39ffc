from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from lms.accounts.models import Organisation, User
from lms.demo import GXP, PV, demo_accounts
from lms.courses.models import Course, Lesson
from lms.extensions import db


def test_seed_demo_loads_realistic_data_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0 and "admin@demo.lms.test" in result.output
    orgs = db.session.scalars(select(Organisation)).all()
    assert len({o.country for o in orgs}) == 3
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    # 9, one per interface language, and the signatures' supervisor and three learners
    assert roles == {"admin": 1, "author": 1, "org_admin": 3, "learner": 21}
    courses = db.session.scalars(select(Course)).all()
    assert {c.title for c in courses} >= {
        "GxP essentials for medical-device professionals", "Pharmacovigilance signal detection",
    }
    for course in (c for c in courses if c.slug in (GXP["slug"], PV["slug"])):
        version = course.published_version
        assert len(version.modules) >= 3
        assert {lesson.kind for lesson in version.lessons()} == {"text", "file", "quiz"}
    again = runner.invoke(args=["lms", "seed-demo"])
    assert again.exit_code == 0 and "already has users" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == len(demo_accounts())
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == len(
        [lesson for c in courses for v in c.versions for lesson in v.lessons()]
    )


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
