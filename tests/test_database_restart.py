"""A PostgreSQL restart costs the requests in flight, not the process: the app's pooled
connections die with the server, and the next requests get fresh ones (pool_pre_ping)."""
import pytest

from lms.extensions import db
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, text_of


@pytest.mark.postgresql
def test_requests_after_a_postgresql_restart_succeed(app, client, postgres_cluster):
    learner = create_user()
    course = create_course(title="GxP essentials")
    enrol(learner, course)
    login(client, learner)
    assert client.get("/my-learning").status_code == 200  # a pooled connection, now open

    db.session.remove()  # the test's own session holds no transaction across the restart
    postgres_cluster.restart()  # fast shutdown: every open connection is cut

    for _ in range(3):
        page = client.get("/my-learning")
        assert page.status_code == 200 and "GxP essentials" in text_of(page)
    assert client.get("/courses").status_code == 200
