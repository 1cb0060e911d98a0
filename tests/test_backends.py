"""PostgreSQL and Redis: run whenever the servers answer, skipped with the reason otherwise.

CI sets REQUIRE_SERVICES=1, which turns a missing server into a failure.
"""

import asyncio
import json
import os

import pytest

from tests.conftest import need_service

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PREFIX = os.environ.get("CHANNEL_PREFIX", "fanghua") + "-test"


@pytest.fixture
def redis_layer():
    need_service("Redis", "127.0.0.1", 6379)
    from channels_redis.core import RedisChannelLayer

    return RedisChannelLayer(hosts=[REDIS_URL], prefix=PREFIX)


async def test_redis_channel_layer_round_trip(redis_layer):
    channel = await redis_layer.new_channel("t.")
    await redis_layer.send(channel, {"type": "x", "n": 1})
    assert (await asyncio.wait_for(redis_layer.receive(channel), 2))["n"] == 1


async def test_two_process_hubs_each_get_a_frame_once_through_redis(redis_layer, monkeypatch):
    """Two hubs (as two daphne processes would have) share a room through Redis."""
    from channels_redis.core import RedisChannelLayer

    from realtime import hub as hub_module

    layers = iter([redis_layer, RedisChannelLayer(hosts=[REDIS_URL], prefix=PREFIX)])
    monkeypatch.setattr(hub_module, "get_channel_layer", lambda: next(layers))
    hub_a, hub_b = hub_module.Hub(), hub_module.Hub()

    class Sink:
        def __init__(self):
            self.frames = []

        async def send_text(self, text):
            self.frames.append(json.loads(text))

    sinks = [Sink() for _ in range(4)]
    for i, sink in enumerate(sinks):
        hub = hub_a if i % 2 else hub_b
        await hub.join("meeting.42", sink)
        hub.activate("meeting.42", sink, 0)
    await redis_layer.group_send(
        "room.meeting.42",
        {"type": "hub.frame", "room": "meeting.42", "seq": 1, "text": '{"seq":1}'},
    )
    for _ in range(100):
        if all(s.frames for s in sinks):
            break
        await asyncio.sleep(0.02)
    assert [s.frames for s in sinks] == [[{"seq": 1}]] * 4


def test_postgresql_answers_and_takes_row_locks():
    need_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", connect_timeout=3) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_the_suite_runs_on_postgresql_when_asked():
    """Under `make test-pg` (DATABASE_URL=postgres://…) Django really talks to PostgreSQL."""
    from django.conf import settings

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("DATABASE_URL is not PostgreSQL in this run (make test-pg runs it)")
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
