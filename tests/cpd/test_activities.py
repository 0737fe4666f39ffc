"""External activities: a learner claims credits with evidence (sniffed like course material;
bad input is a 4xx and stores nothing, no row, no file), their organisation's admin approves
(a ledger entry, rounded and capped) or rejects with a reason; nobody else sees or decides."""
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.courses.models import StoredFile
from lms.cpd.models import ExternalActivity
from lms.extensions import db
from tests.cpd.helpers import JPEG_BYTES, PNG_BYTES, count, entries_of, events, make_activity, make_body
from tests.factories import PDF_BYTES, create_org, create_user
from tests.helpers import csrf_token, login, main_of, post_form, text_of

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture
def people(app):
    org_a, org_b = create_org("Alpha Pharma"), create_org("Beta Devices")
    return {
        "body": make_body("Norsk farmasøytisk selskap", rounding_step="0.5", daily_cap="8"),
        "a_admin": create_user("org_admin", org=org_a, name="Alma Admin"),
        "a_learner": create_user(org=org_a, name="Anna Alpha"),
        "b_admin": create_user("org_admin", org=org_b, name="Bea Boss"),
        "b_learner": create_user(org=org_b, name="Bjorn Beta"),
        "site_admin": create_user("admin", org=create_org(), name="Sam Site"),
    }


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def submit(client, body, data=None, content=PDF_BYTES, filename="kongress.pdf"):
    form = {"body": str(body.id), "title": "Nordisk farmasikongress", "provider": "Apotekforeningen",
            "activity_date": YESTERDAY, "credits_claimed": "6,75", **(data or {})}
    form["csrf_token"] = csrf_token(client, "/cpd/activities/new")
    if content is not None:
        form["evidence"] = (io.BytesIO(content), filename)
    return client.post("/cpd/activities/new", data=form, content_type="multipart/form-data")


def test_a_learner_claims_credits_with_a_pdf_and_sees_it_waiting(app, people):
    client = client_for(app, people["a_learner"])
    response = submit(client, people["body"])
    assert response.status_code == 302, text_of(response)[:2000]
    activity = db.session.scalar(select(ExternalActivity))
    assert (activity.status, activity.credits_claimed, activity.activity_date.isoformat()) == ("pending", Decimal("6.75"), YESTERDAY)
    assert activity.evidence_file.content_type == "application/pdf" and activity.user_id == people["a_learner"].id
    assert events("cpd.activity_submitted") == 1
    page = main_of(client.get("/cpd/"))
    assert "Nordisk farmasikongress" in page and "Waiting for approval" in page
    download = client.get(f"/cpd/activities/{activity.id}/evidence")
    assert download.status_code == 200 and download.get_data() == PDF_BYTES
    # Images are evidence too.
    assert submit(client, people["body"], content=PNG_BYTES, filename="bevis.png").status_code == 302
    assert submit(client, people["body"], content=JPEG_BYTES, filename="bevis.jpeg").status_code == 302
    assert count(ExternalActivity) == 3


