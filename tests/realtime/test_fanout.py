"""The hub's batched fan-out and the consumers' database calls (docs/benchmarks.md)."""

import asyncio
import json

import pytest
from channels.layers import InMemoryChannelLayer
from django.db import connection, transaction

from realtime.db import db_call
from realtime.hub import Hub


class Sink:
    def __init__(self, name: str, log: list, on_send=None):
        self.name, self.log, self.on_send = name, log, on_send
        self.frames: list[dict] = []

    async def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))
        self.log.append(self.name)
        if self.on_send:
            await self.on_send()


async def live_hub(room: str, sinks, batch: int) -> Hub:
    hub = Hub()
    hub.layer = InMemoryChannelLayer()  # these tests are about the hub's writes, not the layer
    hub.batch = batch
    for sink in sinks:
        await hub.join(room, sink)
        hub.activate(room, sink, 0)
    return hub


async def test_every_connection_gets_every_frame_once_and_in_order_across_batches():
    log: list = []
    sinks = [Sink(f"s{i}", log) for i in range(7)]
    hub = await live_hub("hall.1", sinks, batch=3)
    for seq in (1, 2):
        await hub.dispatch("hall.1", seq, json.dumps({"seq": seq}))
    assert all(s.frames == [{"seq": 1}, {"seq": 2}] for s in sinks)


async def test_the_event_loop_runs_between_batches_so_sockets_are_written_meanwhile():
    log: list = []
    sinks = [Sink(f"s{i}", log) for i in range(6)]
    hub = await live_hub("hall.1", sinks, batch=2)

    async def other_work():
        log.append("loop ran")

    task = asyncio.ensure_future(other_work())
    await hub.dispatch("hall.1", 1, "{}")
    assert log.index("loop ran") < log.index("s5")  # not only after all six were queued
    assert [x for x in log if x != "loop ran"] == [f"s{i}" for i in range(6)]
    await task


async def test_a_connection_that_leaves_during_a_fanout_is_not_written_to():
    log: list = []
    gone = Sink("gone", log)

    async def leave():
        await hub.leave("hall.1", gone)

    first = Sink("first", log, on_send=leave)
    hub = await live_hub("hall.1", [first, Sink("b", log), gone], batch=1)
    await hub.dispatch("hall.1", 1, "{}")
    assert gone.frames == [] and log == ["first", "b"]


async def test_a_connection_given_its_snapshot_during_a_fanout_gets_the_frame_exactly_once():
    # `late` is still waiting for its snapshot (taken at seq 0) when the frame for seq 1 starts
    # going out; its snapshot completes while earlier connections are being written to.
    log: list = []
    late = Sink("late", log)
    flushed: list[str] = []

    async def snapshot_done():
        flushed.extend(hub.activate("hall.1", late, 0))

    first = Sink("first", log, on_send=snapshot_done)
    hub = await live_hub("hall.1", [first], batch=1)
    await hub.join("hall.1", late)  # held: no snapshot yet
    await hub.dispatch("hall.1", 1, json.dumps({"seq": 1}))
    assert len(late.frames) + len(flushed) == 1


@pytest.mark.django_db(transaction=True)
async def test_a_connection_left_in_a_transaction_is_not_handed_to_the_next_call():
    def leave_transaction_open():
        transaction.set_autocommit(False)
        connection.ensure_connection()

    def clean_state():
        connection.ensure_connection()
        return connection.get_autocommit() and not connection.in_atomic_block

    await db_call(leave_transaction_open)()
    assert await db_call(clean_state)()


@pytest.mark.django_db(transaction=True)
async def test_websocket_database_calls_hold_no_connection_between_calls():
    """Nothing is kept by hand: after each call the thread's connection is closed (SQLite) or
    given back to Django's pool (PostgreSQL), so the test database can be flushed and dropped."""

    def use():
        connection.ensure_connection()
        return connection.connection is not None

    def held():
        return connection.connection is not None

    assert await db_call(use)()
    assert not await db_call(held)()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_on_postgresql_websocket_calls_borrow_from_djangos_pool():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs under `make test-pg` (DATABASE_URL=postgres://…)")
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    pool = connection.pool
    assert pool is not None  # OPTIONS["pool"]: psycopg 3's pool through Django

    def query():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]

    before = pool.get_stats()
    for _ in range(20):
        assert await db_call(query)() == 1
    after = pool.get_stats()
    assert after["requests_num"] - before.get("requests_num", 0) >= 20
    assert after["pool_size"] <= pool.max_size  # 20 calls, at most max_size connections


async def test_room_frames_skip_the_session_wrapper_which_only_acts_on_http_responses():
    from channels.sessions import InstanceSessionWrapper

    from realtime.wire import direct_send

    sent = []

    async def server_send(message):
        sent.append(message)

    wrapper = InstanceSessionWrapper({"type": "websocket", "cookies": {}}, server_send)
    assert direct_send(wrapper.send) is server_send
    assert direct_send(server_send) is server_send  # no wrapper: unchanged


@pytest.mark.django_db(transaction=True)
async def test_one_process_heartbeat_keeps_every_connection_online(settings):
    from asgiref.sync import sync_to_async
    from django.utils import timezone

    from realtime import presence
    from realtime.models import Presence
    from tests.community.factories import HallFactory, member
    from tests.wsclient import open_socket, receive

    settings.FANGHUA = {**settings.FANGHUA, "PRESENCE_HEARTBEAT": 0.3}
    hall = await sync_to_async(HallFactory)()
    people = [await sync_to_async(member)(hall) for _ in range(3)]
    sockets = []
    for person in people:
        comm, ok, _ = await open_socket(f"/ws/halls/{hall.pk}/", person)
        assert ok
        await receive(comm)  # snapshot
        sockets.append(comm)

    @sync_to_async
    def age_rows_and_count():
        Presence.objects.update(last_seen=timezone.now() - timezone.timedelta(hours=1))
        return presence.online_count(f"hall.{hall.pk}")

    assert await age_rows_and_count() == 0  # nobody would count as online without heartbeats
    await asyncio.sleep(0.5)  # one beat refreshes all three
    assert await sync_to_async(presence.online_count)(f"hall.{hall.pk}") == 3
    for comm in sockets:
        await comm.disconnect()
