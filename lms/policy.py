"""Who may do what: the one place authorization rules live.

``can(user, action, target)`` is pure: it knows no request, so services, views, the API and
the CLI ask the same question and cannot disagree. Views turn a refusal into 403
(:func:`lms.accounts.auth.require`); services raise :class:`Forbidden`.
"""


class Forbidden(Exception):
    """A service refused an action for this user; views turn it into 403."""


def _same_org(user, target):
    return target is not None and target.organisation_id == user.organisation_id


def _org_id(target):
    """The organisation ``target`` belongs to: an Organisation's own id, else its
    ``organisation_id`` (a person, a job profile, a bulk job)."""
    return target.id if target.__class__.__name__ == "Organisation" else target.organisation_id


def _org_admin_of(user, target):
    """A site admin administers every organisation; an org admin only their own. ``target``
    is an Organisation or anything with an ``organisation_id`` (a job profile, a person)."""
    if user.role == "admin":
        return True
    if user.role != "org_admin" or target is None:
        return False
    org_id = _org_id(target)
    return org_id is not None and org_id == user.organisation_id


def _administers(user, target):
    """The admin pages shared by both kinds of administrator (users, records, reports, bulk
    enrolment, the admin start page). ``target`` None asks "may they open the page at all":
    an org admin may, and what the page shows is narrowed by :func:`organisation_scope`; a
    target (a person, an organisation, a bulk job) must be of the org admin's organisation."""
    if user.role == "admin":
        return True
    if user.role != "org_admin" or user.organisation_id is None:
        return False
    return target is None or _org_id(target) == user.organisation_id


def _manages_user(user, target):
    """Change a person's role, deactivate or reactivate them. Nobody manages themselves; an
    org admin manages only people of their organisation, and never a site admin."""
    if target is None:
        return _administers(user, None)
    if target.id == user.id:
        return False
    if user.role == "admin":
        return True
    return target.role != "admin" and _administers(user, target)


# The roles an org admin may give: never the site-wide one.
ORG_ADMIN_GRANTABLE = ("learner", "author", "org_admin")


def _grants_role(user, role):
    if user.role == "admin":
        return True
    return user.role == "org_admin" and role in ORG_ADMIN_GRANTABLE


def _reviews_cpd(user, target):
    """Approve or reject a person's external CPD activity (target: that person; None: the
    queue itself). Their organisation's admins and site admins; nobody their own."""
    if target is not None and target.id == user.id:
        return False
    return _administers(user, target)


def _sees_ledger(user, target):
    """A person's CPD ledger: their own, or as an administrator of their organisation."""
    return target is not None and (target.id == user.id or _administers(user, target))


# One rule per action, (user, target) -> bool, for authenticated users.
POLICY = {
    "author.view": lambda user, target: user.role in ("author", "admin"),
    # Site-wide administration only: the audit trail, caught mail.
    "admin.view": lambda user, target: user.role == "admin",
    # The admin start page; an org admin sees their organisation's figures.
    "admin.dashboard": _administers,
    # Completion reports and their exports. target: the organisation the report covers
    # (None: the page itself; its rows are narrowed by organisation_scope).
    "report.view": _administers,
    # A person's training record (page, CSV, PDF). target: the person.
    "record.view": _administers,
    # Bulk enrolment by CSV and its jobs. target: the job (its organisation_id is the
    # organisation its rows were limited to; None for a site admin's job, which an org admin
    # does not see). The rows themselves are checked against organisation_scope.
    "enrolment.bulk": _administers,
    "course.view_draft": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    "enrolment.view": lambda user, target: user.role == "admin" or target.user_id == user.id,
    # target: the user being managed (None: the users list); nobody changes their own role or
    # deactivates themselves; org admins manage their own organisation's people only.
    "user.manage": _manages_user,
    # Unlock a person's signing (and login) after failed signing: as user.manage (never one's
    # own account; org admins their organisation's people only).
    "signature.unlock": _manages_user,
    # target: the role name about to be given (an org admin never makes a site admin)
    "user.grant_role": _grants_role,
    # Authoring. target: the course (for course.create, the new course with its organisation).
    "course.create": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    "course.edit": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    # target: the learner whose open enrolment's due date changes (never one's own)
    "enrolment.change_due": lambda user, target: target is not None and target.id != user.id and _administers(user, target),
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
    # CPD: accrediting bodies and the credits courses carry with them are site-wide.
    "cpd.manage": lambda user, target: user.role == "admin",
    # target: the person whose external activity is reviewed (None: the pending queue).
    "cpd.review": _reviews_cpd,
    # target: the person whose ledger is shown.
    "cpd.view_ledger": _sees_ledger,
    # target: the person who claims (registration numbers, external activities): only themselves.
    "cpd.claim": lambda user, target: target is not None and target.id == user.id,
}


# ---------------------------------------------------------------- CPD cycles and statements
# (part "cycles" of issue 13; kept in one block so the CPD ledger's rules sit beside it)


def _reads_cpd_of(user, person):
    """A person's CPD cycles and statements: the person themself, a site admin, or an org
    admin of the person's organisation. ``person`` None asks "may they open the admin pages
    at all" (site and org admins may; rows are narrowed by the person asked for)."""
    if person is None:
        return _administers(user, None)
    return person.id == user.id or _administers(user, person)


CYCLE_POLICY = {
    # A body's credit cycles (start, length in years, credits required): site admins only.
    "cpd.cycle.manage": lambda user, target: user.role == "admin",
    # target: the person whose cycle standing or statement is read.
    "cpd.statement.view": _reads_cpd_of,
}
POLICY.update(CYCLE_POLICY)


# ------------------------------------------------------- supervisor sign-off (issue 14)


class SignOffTarget:
    """What ``practice.sign_off`` judges: the learner, and the ids of the live supervisors of
    the job profiles they hold in their organisation (lms.signatures.supervision gathers them)."""

    __slots__ = ("learner_id", "supervisor_ids")

    def __init__(self, learner_id, supervisor_ids):
        self.learner_id, self.supervisor_ids = learner_id, frozenset(supervisor_ids)


def _signs_off(user, target):
    """Sign "verified competent" on a learner's observed practice: only one of their
    supervisors, never the learner themself, whatever the role (a site admin is no supervisor)."""
    return target is not None and user.id != target.learner_id and user.id in target.supervisor_ids


POLICY["practice.sign_off"] = _signs_off


def organisation_scope(user):
    """Whose people an administrator's lists, reports and exports cover: None for a site
    admin (everyone), the organisation's id for an org admin. Queries filter by it; the rules
    above still check each person or organisation a request names.

    :raises Forbidden: ``user`` administers no organisation
    """
    if user is None or not user.is_authenticated:
        raise Forbidden("organisation_scope")
    if user.role == "admin":
        return None
    if user.role == "org_admin" and user.organisation_id is not None:
        return user.organisation_id
    raise Forbidden("organisation_scope")


def can(user, action, target=None):
    """May ``user`` do ``action`` (on ``target``)? Unknown actions are a programming error."""
    rule = POLICY[action]
    if user is None or not user.is_authenticated:
        return False
    return bool(rule(user, target))
