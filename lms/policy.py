"""Who may do what: the one place authorization rules live.

``can(user, action, target)`` is pure: it knows no request, so services, views, the API and
the CLI ask the same question and cannot disagree. Views turn a refusal into 403
(:func:`lms.accounts.auth.require`); services raise :class:`Forbidden`.
"""


class Forbidden(Exception):
    """A service refused an action for this user; views turn it into 403."""


def _same_org(user, target):
    return target is not None and target.organisation_id == user.organisation_id


def _org_admin_of(user, target):
    """A site admin administers every organisation; an org admin only their own. ``target``
    is an Organisation or anything with an ``organisation_id`` (a job profile, a person)."""
    if user.role == "admin":
        return True
    if user.role != "org_admin" or target is None:
        return False
    org_id = target.id if target.__class__.__name__ == "Organisation" else target.organisation_id
    return org_id is not None and org_id == user.organisation_id


# One rule per action, (user, target) -> bool, for authenticated users.
POLICY = {
    "author.view": lambda user, target: user.role in ("author", "admin"),
    "admin.view": lambda user, target: user.role == "admin",
    # completion reports and their exports
    "report.view": lambda user, target: user.role == "admin",
    "course.view_draft": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    "enrolment.view": lambda user, target: user.role == "admin" or target.user_id == user.id,
    # target: the user being managed; nobody changes their own role or deactivates themselves
    "user.manage": lambda user, target: user.role == "admin" and (target is None or target.id != user.id),
    # Authoring. target: the course (for course.create, the new course with its organisation).
    "course.create": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    "course.edit": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    # target: the course whose learners move to its published version
    "enrolment.move_version": lambda user, target: user.role == "admin",
    # Certificates. target: the certificate; only its learner and admins download it.
    "certificate.download": lambda user, target: user.role == "admin" or target.enrolment.user_id == user.id,
    "certificate.manage": lambda user, target: user.role == "admin",
    # Reminder emails: see the ones that failed for good and send them again.
    "reminder.manage": lambda user, target: user.role == "admin",
    # Compliance training. target: the organisation, or its job profile or person. Site admins
    # manage every organisation's training matrix; org admins their own organisation's only.
    "compliance.manage": _org_admin_of,
}


def can(user, action, target=None):
    """May ``user`` do ``action`` (on ``target``)? Unknown actions are a programming error."""
    rule = POLICY[action]
    if user is None or not user.is_authenticated:
        return False
    return bool(rule(user, target))
