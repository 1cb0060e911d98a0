"""Seconding: once each, never one's own, the threshold moves the proposal exactly once."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection

from forum import services
from forum.models import Notification, Proposal, ProposalEvent, ProposalState, Second
from tests.community.factories import member
from tests.forum.factories import proposal

S = ProposalState


@pytest.mark.django_db
def test_second_once_and_never_ones_own(hall):
    hall.seconding_threshold = 5
    hall.save()
    author, wang = member(hall), member(hall)
    p = proposal(hall, author)
    services.proposal_second(user=wang, proposal=p)
    with pytest.raises(ValidationError, match="已经附议"):
        services.proposal_second(user=wang, proposal=p)
    with pytest.raises(PermissionDenied):
        services.proposal_second(user=author, proposal=p)
    p.refresh_from_db()
    assert p.second_count == 1 == Second.objects.filter(proposal=p).count()
    assert Notification.objects.filter(recipient=author, kind="seconded").count() == 1


@pytest.mark.django_db
def test_outsiders_and_drafts_cannot_be_seconded(hall, people):
    p = proposal(hall, state=S.DRAFT)
    with pytest.raises(ValidationError, match="不在征集附议"):
        services.proposal_second(user=people["member"], proposal=p)
    q = proposal(hall)
    for who in ("outsider", "applicant"):
        with pytest.raises(PermissionDenied):
            services.proposal_second(user=people[who], proposal=q)


@pytest.mark.django_db
def test_reaching_the_threshold_moves_to_awaiting_review_once(hall):
    hall.seconding_threshold = 3
    hall.save()
    author = member(hall)
    p = proposal(hall, author)
    fans = [member(hall) for _ in range(3)]
    services.proposal_second(user=fans[0], proposal=p)
    services.proposal_second(user=fans[1], proposal=p)
    assert Proposal.objects.get(pk=p.pk).state == S.COLLECTING
    services.proposal_second(user=fans[2], proposal=p)
    p.refresh_from_db()
    assert p.state == S.AWAITING_REVIEW and p.second_count == 3
    event = p.events.get(to_state=S.AWAITING_REVIEW)
    assert event.actor is None and "3" in event.note
    # the author hears about the state change
    assert Notification.objects.filter(recipient=author, kind="state_changed").exists()
    # the window is closed now
    with pytest.raises(ValidationError):
        services.proposal_second(user=member(hall), proposal=p)


def _concurrent_seconds(hall_threshold: int, people: int) -> tuple[Proposal, list]:
    from tests.community.factories import HallFactory

    hall = HallFactory(seconding_threshold=hall_threshold)
    p = proposal(hall)
    users = [member(hall) for _ in range(people)]
    barrier = threading.Barrier(people)
    errors: list = []

    def go(user):
        try:
            barrier.wait(5)
            services.proposal_second(user=user, proposal=p)
        except Exception as exc:  # collected and checked below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=go, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return p, errors


@pytest.mark.django_db(transaction=True)
def test_threshold_crossing_happens_exactly_once_under_concurrent_seconds():
    """Eight people second at the same moment; the threshold of 4 is crossed by exactly one.

    Real threads with their own connections: on PostgreSQL (make test-pg) the proposal row
    lock serialises them; on SQLite the IMMEDIATE transactions do.
    """
    p, errors = _concurrent_seconds(hall_threshold=4, people=8)
    p.refresh_from_db()
    # Those after the crossing find the window closed; nobody fails any other way.
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert p.state == S.AWAITING_REVIEW
    assert ProposalEvent.objects.filter(proposal=p, to_state=S.AWAITING_REVIEW).count() == 1
    assert p.second_count == Second.objects.filter(proposal=p).count() == 8 - len(errors)
    assert p.second_count >= 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_seconds_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("runs under make test-pg (DATABASE_URL=postgres://…)")
    p, errors = _concurrent_seconds(hall_threshold=6, people=12)
    p.refresh_from_db()
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert ProposalEvent.objects.filter(proposal=p, to_state=S.AWAITING_REVIEW).count() == 1
    assert p.second_count == Second.objects.filter(proposal=p).count() >= 6
