"""Powers end when they are taken away, on sockets already open (issue 11, finding 3).

A person whose membership, roles or account change has every open socket re-authorised at once:
rooms she may no longer see close with 4403 after an error frame giving the reason, and her
next command runs with her roles as they are now (docs/realtime.md, "Powers end when they are
taken away").
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from community import services as community_services
from community.models import Membership
from community.privacy import account_delete
from forum.models import Comment, Proposal
from realtime import hub as hub_module
from realtime import publish as publish_module
from realtime.hub import Hub, get_hub
from realtime.publish import send_access
from tests.community.factories import PASSWORD, HallFactory, UserFactory, member
from tests.conftest import need_service
from tests.forum.factories import proposal
from tests.wsclient import command, open_socket, receive

pytestmark = [pytest.mark.django_db(transaction=True)]


async def until_closed(comm, timeout: float = 3) -> tuple[list[dict], int | None]:
    """The frames that arrive until the server closes the socket, and the close code."""
    frames = []
    while True:
        out = await comm.receive_output(timeout)
        if out["type"] == "websocket.close":
            return frames, out.get("code")
        frames.append(json.loads(out["text"]))


def revoked(frames: list[dict]) -> dict:
    """The one `revoked` error among the frames (the reason the room closed)."""
    found = [f for f in frames if f["type"] == "error" and f["code"] == "revoked"]
    assert len(found) == 1, frames
    return found[0]


@pytest.fixture
def scene(db):
    hall = HallFactory(seconding_threshold=3)
    author = member(hall, display_name="黄秀芬")
    wang = member(hall, display_name="王阿姨")
    p = proposal(hall, author)
    return hall, p, wang


async def test_a_member_set_to_left_can_no_longer_comment_or_second_over_her_open_socket(scene):
    hall, p, wang = scene
    w, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", wang)
    assert ok
    await receive(w)
    assert (await command(w, "c1", "comment", {"body": "我先说一句"}))["type"] == "ok"

    membership = await sync_to_async(Membership.objects.get)(user=wang, hall=hall)
    await sync_to_async(community_services.membership_leave)(user=wang, membership=membership)
    await w.send_to(text_data=json.dumps({"id": "c2", "type": "comment", "data": {"body": "还在"}}))
    await w.send_to(text_data=json.dumps({"id": "c3", "type": "second", "data": {}}))
    frames, code = await until_closed(w)
    assert code == 4403
    error = revoked(frames)
    assert error["in_reply_to"] in (None, "c2")
    assert "成员身份或角色已经变更" in error["message"]
    assert not [f for f in frames if f["type"] == "ok"]  # neither command went through
    assert await sync_to_async(Comment.objects.filter(proposal=p, author=wang).count)() == 1
    assert (await sync_to_async(Proposal.objects.get)(pk=p.pk)).second_count == 0
    await w.disconnect()


async def test_a_member_who_stays_in_the_room_keeps_it_open(scene):
    """A change that leaves the room allowed (a role added) closes nothing."""
    hall, p, wang = scene
    w, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", wang)
    assert ok
    await receive(w)
    head = await sync_to_async(member)(hall, "head")
    membership = await sync_to_async(Membership.objects.get)(user=wang, hall=hall)
    await sync_to_async(community_services.membership_set_roles)(
        actor=head, membership=membership, roles=["resident", "volunteer"]
    )
    assert (await command(w, "c1", "comment", {"body": "我还在"}))["type"] == "ok"
    await w.disconnect()


async def test_a_deleted_accounts_open_sockets_are_closed(scene):
    hall, _p, wang = scene
    me, ok, _ = await open_socket("/ws/me/", wang)
    assert ok
    await receive(me)
    room, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", wang)
    assert ok
    await receive(room)
    await sync_to_async(account_delete)(user=wang, password=PASSWORD)
    for comm in (me, room):
        frames, code = await until_closed(comm)
        assert code == 4403
        assert revoked(frames)["message"] == "您的账户已注销或已停用，连接已关闭。"
        await comm.disconnect()


async def test_an_account_deleted_in_the_admin_has_its_sockets_closed(scene):
    hall, _p, wang = scene
    room, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", wang)
    assert ok
    await receive(room)

    @sync_to_async
    def delete_in_admin():
        admin = Client()
        admin.force_login(UserFactory(is_staff=True, is_superuser=True))
        response = admin.post(f"/admin/community/user/{wang.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302

    await delete_in_admin()
    frames, code = await until_closed(room)
    assert code == 4403 and revoked(frames)
    await room.disconnect()


async def test_a_lost_word_is_caught_by_the_periodic_check_before_the_next_command(
    scene, monkeypatch, settings
):
    """Should the hubs never hear of a change, the next command after the check's age runs
    on fresh roles all the same."""
    hall, p, wang = scene
    monkeypatch.setattr(publish_module, "send_access", lambda user_id: None)
    settings.FANGHUA = {**settings.FANGHUA, "REALTIME_REAUTHORIZE_SECONDS": 0}
    w, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", wang)
    assert ok
    await receive(w)
    membership = await sync_to_async(Membership.objects.get)(user=wang, hall=hall)
    await sync_to_async(community_services.membership_leave)(user=wang, membership=membership)
    assert await w.receive_nothing(timeout=0.2)  # nobody told this socket
    await w.send_to(text_data=json.dumps({"id": "c1", "type": "second", "data": {}}))
    frames, code = await until_closed(w)
    assert code == 4403 and revoked(frames)["in_reply_to"] == "c1"
    assert (await sync_to_async(Proposal.objects.get)(pk=p.pk)).second_count == 0
    await w.disconnect()


async def test_a_rolled_back_change_tells_nobody(scene):
    hall, p, wang = scene
    w, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", wang)
    assert ok
    await receive(w)
    hub = get_hub()

    @sync_to_async
    def leave_then_roll_back():
        from django.db import transaction

        membership = Membership.objects.get(user=wang, hall=hall)
        with pytest.raises(RuntimeError), transaction.atomic():
            community_services.membership_leave(user=wang, membership=membership)
            raise RuntimeError

    await leave_then_roll_back()
    assert await w.receive_nothing(timeout=0.2)
    assert hub.access_version(wang.pk) == 0
    assert (await command(w, "c1", "comment", {"body": "还是成员"}))["type"] == "ok"
    await w.disconnect()


class Person:
    """A connection of one person, as another process's hub would serve it."""

    wire = None

    def __init__(self):
        self.told = 0

    async def send_text(self, text: str) -> None:
        pass

    def access_changed(self) -> None:
        self.told += 1