TOMORROW_ANYWHERE = (date.today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize("data, content, filename, status, message", [
    ({"activity_date": TOMORROW_ANYWHERE}, PDF_BYTES, "a.pdf", 422, "in the future"),
    ({"activity_date": "2026-02-30"}, PDF_BYTES, "a.pdf", 422, "Not a valid date"),
    ({"credits_claimed": "0"}, PDF_BYTES, "a.pdf", 422, "more than 0 and at most 100"),
    ({"credits_claimed": "-1"}, PDF_BYTES, "a.pdf", 422, "Not a valid decimal"),
    ({"credits_claimed": "100.5"}, PDF_BYTES, "a.pdf", 422, "more than 0 and at most 100"),
    ({"credits_claimed": "1e3"}, PDF_BYTES, "a.pdf", 422, "Not a valid decimal"),
    ({"credits_claimed": "1.005"}, PDF_BYTES, "a.pdf", 422, "at most two decimals"),
    ({"title": ""}, PDF_BYTES, "a.pdf", 422, "Give the activity"),
    ({"provider": "   "}, PDF_BYTES, "a.pdf", 422, "provided the activity"),
    ({"body": "999999"}, PDF_BYTES, "a.pdf", 422, "Not a valid choice"),
    ({}, b"GIF89a not accepted", "a.gif", 422, "not accepted here"),
    ({}, b"<html><script>alert(1)</script>", "a.pdf", 422, "whatever its name says"),
    ({}, PNG_BYTES, "a.pdf", 422, "but the content is PNG"),
    ({}, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32, "a.pdf", 422, "whatever its name says"),  # video: course material, not evidence
    ({}, b"", "a.pdf", 422, "The file is empty"),
    ({}, None, "", 422, "Choose a file"),
    ({}, PDF_BYTES, "../../etc/a.pdf", 422, "folder names"),
])
def test_bad_claims_are_refused_with_a_message_and_store_nothing(app, people, data, content, filename, status,
                                                                  message):
    client = client_for(app, people["a_learner"])
    files_before = count(StoredFile)
    response = submit(client, people["body"], data, content, filename)
    assert response.status_code == status
    assert message in text_of(response)
    assert count(ExternalActivity) == 0 and count(StoredFile) == files_before
    assert events("cpd.activity_submitted") == 0


def test_evidence_over_the_upload_limit_is_refused(app, people):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    client = client_for(app, people["a_learner"])
    response = submit(client, people["body"], content=PDF_BYTES + b"0" * 4096)
    assert response.status_code == 413 and count(ExternalActivity) == 0


def decide(client, activity, decision, reason=""):
    return post_form(client, f"/admin/cpd/activities/{activity.id}/decide",
                     {"decision": decision, "reason": reason}, page="/admin/cpd/activities")


def test_the_learners_org_admin_approves_and_the_credits_are_rounded_and_capped(app, people):
    learner, body = people["a_learner"], people["body"]
    first = make_activity(learner, body, title="Morning workshop", credits="6.75", activity_date=date(2026, 2, 2))
    second = make_activity(learner, body, title="Evening workshop", credits="6", activity_date=date(2026, 2, 2))
    admin = client_for(app, people["a_admin"])
    queue = main_of(admin.get("/admin/cpd/activities"))
    assert "Morning workshop" in queue and "Anna Alpha" in queue
    evidence = admin.get(f"/admin/cpd/activities/{first.id}/evidence")
    assert evidence.status_code == 200 and evidence.get_data() == PDF_BYTES
    assert decide(admin, first, "approve").status_code == 302
    assert decide(admin, second, "approve", "Attended in full").status_code == 302
    entries = entries_of(learner)
    assert [(e.title, e.claimed, e.amount, e.source) for e in entries] == [
        ("Morning workshop", Decimal("6.75"), Decimal("6.5"), "external"),  # rounded to 0.5
        ("Evening workshop", Decimal(6), Decimal("1.5"), "external"),  # the day's cap of 8
    ]
    assert entries[0].activity_id == first.id and entries[0].earned_on == date(2026, 2, 2)
    db.session.expire_all()
    assert first.status == "approved" and first.decided_by_id == people["a_admin"].id
    assert events("cpd.activity_approved") == 2 and events("cpd.entry_credited") == 2
    assert "No activities are waiting" in main_of(admin.get("/admin/cpd/activities"))
    # Deciding again changes nothing.
    response = decide(admin, first, "reject", "Changed my mind")
    assert response.status_code == 409 and len(entries_of(learner)) == 2
    page = main_of(client_for(app, learner).get("/cpd/"))
    assert "Morning workshop" in page and "6,5" not in page and "6.5" in page


def test_a_rejection_needs_a_reason_which_the_learner_sees(app, people):
    learner = people["a_learner"]
    activity = make_activity(learner, people["body"], title="Webinar on GDP")
    admin = client_for(app, people["a_admin"])
    response = decide(admin, activity, "reject", "  ")
    assert response.status_code == 422 and "Give a reason" in text_of(response)
    db.session.expire_all()
    assert activity.status == "pending"
    assert decide(admin, activity, "maybe").status_code == 422
    assert decide(admin, activity, "reject", "No certificate of attendance").status_code == 302
    db.session.expire_all()
    assert activity.status == "rejected" and activity.decision_reason == "No certificate of attendance"
    assert entries_of(learner) == [] and events("cpd.activity_rejected") == 1
    assert "No certificate of attendance" in main_of(client_for(app, learner).get("/cpd/"))


def test_only_the_learners_own_organisation_reviews_their_activities(app, people):
    activity = make_activity(people["a_learner"], people["body"], title="Congress in Riga")
    other = client_for(app, people["b_admin"])
    assert "Congress in Riga" not in main_of(other.get("/admin/cpd/activities"))
    assert other.get(f"/admin/cpd/activities/{activity.id}/evidence").status_code == 403
    assert decide(other, activity, "approve").status_code == 403
    learner = client_for(app, people["a_learner"])
    assert learner.get("/admin/cpd/activities").status_code == 403
    assert decide(learner, activity, "approve").status_code == 403
    # Another learner's evidence does not exist for them.
    assert client_for(app, people["b_learner"]).get(f"/cpd/activities/{activity.id}/evidence").status_code == 404
    assert people["b_admin"] and db.session.get(ExternalActivity, activity.id).status == "pending"
    # The site admin reviews everyone's.
    site = client_for(app, people["site_admin"])
    assert "Congress in Riga" in main_of(site.get("/admin/cpd/activities"))
    assert decide(site, activity, "approve").status_code == 302
    assert len(entries_of(people["a_learner"])) == 1


def test_nobody_approves_their_own_activity(app, people):
    own = make_activity(people["a_admin"], people["body"], title="My own congress")
    admin = client_for(app, people["a_admin"])
    assert decide(admin, own, "approve").status_code == 403
    assert entries_of(people["a_admin"]) == []
