"""The meeting room over the real ASGI stack: snapshot, deltas, errors, timers, HTTP → room."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async

from deliberation.meetings import services
from tests.community.factories import BrowserClient, HallFactory, UserFactory, member
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)
from tests.wsclient import command, open_socket, receive, receive_until

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ctx(db):
    hall = HallFactory(name="芳华议事厅")
    people = meeting_people(hall)
    proposal = accepted_proposal(hall, people["wang"])
    meeting = scheduled_meeting(hall, people, proposals=[proposal])
    return hall, people, meeting


async def room_events(comm, wait: float = 0.7) -> list[str]:
    """Types of the meeting events that arrive within `wait` seconds (presence is not one)."""
    types = []
    while not await comm.receive_nothing(timeout=wait):
        frame = await receive(comm)
        if frame["type"] != "presence.changed":
            types.append(frame["type"])
    return types


async def until(comm, type_: str, timeout: float = 3) -> dict:
    return await receive_until(comm, type_, timeout)


async def test_snapshot_then_everyone_follows_the_moderator(ctx):
    _hall, people, meeting = ctx
    path = f"/ws/meetings/{meeting.pk}/"
    mod, ok, _ = await open_socket(path, people["moderator"])
    assert ok
    snap = await receive(mod)
    assert snap["type"] == "snapshot" and snap["room"] == f"meeting.{meeting.pk}"
    data = snap["data"]
    assert data["meeting"]["state"] == "scheduled"
    assert [i["title"] for i in data["agenda"]] == ["修复小区喷泉", "其他事项"]
    assert data["floor"]["queue"] == [] and data["votes"] == {"ballot": None}
    res, ok, _ = await open_socket(path, people["zhang"])
    assert ok
    snap_res = await receive(res)

    reply = await command(mod, "c1", "open_meeting")
    assert reply == {"type": "ok", "in_reply_to": "c1", "data": {}}
    reply = await command(mod, "c2", "next_item")
    assert reply["type"] == "ok"
    opened = await until(res, "item.opened")
    assert opened["data"]["meeting"]["current_item_id"] == opened["data"]["agenda"][0]["id"]
    assert opened["data"]["agenda"][0]["proposal"]["state"] == "deliberating"
    assert opened["seq"] > snap_res["seq"]
    await mod.disconnect()
    await res.disconnect()


async def test_raise_hand_give_floor_and_errors(ctx):
    _hall, people, meeting = ctx
    await sync_to_async(services.meeting_open)(actor=people["moderator"], meeting=meeting)
    await sync_to_async(services.meeting_open_item)(actor=people["moderator"], meeting=meeting)
    path = f"/ws/meetings/{meeting.pk}/"
    mod, _, _ = await open_socket(path, people["moderator"])
    wang, _, _ = await open_socket(path, people["wang"])
    await receive(mod)
    await receive(wang)
    reply = await command(wang, "h1", "raise_hand", {"stance": "for"})
    assert reply["type"] == "error" and reply["code"] == "invalid" and "签到" in reply["message"]
    reply = await command(mod, "m1", "check_in_member", {"user_id": people["wang"].pk})
    assert reply["type"] == "ok"
    att = await until(wang, "attendance.changed")
    assert att["data"]["attendance"]["present"] == 1
    assert (await command(wang, "h2", "raise_hand", {"stance": "for"}))["type"] == "ok"
    floor = await until(mod, "floor.changed")
    assert [h["user"]["name"] for h in floor["data"]["floor"]["queue"]] == ["王阿姨"]
    # a resident trying to give the floor: a clear error, and nothing changes
    reply = await command(wang, "h3", "give_floor")
    assert reply["type"] == "error" and reply["code"] == "forbidden"
    assert await room_events(mod) == []
    reply = await command(mod, "m2", "give_floor")
    assert reply["type"] == "ok"
    floor = await until(wang, "floor.changed")
    speaker = floor["data"]["floor"]["speaker"]
    assert speaker["user"]["name"] == "王阿姨" and speaker["deadline"]
    assert floor["data"]["server_now"]
    reply = await command(mod, "m3", "no_such_command")
    assert reply["code"] == "unknown_type"
    reply = await command(mod, "m4", "remove_hand", {"speech_id": "x"})
    assert reply["code"] == "invalid"
    reply = await command(mod, "m5", "remove_hand", {"speech_id": 999999})
    assert reply["code"] == "not_found"
    await mod.disconnect()
    await wang.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_hall_member"])
async def test_people_outside_the_hall_are_refused(ctx, who):
    _hall, _people, meeting = ctx

    @sync_to_async
    def make():
        if who == "anonymous":
            return None
        if who == "outsider":
            return UserFactory()
        return member(HallFactory(), "moderator")

    comm, ok, code = await open_socket(f"/ws/meetings/{meeting.pk}/", await make())
    assert not ok and code == 4403
    await comm.disconnect()


async def test_a_wrong_origin_is_refused(ctx):
    _hall, people, meeting = ctx
    comm, ok, _ = await open_socket(
        f"/ws/meetings/{meeting.pk}/", people["wang"], origin="https://evil.example.com"
    )
    assert not ok
    await comm.disconnect()


async def test_resync_after_a_gap_gives_the_current_state(ctx):
    _hall, people, meeting = ctx
    path = f"/ws/meetings/{meeting.pk}/"
    wang, _, _ = await open_socket(path, people["wang"])
    first = await receive(wang)
    # changes the client "missed" (made while it was not reading)
    await sync_to_async(services.meeting_open)(actor=people["moderator"], meeting=meeting)
    await sync_to_async(services.meeting_open_item)(actor=people["moderator"], meeting=meeting)
    await wang.send_to(text_data=json.dumps({"id": "r1", "type": "resync", "data": {}}))
    snap = await until(wang, "snapshot")
    assert snap["seq"] >= first["seq"] + 2
    assert snap["data"]["meeting"]["state"] == "open"
    assert snap["data"]["meeting"]["current_item_id"] is not None
    await wang.disconnect()


async def test_the_server_ends_a_speech_at_its_deadline(ctx):
    hall, people, meeting = ctx

    @sync_to_async
    def setup():
        hall.speech_limit_seconds = 1  # below the form's minimum, to keep the test short
        hall.save()
        services.meeting_open(actor=people["moderator"], meeting=meeting)
        services.meeting_check_in_member(
            actor=people["moderator"], meeting=meeting, user_id=people["wang"].pk
        )
        services.meeting_open_item(actor=people["moderator"], meeting=meeting)
        services.hand_raise(user=people["wang"], meeting=meeting, stance="for")

    await setup()
    path = f"/ws/meetings/{meeting.pk}/"
    zhang, _, _ = await open_socket(path, people["zhang"])
    await receive(zhang)
    await sync_to_async(services.floor_give)(actor=people["moderator"], meeting=meeting)
    given = await until(zhang, "floor.changed")
    assert given["data"]["floor"]["speaker"]["user"]["name"] == "王阿姨"
    # no one sends anything: the room's timer watcher ends the speech
    ended = await until(zhang, "floor.changed", timeout=5)
    assert ended["data"]["floor"]["speaker"] is None
    assert ended["data"]["floor"]["spoken"] == {str(people["wang"].pk): 1}
    await zhang.disconnect()


async def test_http_api_actions_reach_the_room(ctx):
    _hall, people, meeting = ctx
    path = f"/ws/meetings/{meeting.pk}/"
    zhang, _, _ = await open_socket(path, people["zhang"])
    await receive(zhang)

    @sync_to_async
    def post(user, action, body):
        c = BrowserClient()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return c.post(
            f"/api/v1/meetings/{meeting.pk}/actions/{action}",
            data=json.dumps(body),
            content_type="application/json",
        )

    r = await post(people["wang"], "open_meeting", {})
    assert r.status_code == 403 and "权限" in r.json()["detail"]
    r = await post(people["moderator"], "open_meeting", {})
    assert r.status_code == 200 and r.json()["ok"] is True
    event = await until(zhang, "meeting.changed")
    assert event["data"]["meeting"]["state"] == "open"
    r = await post(people["moderator"], "open_meeting", {})
    assert r.status_code == 400
    await zhang.disconnect()


async def test_a_speech_overdue_while_no_one_was_connected_is_over_in_the_snapshot(ctx):
    _hall, people, meeting = ctx

    @sync_to_async
    def setup():
        from datetime import timedelta

        from deliberation.models import Speech

        services.meeting_open(actor=people["moderator"], meeting=meeting)
        services.meeting_check_in_member(
            actor=people["moderator"], meeting=meeting, user_id=people["wang"].pk
        )
        services.meeting_open_item(actor=people["moderator"], meeting=meeting)
        services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
        speech = services.floor_give(actor=people["moderator"], meeting=meeting)
        # as if the server had been down past the deadline
        Speech.objects.filter(pk=speech.pk).update(
            started_at=speech.started_at - timedelta(minutes=10),
            deadline=speech.deadline - timedelta(minutes=10),
        )
        return Speech.objects.get(pk=speech.pk)

    speech = await setup()
    zhang, _, _ = await open_socket(f"/ws/meetings/{meeting.pk}/", people["zhang"])
    snap = await receive(zhang)
    # The snapshot writes nothing: it shows the speech over ...
    assert snap["data"]["floor"]["speaker"] is None
    assert snap["data"]["floor"]["spoken"] == {str(people["wang"].pk): 1}
    # ... and the room's watcher, started on connect, ends it for real, at its deadline.
    ended = await until(zhang, "floor.changed")
    assert ended["data"]["floor"] == snap["data"]["floor"]
    await sync_to_async(speech.refresh_from_db)()
    assert speech.end_reason == "timer" and speech.ended_at == speech.deadline
    await zhang.disconnect()


async def test_members_in_the_hall_room_are_told_of_a_new_meeting(ctx):
    hall, people, _meeting = ctx
    zhang, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", people["zhang"])
    assert ok
    await receive(zhang)
    await sync_to_async(scheduled_meeting)(hall, people)
    event = await until(zhang, "meeting.scheduled")
    assert event["data"]["title"] == "十月议事会"
    assert event["data"]["url"].startswith("/meetings/")
    await zhang.disconnect()