async def test_the_hubs_of_other_processes_hear_of_the_change_through_the_layer():
    here, there = get_hub(), Hub()
    near, far, stranger = Person(), Person(), Person()
    await here.watch(7, near)
    await there.watch(7, far)
    await there.watch(8, stranger)
    sent: list = []
    real = here.layer.group_send

    async def group_send(group, message):
        sent.append(group)
        await real(group, message)

    here.layer.group_send = group_send
    await sync_to_async(send_access)(7)  # a worker thread of this process committed a change
    for _ in range(100):
        if far.told:
            break
        await asyncio.sleep(0.01)
    assert (near.told, far.told, stranger.told) == (1, 1, 0)
    assert (here.access_version(7), there.access_version(7), there.access_version(8)) == (1, 1, 0)
    assert sent == ["access.7"]  # once, to the person's group only
    await here.unwatch(7, near)
    assert here.access_version(7) == 0 and 7 not in here.people
    for hub in (here, there):
        for task in (hub._task, hub._refresh, hub._sender):
            if task is not None:
                task.cancel()


async def test_through_redis_each_process_hears_once(monkeypatch):
    need_service("Redis", "127.0.0.1", 6379)
    from channels_redis.core import RedisChannelLayer

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = os.environ.get("CHANNEL_PREFIX", "fanghua") + "-test-access"
    layers = iter([RedisChannelLayer(hosts=[url], prefix=prefix) for _ in range(2)])
    monkeypatch.setattr(hub_module, "get_channel_layer", lambda: next(layers))
    hub_a, hub_b = Hub(), Hub()
    person = os.getpid()
    here, there = Person(), Person()
    await hub_a.watch(person, here)
    await hub_b.watch(person, there)
    hub_a.access_changed(person)  # a change committed in process A
    for _ in range(500):
        if there.told:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # A's own copy comes back through Redis and is skipped
    assert (here.told, there.told) == (1, 1)
    await hub_a.unwatch(person, here)
    await hub_b.unwatch(person, there)
    for hub in (hub_a, hub_b):
        for task in (hub._task, hub._refresh, hub._sender):
            if task is not None:
                task.cancel()
