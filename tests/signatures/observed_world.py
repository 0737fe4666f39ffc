"""A world for observed practice: organisation A with two job profiles, their supervisors and
holders, a course with an observed-practice lesson everyone is enrolled in, and organisation B
with a supervisor of its own."""
from dataclasses import dataclass

import pytest

from lms.compliance import supervisors
from lms.courses.models import Lesson
from lms.extensions import db
from tests.factories import assign_profile, create_course, create_org, create_profile, create_user, enrol, lessons_of

INSTRUCTIONS = "Perform a **line clearance** of filling line 3 while the supervisor watches."


@dataclass
class World:
    org: object
    other_org: object
    course: object
    lesson: object          # the observed-practice lesson
    text_lesson: object
    profile: object         # "Line operator": supervised by supervisor, held by learner, peer
    other_profile: object   # "QC analyst": supervised by other_supervisor, held by outsider
    supervisor: object
    other_supervisor: object
    foreign_supervisor: object   # supervises a profile of organisation B
    learner: object
    peer: object
    outsider: object
    org_admin: object
    site_admin: object
    enrolment: object
    peer_enrolment: object
    outsider_enrolment: object


def supervise(user, profile):
    row, _created = supervisors.add_supervisor(None, profile, user)
    db.session.commit()
    return row


def observed_course(org, title="GMP on-the-job training"):
    course = create_course(title=title, org=org, lessons=("text", "observed"))
    lesson = lessons_of(course)[1]
    db.session.get(Lesson, lesson.id).body_markdown = INSTRUCTIONS
    db.session.get(Lesson, lesson.id).title = "Line clearance under observation"
    db.session.commit()
    return course


def build_world():
    org = create_org("Alpha Pharma")
    other_org = create_org("Beta Devices", country="SE")
    course = observed_course(org)
    text_lesson, lesson = lessons_of(course)
    profile, other_profile = create_profile(org, "Line operator"), create_profile(org, "QC analyst")
    foreign_profile = create_profile(other_org, "Line operator B")
    supervisor = create_user(org=org, name="Siri Supervisor", email="siri@example.test")
    other_supervisor = create_user(org=org, name="Otto Other", email="otto@example.test")
    foreign_supervisor = create_user(org=other_org, name="Bo Foreign", email="bo@example.test")
    learner = create_user(org=org, name="Kari Nordmann", email="kari@example.test")
    peer = create_user(org=org, name="Per Peer", email="per@example.test")
    outsider = create_user(org=org, name="Ola Outsider", email="ola@example.test")
    org_admin = create_user("org_admin", org=org, name="Olav Orgadmin", email="olav@example.test")
    site_admin = create_user("admin", org=create_org("Site"), name="Sam Site", email="sam@example.test")
    for person in (learner, peer):
        assign_profile(person, profile)
    assign_profile(outsider, other_profile)
    assign_profile(foreign_supervisor, foreign_profile)
    supervise(supervisor, profile)
    supervise(other_supervisor, other_profile)
    supervise(foreign_supervisor, foreign_profile)
    return World(
        org=org, other_org=other_org, course=course, lesson=lesson, text_lesson=text_lesson,
        profile=profile, other_profile=other_profile, supervisor=supervisor, other_supervisor=other_supervisor,
        foreign_supervisor=foreign_supervisor, learner=learner, peer=peer, outsider=outsider,
        org_admin=org_admin, site_admin=site_admin, enrolment=enrol(learner, course),
        peer_enrolment=enrol(peer, course), outsider_enrolment=enrol(outsider, course),
    )


@pytest.fixture
def world(app):
    return build_world()
