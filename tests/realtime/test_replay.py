"""A command sent again with the same key (after a lost reply or a reconnect) is applied once,
and every copy gets the first answer (issue 13, point 3; docs/realtime.md, "Commands are
applied at most once")."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async

from forum.models import Comment
from realtime.replay import RecentCommands
from tests.community.factories import HallFactory, member
from tests.forum.factories import proposal
from tests.wsclient import command, open_socket, receive

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(db):
    hall = HallFactory(seconding_threshold=3)
    author = member(hall, display_name="黄秀芬")
    wang = member(hall, display_name="王阿姨")
    return proposal(hall, author), wang


def comments(p) -> int:
    return Comment.objects.filter(proposal=p).count()


async def test_a_command_sent_twice_with_the_same_key_is_applied_once_and_both_get_ok(scene):
    p, wang = scene
    w, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", wang)
    assert ok
    await receive(w)
    frame = {"id": "c1-lost", "type": "comment", "data": {"body": "我赞成装电梯"}}
    # sent twice in a row, as a client does when the first reply seemed lost
    await w.send_to(text_data=json.dumps(frame))
    await w.send_to(text_data=json.dumps(frame))
    replies = []
    while len(replies) < 2:
        got = await receive(w)
        if got.get("in_reply_to") == "c1-lost":
            replies.append(got)
    assert [r["type"] for r in replies] == ["ok", "ok"]
    assert replies[0]["data"] == replies[1]["data"]
    assert await sync_to_async(comments)(p) == 1

    # after a reconnect (a new socket, same person) the same key is still answered from memory
    await w.disconnect()
    again, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", wang)
    assert ok
    await receive(again)
    reply = await command(again, "c1-lost", "comment", {"body": "我赞成装电梯"})
    assert reply["type"] == "ok" and reply["data"] == replies[0]["data"]
    assert await sync_to_async(comments)(p) == 1

    # a new key is a new command
    assert (await command(again, "c2-new", "comment", {"body": "再说一句"}))["type"] == "ok"
    assert await sync_to_async(comments)(p) == 2
    await again.disconnect()


async def test_the_memory_is_bounded_per_person_and_room():
    memory = RecentCommands(per_person=2)

    async def answer(text):
        return text

    for key in ("a", "b", "c"):
        await memory.run(1, "hall.1", key, answer(key))
    assert memory.earlier(1, "hall.1", "a") is None  # the oldest was forgotten
    assert await memory.earlier(1, "hall.1", "c") == "c"
    assert memory.earlier(2, "hall.1", "c") is None  # another person's keys are her own
