"""Events committed in a server process go to its own hub directly and cross the channel layer
only for other processes' hubs, once each and in order (realtime/hub.py, realtime/publish.py)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer
from django.db import transaction

from realtime import hub as hub_module
from realtime.hub import Hub, get_hub
from realtime.publish import publish
from tests.conftest import need_service


class Sink:
    wire = None

    def __init__(self):
        self.frames: list[dict] = []

    async def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))


async def live(hub: Hub, room: str, n: int = 2) -> list[Sink]:
    sinks = [Sink() for _ in range(n)]
    for sink in sinks:
        await hub.join(room, sink)
        hub.activate(room, sink, 0)
    return sinks


async def until(predicate, timeout: float = 3.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)


def record_group_sends(layer, sent: list) -> None:
    real = layer.group_send

    async def group_send(group, message):
        sent.append(message)
        await real(group, message)

    layer.group_send = group_send


@sync_to_async
def commit_three(room: str) -> None:
    """Like a command on a websocket: a worker thread of the server's loop commits."""
    for n in (1, 2, 3):
        with transaction.atomic():
            publish(room, "x", {"n": n})
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(room, "x", {"n": 99})
        raise RuntimeError  # rolled back: sent nowhere


@pytest.mark.django_db(transaction=True)
async def test_the_publishing_process_writes_to_its_own_connections_without_the_layer():
    hub = get_hub()
    sinks = await live(hub, "hall.5")
    sent: list = []
    record_group_sends(hub.layer, sent)
    await commit_three("hall.5")
    await until(lambda: all(len(s.frames) == 3 for s in sinks))
    await asyncio.sleep(0.05)
    assert [[f["data"]["n"] for f in s.frames] for s in sinks] == [[1, 2, 3]] * 2
    if isinstance(hub.layer, InMemoryChannelLayer):
        assert sent == []  # one process, no other hub in the room: nothing to forward
    else:  # Redis: other processes may be in the room; each event goes out once, in order
        assert [m["seq"] for m in sent] == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
async def test_other_hubs_get_each_event_once_and_in_order_through_the_layer():
    mine = get_hub()
    other = Hub()  # another process's hub, on the same (in-memory) layer
    assert other.layer is mine.layer
    local, remote = await live(mine, "hall.6"), await live(other, "hall.6")
    sent: list = []
    record_group_sends(mine.layer, sent)
    await commit_three("hall.6")
    await until(lambda: all(len(s.frames) == 3 for s in local + remote))
    await asyncio.sleep(0.1)  # the publisher also receives its own copy from the layer: skipped
    assert [[f["data"]["n"] for f in s.frames] for s in local + remote] == [[1, 2, 3]] * 4
    assert [m["seq"] for m in sent] == [1, 2, 3]
    assert all(m["origin"] == mine.channel for m in sent)


async def test_a_publish_for_a_room_with_no_local_connection_is_only_forwarded():
    mine = get_hub()
    other = Hub()
    remote = await live(other, "hall.7", 1)
    await mine._start()
    mine.publish("hall.7", 1, json.dumps({"seq": 1}))
    await until(lambda: remote[0].frames)
    assert remote[0].frames == [{"seq": 1}] and "hall.7" not in mine.rooms


async def test_two_process_hubs_share_events_through_redis_once_each_in_order(monkeypatch):
    need_service("Redis", "127.0.0.1", 6379)
    from channels_redis.core import RedisChannelLayer

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = os.environ.get("CHANNEL_PREFIX", "fanghua") + "-test-local"
    layers = iter([RedisChannelLayer(hosts=[url], prefix=prefix) for _ in range(2)])
    monkeypatch.setattr(hub_module, "get_channel_layer", lambda: next(layers))
    hub_a, hub_b = Hub(), Hub()
    room = f"meeting.{os.getpid()}"
    a, b = await live(hub_a, room), await live(hub_b, room)
    for seq in (1, 2, 3):
        hub_a.publish(room, seq, json.dumps({"seq": seq}))
    await until(lambda: all(len(s.frames) >= 3 for s in a + b), timeout=5)
    await asyncio.sleep(0.2)  # hub_a's own copies come back through Redis and are skipped
    assert [s.frames for s in a + b] == [[{"seq": 1}, {"seq": 2}, {"seq": 3}]] * 4
    for hub, sinks in ((hub_a, a), (hub_b, b)):
        for sink in sinks:
            await hub.leave(room, sink)
        hub._task.cancel()
        hub._refresh.cancel()
        if hub._sender:
            hub._sender.cancel()


async def test_a_hub_stops_when_cancelled_even_if_the_layer_turns_that_into_an_error():
    """channels-redis cleans up when a receive is cancelled and may fail doing so; the hub must
    not take that error for a failed receive and retry forever (closing its loop would hang)."""

    class CleanupFails:
        async def receive(self, channel):
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                raise ConnectionError("connection closed while cleaning up") from None

    hub = Hub()
    hub.layer, hub.channel = CleanupFails(), "hub.test"
    task = asyncio.ensure_future(hub._run())
    await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 2)
    assert task.cancelled()


async def test_the_hub_sender_stops_when_cancelled_as_a_send_completes():
    """On Python 3.11 `asyncio.wait_for` loses a cancellation that arrives in the same turn as
    the awaited send completes: the sender must still stop, not wait for the next event forever
    (closing its event loop would hang — seen in a PostgreSQL + Redis test run)."""

    class Gate:
        def __init__(self):
            self.open = asyncio.Event()

        async def group_send(self, group, message):
            await self.open.wait()

    hub = Hub()
    hub.layer, hub.channel = Gate(), "hub.test"
    hub._forward("meeting.1", 1, '{"seq": 1}')
    await asyncio.sleep(0.01)
    hub.layer.open.set()  # the send completes in the next turn …
    hub._sender.cancel()  # … the very turn the cancellation is delivered
    await asyncio.wait_for(asyncio.gather(hub._sender, return_exceptions=True), 2)
    assert hub._sender.cancelled()
