"""The audit hash chain: events are chained when their transaction commits, and verified by
walking the chain in ``seq`` order.

Events are added with ``record_event``. Just before the commit, ``_chain_pending`` locks the
single AuditChainHead row (a row lock on PostgreSQL, the database write lock on SQLite),
reading its seq and hash in the same statement, gives each new event the next ``seq``,
``prev_hash`` and its ``hash`` before it is written, and moves the head. The lock is held only
from there to the commit.
"""
import hashlib
import json

from sqlalchemy import event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lms.audit.models import AuditChainHead, AuditEvent

PENDING = "lms_audit_pending"
GENESIS = "0" * 64


def event_hash(prev_hash, seq, event_):
    """SHA-256 over the previous hash and the event's canonical content."""
    content = {
        "seq": seq,
        "at": event_.at.isoformat(),
        "actor_id": event_.actor_id,
        "action": event_.action,
        "subject_type": event_.subject_type,
        "subject_id": event_.subject_id,
        "data": event_.data or {},
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def mark_pending(session, event_):
    session.info.setdefault(PENDING, []).append(event_)


def _lock_head(session):
    """Lock the head row (creating it once) and return its (seq, hash), read by the locking
    statement itself."""
    lock = (
        update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=AuditChainHead.seq)
        .returning(AuditChainHead.seq, AuditChainHead.hash)
        .execution_options(synchronize_session=False)
    )
    head = session.execute(lock).one_or_none()
    if head is None:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(AuditChainHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.execute(lock).one()
    return head.seq, head.hash


@event.listens_for(Session, "before_commit")
def _chain_pending(session):
    if session.in_nested_transaction():
        return  # a savepoint: the events are chained when the whole transaction commits
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    # Events added inside a savepoint that was rolled back are gone (transient again): chain
    # only the survivors, in the order they were added, which is also their id order.
    pending = [e for e in pending if inspect(e).pending or inspect(e).persistent]
    if not pending:
        return
    with session.no_autoflush:  # the events are written below, complete
        seq, prev_hash = _lock_head(session)
    for event_ in pending:
        seq += 1
        event_.seq = seq
        event_.prev_hash = prev_hash
        event_.hash = prev_hash = event_hash(prev_hash, seq, event_)
    session.flush()  # one INSERT per event, no UPDATE after
    session.execute(
        update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=seq, hash=prev_hash)
        .execution_options(synchronize_session=False)
    )


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def verify_chain(session, batch_size=5000):
    """Walk the chain in order. Return (checked_count, problem) where problem is None when the
    chain is intact, else a message naming the first tampered or missing event."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch_size)
        ).all()
        if not rows:
            break
        for event_ in rows:
            if event_.seq != expected_seq:
                return checked, f"event #{expected_seq} is missing (the chain jumps to #{event_.seq}, id {event_.id})"
            if event_.prev_hash != prev_hash:
                return checked, f"event #{event_.seq} (id {event_.id}) does not follow event #{event_.seq - 1}: the previous event was altered or removed"
            if event_hash(prev_hash, event_.seq, event_) != event_.hash:
                return checked, f"event #{event_.seq} (id {event_.id}, {event_.action}) was altered: its content does not match its hash"
            prev_hash, expected_seq, checked = event_.hash, expected_seq + 1, checked + 1
            last_seq = event_.seq
        session.expunge_all()  # flat memory over long chains
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.seq != last_seq or (last_seq and head.hash != prev_hash)):
        return checked, f"the chain ends at #{last_seq} but its head says #{head.seq}: events at the end were removed"
    unchained = session.scalar(select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1))
    if unchained is not None:
        return checked, f"event id {unchained} is not part of the chain (written outside record_event)"
    return checked, None
