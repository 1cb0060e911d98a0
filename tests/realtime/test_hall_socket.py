"""The hall room over the real ASGI stack: who gets in, snapshot, presence, protocol errors."""

import json

import pytest
from asgiref.sync import sync_to_async

from community.roles import Role
from tests.community.factories import HallFactory, UserFactory, member
from tests.wsclient import command, open_socket, receive, receive_until

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hall_and_people(db):
    hall = HallFactory(name="芳华议事厅")
    return (
        hall,
        member(hall, Role.MEMBER, display_name="王阿姨"),
        member(hall, display_name="张奶奶"),
    )


async def test_member_gets_a_snapshot_then_presence_of_others(hall_and_people):
    hall, wang, zhang = hall_and_people
    path = f"/ws/halls/{hall.pk}/"
    a, ok, _ = await open_socket(path, wang)
    assert ok
    snap = await receive(a)
    assert snap["type"] == "snapshot" and snap["room"] == f"hall.{hall.pk}"
    assert snap["data"]["hall"] == {"id": hall.pk, "name": "芳华议事厅"}
    assert isinstance(snap["seq"], int)
    first = await receive_until(a, "presence.changed")
    assert first["data"]["online"] == 1 and first["seq"] > snap["seq"]
    assert first["data"]["joined"] == [{"id": wang.pk, "name": "王阿姨"}]

    b, ok, _ = await open_socket(path, zhang)
    assert ok
    snap_b = await receive(b)
    assert snap_b["data"]["online"] >= 1
    update = await receive_until(a, "presence.changed")
    assert update["data"]["online"] == 2
    # Only who came: not the whole list again.
    assert update["data"] == {"online": 2, "joined": [{"id": zhang.pk, "name": "张奶奶"}]}
    assert update["seq"] == first["seq"] + 1

    await b.disconnect()
    gone = await receive_until(a, "presence.changed")
    assert gone["data"] == {"online": 1, "left": [zhang.pk]}
    await a.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "applicant", "other_hall_member"])
async def test_people_outside_the_hall_are_refused(hall_and_people, who):
    hall, *_ = hall_and_people

    @sync_to_async
    def make():
        from community.models import Membership, MembershipStatus

        if who == "anonymous":
            return None
        if who == "outsider":
            return UserFactory()
        if who == "applicant":
            u = UserFactory()
            Membership.objects.create(user=u, hall=hall, status=MembershipStatus.REQUESTED)
            return u
        return member(HallFactory())

    comm, ok, code = await open_socket(f"/ws/halls/{hall.pk}/", await make())
    assert not ok
    assert code == 4403
    await comm.disconnect()


async def test_a_wrong_origin_is_refused(hall_and_people):
    hall, wang, _ = hall_and_people
    comm, ok, _ = await open_socket(
        f"/ws/halls/{hall.pk}/", wang, origin="https://evil.example.com"
    )
    await comm.disconnect()
    assert not ok


async def test_outsiders_receive_nothing_of_a_hall_they_cannot_join(hall_and_people):
    hall, wang, _ = hall_and_people
    other = await sync_to_async(HallFactory)()
    stranger = await sync_to_async(member)(other)
    s, ok, _ = await open_socket(f"/ws/halls/{other.pk}/", stranger)
    assert ok
    await receive(s)  # snapshot
    await receive_until(s, "presence.changed")
    a, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", wang)
    assert ok
    await receive_until(a, "presence.changed")
    assert await s.receive_nothing(timeout=1)
    await a.disconnect()
    await s.disconnect()


async def test_bad_frames_get_errors_that_name_the_request(hall_and_people):
    hall, wang, _ = hall_and_people
    comm, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", wang)
    assert ok
    await receive(comm)
    await comm.send_to(text_data="not json")
    err = await receive_until(comm, "error")
    assert err["code"] == "bad_json" and err["in_reply_to"] is None
    await comm.send_to(text_data=json.dumps({"id": "c1", "type": 5}))
    err = await receive_until(comm, "error")
    assert err["code"] == "bad_request" and err["in_reply_to"] == "c1"
    reply = await command(comm, "c2", "launch_rockets")
    assert reply["type"] == "error" and reply["code"] == "unknown_type"
    await comm.send_to(
        text_data=json.dumps({"id": "c3", "type": "ping", "data": {"x": "y" * 20000}})
    )
    err = await receive_until(comm, "error")
    assert err["code"] == "too_large"
    # Nested far past the recursion limit, and just too deep, both under 16 KiB: error frames,
    # and the socket stays open (issue 11 #11).
    await comm.send_to(text_data="[" * 8000 + "]" * 8000)
    assert (await receive_until(comm, "error"))["code"] == "bad_json"
    nested = '{"id": "c5", "type": "ping", "data": {"x": ' + "[" * 40 + "]" * 40 + "}}"
    await comm.send_to(text_data=nested)
    assert (await receive_until(comm, "error"))["code"] == "bad_json"
    assert (await command(comm, "c4", "ping"))["type"] == "ok"
    await comm.disconnect()


async def test_resync_sends_a_fresh_snapshot(hall_and_people):
    hall, wang, _ = hall_and_people
    comm, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", wang)
    assert ok
    first = await receive(comm)
    await receive_until(comm, "presence.changed")
    reply_and_snapshot = []
    await comm.send_to(text_data=json.dumps({"id": "r1", "type": "resync", "data": {}}))
    while len(reply_and_snapshot) < 2:
        reply_and_snapshot.append(await receive(comm))
    snap = next(f for f in reply_and_snapshot if f["type"] == "snapshot")
    assert snap["seq"] > first["seq"]  # includes the presence event
    assert snap["data"]["online"] == 1
    assert any(f.get("in_reply_to") == "r1" and f["type"] == "ok" for f in reply_and_snapshot)
    await comm.disconnect()


async def test_commands_are_rate_limited(hall_and_people):
    hall, wang, _ = hall_and_people
    comm, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", wang)
    assert ok
    await receive(comm)
    for i in range(40):
        await comm.send_to(text_data=json.dumps({"id": f"p{i}", "type": "ping", "data": {}}))
    codes = []
    while not await comm.receive_nothing(timeout=0.5):
        frame = await receive(comm)
        if frame.get("in_reply_to"):
            codes.append(frame.get("code", "ok"))
    assert "rate_limited" in codes and codes.count("ok") >= 20
    await comm.disconnect()
