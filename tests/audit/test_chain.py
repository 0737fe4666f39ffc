"""The audit trail is an append-only hash chain, written safely under concurrency."""
import threading

from sqlalchemy import select, text

from lms.audit.models import AuditEvent
from lms.audit.services import record_event
from lms.enrolments import services as enrolments
from lms.extensions import db
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, text_of


def verify(app):
    return app.test_cli_runner().invoke(args=["lms", "audit-verify"])


def chain():
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def test_events_are_chained_in_order_and_verify(app):
    learner = create_user()
    enrol(learner, create_course())
    record_event("test.one", learner, actor=learner, n=1)
    record_event("test.two", learner, actor=learner, n=2)
    db.session.commit()
    events = chain()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    result = verify(app)
    assert result.exit_code == 0 and "intact: 3 event(s)" in result.output


def _three_events():
    user = create_user()
    for n in range(3):
        record_event("test.event", user, actor=user, n=n)
        db.session.commit()


def test_verify_names_the_first_altered_event(app):
    _three_events()
    db.session.execute(text("UPDATE audit_event SET action = 'test.forged' WHERE seq = 2"))
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1 and "event #2" in result.output and "altered" in result.output


def test_verify_names_a_missing_event(app):
    _three_events()
    db.session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1 and "event #2 is missing" in result.output


def test_verify_notices_events_removed_from_the_end(app):
    _three_events()
    db.session.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1 and "head says #3" in result.output


def test_rewriting_the_chain_from_an_event_on_is_detected_at_the_head(app):
    _three_events()
    db.session.execute(text("UPDATE audit_event SET hash = 'x' WHERE seq = 3"))
    db.session.commit()
    assert verify(app).exit_code == 1


def test_events_of_a_rolled_back_savepoint_are_not_chained(app):
    user = create_user()
    try:
        with db.session.begin_nested():
            record_event("test.rolled_back", user)
            raise RuntimeError
    except RuntimeError:
        pass
    record_event("test.kept", user)
    db.session.commit()
    assert [e.action for e in chain()] == ["test.kept"]
    assert verify(app).exit_code == 0


def test_concurrent_writers_extend_one_chain(app):
    course = create_course()
    learners = [create_user() for _ in range(8)]
    learner_ids = [u.id for u in learners]
    errors = []
    barrier = threading.Barrier(len(learner_ids))

    def enrol_one(user_id):
        from lms.accounts.models import User
        from lms.courses.models import Course

        try:
            with app.app_context():
                barrier.wait(10)
                enrolments.enrol(db.session.get(User, user_id), db.session.get(Course, course.id))
                db.session.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=enrol_one, args=(uid,)) for uid in learner_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    events = chain()
    assert [e.seq for e in events] == list(range(1, len(learner_ids) + 1))
    assert verify(app).exit_code == 0


def test_audit_page_is_for_admins_and_filters(app, client):
    learner = create_user(email="learner@example.com")
    enrol(learner, create_course())
    record_event("test.other", learner)
    db.session.commit()
    login(client, learner)
    assert client.get("/admin/audit/").status_code == 403
    admin = app.test_client()
    login(admin, create_user(role="admin"))
    body = text_of(admin.get("/admin/audit/?action=enrolment.created"))
    assert "<th scope=\"row\">enrolment.created</th>" in body and "<th scope=\"row\">test.other</th>" not in body and "1 event" in body
    body = text_of(admin.get("/admin/audit/?actor=LEARNER@example.com"))
    assert "<th scope=\"row\">enrolment.created</th>" in body and "<th scope=\"row\">test.other</th>" not in body
    assert admin.get("/admin/audit/?date_from=not-a-date").status_code == 422
    assert admin.get("/admin/audit/?action=no.such.action").status_code == 422
