"""The rules of the training matrix, as plain functions: the one statement of what "compliant"
means. The dashboard's SQL aggregate, the reconcile job, retraining and recertification must
agree with these (their tests compare against them).

Words:
- a requirement *binds* a person at time ``at`` when their job assignment and the requirement
  were both live then (``assigned_at``/``created_at`` <= at < ``removed_at`` or never removed);
- the *effective version* of a course at ``at`` is the highest-numbered published (or since
  archived) version that is major (``change_kind`` major or None) and in effect
  (``effective_at``, or ``published_at`` when None, <= at); minor versions never raise it;
- a completion counts at ``at`` when ``completed_at`` <= at; it is *current* when its version's
  number is >= the effective version's number, otherwise *superseded*;
- a current completion has *lapsed* at ``at`` when the requirement recurs and the enrolment's
  ``valid_until`` <= at;
- a person is *exempt* at ``at`` from a course their job requires when an admin's exemption for
  (person, course) was live then: ``created_at`` <= at < ``expires_at`` and not revoked by then
  (``revoked_at`` None or later than at). It never stands for training: a cell with a current,
  unlapsed completion is compliant (or expiring) whatever the exemption says; otherwise a live
  exemption makes it EXEMPT (its date: when the exemption expires) instead of expired,
  superseded, overdue or pending. EXEMPT is not a compliant status: the dashboard counts it in
  its own column and leaves exempt people out of the compliant share (they are not required to
  have the training while exempt, and an inspector sees they were exempted, not trained). An
  exemption stops counting the moment it expires, with nothing to run.
"""
from datetime import timedelta

# A cell of the matrix, in the order the dashboard shows them.
COMPLIANT = "compliant"        # current completion, not lapsed (includes EXPIRING)
EXPIRING = "expiring"          # compliant, but valid_until within EXPIRING_DAYS
EXPIRED = "expired"            # the newest current completion has lapsed
SUPERSEDED = "superseded"      # trained only on a version before the effective major one
OVERDUE = "overdue"            # no counting completion and the due date has passed
PENDING = "pending"            # no counting completion yet, not yet due
EXEMPT = "exempt"              # not compliant by training, but exempted by an admin until a date
STATUSES = (COMPLIANT, EXPIRING, EXPIRED, SUPERSEDED, OVERDUE, PENDING, EXEMPT)
COMPLIANT_STATUSES = (COMPLIANT, EXPIRING)

EXPIRING_DAYS = 30


def live(start, end, at):
    """Was a row with this start and (optional) removal time live at ``at``?"""
    return start <= at and (end is None or end > at)


def effective_number(versions, at):
    """The number of the course's effective version at ``at`` (None before any published).

    :param versions: (number, status, change_kind, published_at, effective_at) per version
    """
    best = None
    for number, status, kind, published_at, effective_at in versions:
        if status not in ("published", "archived") or published_at is None or published_at > at:
            continue
        if kind not in (None, "major"):
            continue
        if (effective_at or published_at) <= at and (best is None or number > best):
            best = number
    return best


def exemption_live(created_at, expires_at, revoked_at, at):
    """Was an exemption with these times live at ``at``? (expires_at is exclusive)"""
    return created_at <= at < expires_at and (revoked_at is None or revoked_at > at)


def cell_status(at, effective, recurs, due_at, completions, exempt_until=None):
    """The status of one person against one binding requirement at ``at``.

    :param effective: the course's effective version number at ``at`` (None: nothing counts)
    :param recurs: whether the requirement recurs (completions lapse at valid_until)
    :param due_at: when the requirement was due for this person (the open assignment's due
        date, or assigned_at + due_days)
    :param completions: (version_number, completed_at, valid_until) of the person's completed
        enrolments in the course, any order
    :param exempt_until: ``expires_at`` of the person's exemption from the course live at
        ``at`` (see :func:`exemption_live`), None when there is none
    :return: (status, date): the date is valid_until for compliant/expiring/expired, the
        completion date for superseded, the exemption's expiry for exempt, the due date
        otherwise
    """
    counted = [c for c in completions if c[1] is not None and c[1] <= at]
    current = [c for c in counted if effective is not None and c[0] >= effective]
    if current:
        newest = max(current, key=lambda c: c[1])
        valid_until = newest[2] if recurs else None
        if valid_until is None:
            return COMPLIANT, None
        if valid_until <= at:
            return (EXEMPT, exempt_until) if exempt_until is not None else (EXPIRED, valid_until)
        if valid_until <= at + timedelta(days=EXPIRING_DAYS):
            return EXPIRING, valid_until
        return COMPLIANT, valid_until
    if exempt_until is not None:
        return EXEMPT, exempt_until
    if counted:
        return SUPERSEDED, max(c[1] for c in counted)
    if due_at is not None and due_at <= at:
        return OVERDUE, due_at
    return PENDING, due_at
