"""Two decisions on one document at the same moment, in real concurrent PostgreSQL transactions: one wins.

Each decision runs in a thread with a database connection of its own; a barrier lets them go together. The winner
is slowed down inside its transaction (after it has locked the row), so the other one really arrives while the row
is locked and must wait for it: the test proves the lock, not a lucky order. A third connection watches
pg_stat_activity to see that waiting happen.
"""

import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections

from portal import services
from portal.models import Evidence, Notification, ReviewEvent, ReviewState, Role
from tests.factories import UserFactory, upload
from tests.reliability.conftest import record_figure

ROUNDS = 3
# How long the winner keeps its transaction open after locking the row.
WINNER_HOLDS_LOCK = 0.3


@pytest.fixture
def second_reviewer(db):
    """Oscar, a second member of the International Office, reviewing the same queue as Olga."""
    return UserFactory(username="oscar", role=Role.INTERNATIONAL_OFFICE, first_name="Oscar")


@pytest.fixture
def slow_decisions(monkeypatch):
    """Keep the deciding transaction open a little longer, after the row lock is taken (at the audit entry)."""
    record = services.audit_record

    def slow_audit_record(**kwargs):
        if kwargs["action"] in ("evidence.approved", "evidence.rejected"):
            time.sleep(WINNER_HOLDS_LOCK)
        return record(**kwargs)

    monkeypatch.setattr(services, "audit_record", slow_audit_record)


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _race(decisions) -> tuple[list, int]:
    """Run the decisions in threads released together; returns their results (or exceptions) and how many
    transactions were seen waiting for a lock meanwhile."""
    barrier = threading.Barrier(len(decisions), timeout=10)
    outcomes: list = [None] * len(decisions)

    def run(index, decide):
        try:
            barrier.wait()
            outcomes[index] = decide()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, decide), daemon=True) for i, decide in enumerate(decisions)]
    for thread in threads:
        thread.start()
    most_waiting = 0
    deadline = time.monotonic() + 20
    while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline:
        most_waiting = max(most_waiting, _waiting_on_locks())
        time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=1)
    assert not any(thread.is_alive() for thread in threads), "a decision did not finish within 20 s"
    return outcomes, most_waiting


def _pending_visa_page(student) -> Evidence:
    return services.evidence_submit(student=student, kind="visa_page", upload=upload(), uploaded_by=student.user)


def _decisions_recorded(evidence) -> int:
    return ReviewEvent.objects.filter(
        evidence=evidence, to_state__in=[ReviewState.APPROVED, ReviewState.REJECTED]
    ).count()


def test_an_approval_and_a_rejection_at_the_same_moment_record_one_decision(
    transactional_db, student, office_staff, second_reviewer, slow_decisions
):
    waits = conflicts = 0
    for _ in range(ROUNDS):
        evidence = _pending_visa_page(student)
        outcomes, waiting = _race(
            [
                lambda evidence=evidence: services.evidence_approve(evidence=evidence, reviewer=office_staff),
                lambda evidence=evidence: services.evidence_reject(
                    evidence=evidence, reviewer=second_reviewer, reason="The page is cut off"
                ),
            ]
        )
        winners = [outcome for outcome in outcomes if isinstance(outcome, Evidence)]
        losers = [outcome for outcome in outcomes if isinstance(outcome, services.ConflictError)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        evidence.refresh_from_db()
        assert evidence.state == winners[0].state
        assert evidence.decided_by == winners[0].decided_by
        assert _decisions_recorded(evidence) == 1
        assert "already" in str(losers[0])
        waits += waiting >= 1
        conflicts += len(losers)

    record_figure("approve + reject at the same moment: decisions recorded per document", 1)
    record_figure(
        f"approve + reject at the same moment: conflicts told to the second reviewer ({ROUNDS} rounds)", conflicts
    )
    record_figure(
        "approve + reject at the same moment: rounds where the second waited on the lock", f"{waits}/{ROUNDS}"
    )
    assert waits == ROUNDS
    # One email per document: the losing transaction rolled back before it told the student anything.
    assert Notification.objects.filter(user=student.user).count() == ROUNDS
    assert len(mail.outbox) == ROUNDS


def test_a_double_click_on_approve_records_one_approval(transactional_db, student, office_staff, slow_decisions):
    waits = 0
    for _ in range(ROUNDS):
        evidence = _pending_visa_page(student)
        approve = lambda evidence=evidence: services.evidence_approve(evidence=evidence, reviewer=office_staff)  # noqa: E731
        outcomes, waiting = _race([approve, approve])
        assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ConflictError", "Evidence"], outcomes
        evidence.refresh_from_db()
        assert evidence.state == ReviewState.APPROVED
        assert _decisions_recorded(evidence) == 1
        waits += waiting >= 1

    duplicates = ReviewEvent.objects.filter(to_state=ReviewState.APPROVED).count() - ROUNDS
    record_figure("double-click approvals: duplicate decisions recorded", duplicates)
    record_figure("double-click approvals: rounds where the second click waited on the row lock", f"{waits}/{ROUNDS}")
    assert duplicates == 0
    assert waits == ROUNDS
    assert Notification.objects.filter(user=student.user).count() == ROUNDS
    assert len(mail.outbox) == ROUNDS
