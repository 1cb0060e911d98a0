"""The ballot room over the real ASGI stack: who gets in, snapshot, live (coalesced) tally."""

import pytest
from channels.db import database_sync_to_async as sync_to_async

from community.roles import Role
from deliberation.votes import services as sv
from realtime import coalesce
from tests.community.factories import HallFactory, UserFactory, member
from tests.deliberation.votes.factories import make_ballot
from tests.wsclient import open_socket, receive, receive_until

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
async def close_executor_connections():
    """Close the DB connection left in asgiref's executor thread (PostgreSQL drops the test DB)."""
    yield
    from asgiref.sync import sync_to_async as plain_sync_to_async
    from django.db import connections

    await plain_sync_to_async(connections.close_all)()


@pytest.fixture
def setup(db):
    hall = HallFactory()
    mod = member(hall, Role.MODERATOR)
    voters = [member(hall) for _ in range(3)]
    ballot = make_ballot(hall, mod, secret=False, results_live=True)
    return ballot, mod, voters


async def test_snapshot_then_a_coalesced_tally_after_casts(setup):
    ballot, mod, voters = setup
    comm, ok, _ = await open_socket(f"/ws/ballots/{ballot.pk}/", voters[0])
    assert ok
    snap = await receive(comm)
    assert snap["type"] == "snapshot" and snap["data"]["turnout"] == 0
    assert snap["data"]["totals"] == {"for": 0, "against": 0, "abstain": 0}
    for v in voters:
        await sync_to_async(sv.ballot_cast)(voter=v, ballot=ballot, choices=["for"])
    frame = await receive_until(comm, "ballot.tally", timeout=5)
    while frame["data"]["turnout"] < 3:
        frame = await receive_until(comm, "ballot.tally", timeout=5)
    assert frame["data"]["totals"]["for"] == 3
    await sync_to_async(coalesce.flush)()
    await sync_to_async(sv.ballot_close)(actor=mod, ballot=ballot)
    state = await receive_until(comm, "ballot.state", timeout=5)
    assert state["data"]["state"] == "closed" and state["data"]["result"] in {"passed", "no_quorum"}
    await comm.disconnect()


async def test_people_who_may_not_see_the_ballot_are_refused(setup):
    ballot, *_ = setup
    outsider = await sync_to_async(UserFactory)()
    for user in (None, outsider):
        _comm, ok, code = await open_socket(f"/ws/ballots/{ballot.pk}/", user)
        assert not ok and code == 4403
