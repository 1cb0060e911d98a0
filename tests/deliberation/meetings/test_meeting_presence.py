"""Presence in the meeting room is O(N): counts and deltas, lists only a page at a time to those
who may see them (issue 14, target 1; docs/realtime.md, "Presence")."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async

import realtime.consumers
from deliberation.meetings import selectors
from realtime import presence
from tests.community.factories import HallFactory
from tests.deliberation.meetings.factories import crowd, meeting_people, scheduled_meeting
from tests.wsclient import command, open_socket, receive

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ctx(db):
    hall = HallFactory(name="芳华议事厅")
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    return hall, people, meeting


async def presence_frames(comm, wait: float = 0.4) -> list[str]:
    """The raw presence frames that arrive until the socket is quiet for `wait` seconds."""
    texts = []
    while not await comm.receive_nothing(timeout=wait):
        text = await comm.receive_from(timeout=3)
        if json.loads(text)["type"] == "presence.changed":
            texts.append(text)
    return texts


async def join_one_by_one(path: str, users) -> list:
    socks = []
    for user in users:
        comm, ok, _ = await open_socket(path, user)
        assert ok
        await receive(comm)  # her snapshot before the next one comes
        socks.append(comm)
    return socks


async def bytes_while_joining(meeting, moderator, users) -> tuple[int, dict, set[int]]:
    """The presence bytes the first person (the moderator) receives while `users` join one after
    another; her presence after applying every event; the ids online in the database."""
    path = f"/ws/meetings/{meeting.pk}/"
    mod, ok, _ = await open_socket(path, moderator)
    assert ok
    state = (await receive(mod))["data"]["presence"]
    socks = await join_one_by_one(path, users)
    texts = await presence_frames(mod)
    for text in texts:
        state = presence.apply(state, json.loads(text)["data"])
    total = sum(len(t.encode()) for t in texts)
    live = await sync_to_async(presence.live_ids)(selectors.meeting_room(meeting.pk))
    for comm in socks:
        await comm.disconnect()
    await mod.disconnect()
    return total, state, live


async def test_presence_bytes_per_participant_grow_linearly_not_quadratically(ctx, monkeypatch):
    # No coalescing: every join is an event of its own (the worst case for bytes).
    monkeypatch.setattr(realtime.consumers, "PRESENCE_DEBOUNCE", 0.0)
    hall, people, meeting = ctx
    small = await sync_to_async(crowd)(hall, 9, prefix="small")
    large = await sync_to_async(crowd)(hall, 29, prefix="large")
    other = await sync_to_async(scheduled_meeting)(hall, people)

    total10, state10, live10 = await bytes_while_joining(meeting, people["moderator"], small)
    total30, state30, live30 = await bytes_while_joining(other, people["moderator"], large)

    # A phone receives a few kilobytes while 30 arrive, not every name again at every arrival.
    assert total30 < 4096, total30
    per_join10, per_join30 = total10 / 9, total30 / 29
    assert per_join30 < 1.5 * per_join10, (per_join10, per_join30)
    # The deltas applied to her list give exactly who is online in the database.
    assert {u["id"] for u in state10["users"]} == live10 and state10["online"] == 10
    assert {u["id"] for u in state30["users"]} == live30 and state30["online"] == 30
    assert "居民" in json.dumps(state30, ensure_ascii=False)  # names, for the moderator


async def test_deltas_name_who_came_and_who_left(ctx):
    _hall, people, meeting = ctx
    path = f"/ws/meetings/{meeting.pk}/"
    mod, ok, _ = await open_socket(path, people["moderator"])
    assert ok
    state = (await receive(mod))["data"]["presence"]
    socks = await join_one_by_one(path, [people["wang"], people["zhang"], people["liu"]])
    for text in await presence_frames(mod, wait=0.8):
        state = presence.apply(state, json.loads(text)["data"])
    await socks[0].disconnect()
    await socks[2].disconnect()
    texts = await presence_frames(mod, wait=0.8)
    assert texts, "nobody was told that two left"
    last = json.loads(texts[-1])["data"]
    assert last["online"] == 2 and "users" not in last
    for text in texts:
        state = presence.apply(state, json.loads(text)["data"])
    assert [u["name"] for u in state["users"]] == ["陈红", "张奶奶"]
    assert set(json.loads(texts[-1])["data"].get("left", [])) <= {
        people["wang"].pk,
        people["liu"].pk,
    }
    await socks[1].disconnect()
    await mod.disconnect()


def _enter(room: str, users, tag: str) -> None:
    for u in users:
        presence.enter(room=room, user_id=u.pk, channel_name=f"{tag}.{u.pk}")


async def test_a_long_change_is_only_a_count_and_more_then_the_list_is_asked_again(ctx):
    hall, people, meeting = ctx
    room = selectors.meeting_room(meeting.pk)
    path = f"/ws/meetings/{meeting.pk}/"
    mod, ok, _ = await open_socket(path, people["moderator"])
    assert ok
    state = (await receive(mod))["data"]["presence"]
    for text in await presence_frames(mod, wait=0.8):  # her own arrival
        state = presence.apply(state, json.loads(text)["data"])
    many = await sync_to_async(crowd)(hall, presence.DELTA_CAP + 5)
    await sync_to_async(_enter)(room, many, "other-process")
    await sync_to_async(presence.publish_presence)(room)  # as another process would

    texts = await presence_frames(mod)
    data = json.loads(texts[-1])["data"]
    assert data == {"online": presence.DELTA_CAP + 6, "more": True}
    assert len(texts[-1].encode()) < 200  # no names: the count only
    state = presence.apply(state, data)
    assert state["stale"] is True  # the client asks again
    reply = await command(mod, "list-1", "presence_list", {})
    assert reply["type"] == "ok"
    page = reply["data"]
    assert page["online"] == presence.DELTA_CAP + 6 and page["next"] is None
    live = await sync_to_async(presence.live_ids)(room)
    assert {u["id"] for u in page["users"]} == live
    await mod.disconnect()


async def test_the_list_comes_a_page_at_a_time_to_those_who_may_see_it(ctx):
    hall, people, meeting = ctx
    room = selectors.meeting_room(meeting.pk)
    many = await sync_to_async(crowd)(hall, 60)
    await sync_to_async(_enter)(room, many, "elsewhere")
    await sync_to_async(presence.publish_presence)(room)
    path = f"/ws/meetings/{meeting.pk}/"

    mod, ok, _ = await open_socket(path, people["moderator"])
    assert ok
    snap = (await receive(mod))["data"]["presence"]
    # The snapshot: the count, and for the moderator the first page of names and where to go on.
    assert snap["online"] == 60 and len(snap["users"]) == presence.PAGE_SIZE
    assert snap["next"] == snap["users"][-1]["id"]
    first = (await command(mod, "p-1", "presence_list", {}))["data"]
    assert first["users"] == snap["users"]
    second = (await command(mod, "p-2", "presence_list", {"after": first["next"]}))["data"]
    assert len(second["users"]) == 10 and second["next"] is None
    ids = [u["id"] for u in first["users"] + second["users"]]
    assert ids == sorted(u.pk for u in many)
    bad = await command(mod, "p-3", "presence_list", {"after": "x"})
    assert bad["type"] == "error" and bad["code"] == "invalid"

    rec, ok, _ = await open_socket(path, people["recorder"])
    assert ok
    await receive(rec)
    assert (await command(rec, "p-4", "presence_list", {}))["type"] == "ok"

    # A resident sees how many are online, not the list, and is told why when she asks for it.
    wang, ok, _ = await open_socket(path, people["wang"])
    assert ok
    resident_snap = (await receive(wang))["data"]["presence"]
    assert resident_snap == {"online": 60}
    refused = await command(wang, "p-5", "presence_list", {})
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    assert "主持人" in refused["message"]
    for comm in (mod, rec, wang):
        await comm.disconnect()


def test_publishers_in_two_processes_send_exact_deltas(ctx, monkeypatch):
    """The delta is taken against the set the room's last event described, whoever sent it."""
    _hall, people, meeting = ctx
    room = selectors.meeting_room(meeting.pk)
    sent = []
    monkeypatch.setattr(presence, "publish", lambda r, t, d: sent.append(d) or len(sent))
    presence.enter(room=room, user_id=people["wang"].pk, channel_name="p1.a")
    presence.publish_presence(room)  # process 1
    presence.enter(room=room, user_id=people["zhang"].pk, channel_name="p2.a")
    presence.leave(channel_name="p1.a")
    presence.publish_presence(room)  # process 2: knows nothing of process 1's event
    assert presence.publish_presence(room) is None  # nothing changed: nothing sent
    assert sent == [
        {"online": 1, "joined": [{"id": people["wang"].pk, "name": "王阿姨"}]},
        {
            "online": 1,
            "joined": [{"id": people["zhang"].pk, "name": "张奶奶"}],
            "left": [people["wang"].pk],
        },
    ]
    assert selectors.meeting_snapshot(meeting.pk, viewer=people["wang"])["presence"] == {
        "online": 1
    }
