"""Publish-on-commit: seq per room, nothing sent for rolled-back work, frames reach the hub."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from realtime.hub import Hub, get_hub
from realtime.publish import current_seq, publish, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


class Sink:
    def __init__(self):
        self.frames: list[dict] = []

    async def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))


def test_seq_is_monotonic_per_room():
    assert [publish("hall.1", "x", {}) for _ in range(3)] == [1, 2, 3]
    assert publish("hall.2", "x", {}) == 1
    assert current_seq("hall.1") == 3


def test_a_rolled_back_publish_leaves_no_trace(django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("hall.1", "x", {})
        raise RuntimeError
    assert current_seq("hall.1") == 0


def test_bad_room_names_are_refused():
    with pytest.raises(ValueError):
        publish("Hall 1; drop", "x", {})


async def test_hub_delivers_each_frame_once_per_connection_after_commit():
    hub = get_hub()
    a, b, outsider = Sink(), Sink(), Sink()
    await hub.join("hall.7", a)
    await hub.join("hall.7", b)
    await hub.join("hall.8", outsider)
    for sink, room in ((a, "hall.7"), (b, "hall.7"), (outsider, "hall.8")):
        hub.activate(room, sink, 0)

    @sync_to_async
    def work():
        with transaction.atomic():
            publish("hall.7", "comment.added", {"id": 1})
        with pytest.raises(RuntimeError), transaction.atomic():
            publish("hall.7", "comment.added", {"id": 2})
            raise RuntimeError

    await work()
    for _ in range(50):
        if a.frames and b.frames:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    assert [f["data"] for f in a.frames] == [{"id": 1}]
    assert [f["data"] for f in b.frames] == [{"id": 1}]
    assert outsider.frames == []


async def test_frames_held_before_the_snapshot_are_flushed_newer_than_it():
    hub = Hub()
    sink = Sink()
    await hub.join("hall.9", sink)
    await hub.dispatch("hall.9", 4, json.dumps({"seq": 4}))
    await hub.dispatch("hall.9", 5, json.dumps({"seq": 5}))
    assert sink.frames == []  # held until the snapshot
    assert hub.activate("hall.9", sink, 4) == [json.dumps({"seq": 5})]
    await hub.dispatch("hall.9", 6, json.dumps({"seq": 6}))
    assert sink.frames == [{"seq": 6}]


def test_snapshot_reports_the_seq_it_includes():
    publish("hall.3", "x", {})
    seq, data = snapshot("hall.3", lambda: {"ok": True})
    assert seq == 1 and data == {"ok": True}
    assert snapshot("hall.4", dict)[0] == 0


async def _make_hub():
    from realtime.hub import get_hub

    return get_hub()


def test_send_frame_from_a_worker_thread_never_waits_for_the_servers_loop(monkeypatch):
    """A sync thread of a server process (a websocket command, an HTTP action) hands the frame
    to the hub through the loop the hub recorded, without waiting: while the loop is busy (or
    daphne shuts down) a commit must not block on it. The hub writes it once the loop runs."""
    import threading
    import time

    from realtime import hub as hub_module
    from realtime import publish as publish_module

    handed: list = []
    monkeypatch.setattr(hub_module.Hub, "publish", lambda self, *args: handed.append(args))
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    hub = asyncio.run_coroutine_threadsafe(_make_hub(), loop).result(5)
    loop.call_soon_threadsafe(time.sleep, 1.0)  # running, but will not serve us in time
    result: dict = {}

    def worker():
        began = time.monotonic()
        publish_module.send_frame("hall.1", 1, "{}")
        result["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and result["seconds"] < 0.5
    for _ in range(300):
        if handed:
            break
        time.sleep(0.01)
    assert handed == [("hall.1", 1, "{}")] and hub_module.hub_of(loop) is hub
    loop.call_soon_threadsafe(loop.stop)
    runner.join(5)
    loop.close()


def test_send_frame_gives_up_when_the_channel_layer_does_not_answer(monkeypatch, caplog):
    """No hub in this process (a management command): the layer is given SEND_TIMEOUT."""
    import time

    from realtime import publish as publish_module

    class Stuck:
        async def group_send(self, group, message):
            await asyncio.sleep(3600)

    monkeypatch.setattr(publish_module, "get_channel_layer", Stuck)
    monkeypatch.setattr(publish_module, "SEND_TIMEOUT", 0.3)
    began = time.monotonic()
    publish_module.send_frame("hall.1", 1, "{}")
    assert time.monotonic() - began < 2
    assert "could not send hall.1#1" in caplog.text
