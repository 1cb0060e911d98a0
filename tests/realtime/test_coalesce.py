"""Coalescing on the hub's event loop (realtime/coalesce.py): once per window, always the last
state, scheduled from the server's worker threads, with asyncio's and asgiref's public API only."""

from __future__ import annotations

import ast
import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from realtime import coalesce
from realtime.hub import get_hub
from realtime.publish import publish

ROOT = Path(__file__).resolve().parents[2]


class Sink:
    wire = None

    def __init__(self):
        self.frames: list[dict] = []

    async def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))


async def until(predicate, timeout: float = 3.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)


@pytest.mark.django_db(transaction=True)
async def test_a_burst_from_worker_threads_is_one_event_on_the_hubs_connections():
    hub = get_hub()
    sink = Sink()
    await hub.join("hall.3", sink)
    hub.activate("hall.3", sink, 0)
    state = {"count": 0}
    job_threads: list[str] = []

    def announce():
        job_threads.append(threading.current_thread().name)
        with transaction.atomic():
            publish("hall.3", "x.count", {"count": state["count"]})

    @sync_to_async
    def burst(n: int):  # like casts committed by websocket commands
        for _ in range(n):
            state["count"] += 1
            coalesce.schedule("count:hall.3", announce, 0.1)

    await burst(30)
    mine = coalesce.coalescer_of(asyncio.get_running_loop())
    assert mine.pending() == 1  # the timer lives on this (the hub's) loop
    await until(lambda: sink.frames)
    await sync_to_async(coalesce.flush)()
    assert [f["data"] for f in sink.frames] == [{"count": 30}]
    assert job_threads and "coalesce" not in job_threads[0]  # not the fallback loop's thread


@pytest.mark.django_db(transaction=True)
async def test_a_long_burst_sends_at_most_once_per_window_and_ends_with_the_last_state():
    hub = get_hub()
    sink = Sink()
    await hub.join("hall.4", sink)
    hub.activate("hall.4", sink, 0)
    state = {"count": 0}
    window = 0.1

    def announce():
        with transaction.atomic():
            publish("hall.4", "x.count", {"count": state["count"]})

    @sync_to_async
    def steady_burst(seconds: float):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            state["count"] += 1
            coalesce.schedule("count:hall.4", announce, window)
            time.sleep(0.005)

    began = time.monotonic()
    await steady_burst(0.6)
    await sync_to_async(coalesce.flush)()
    elapsed = time.monotonic() - began
    counts = [f["data"]["count"] for f in sink.frames]
    assert 2 <= len(counts) <= elapsed / window + 1  # about one per window, not one per call
    assert counts == sorted(counts) and counts[-1] == state["count"]  # the last state is sent


def test_without_a_hub_the_burst_is_coalesced_on_a_loop_of_its_own():
    """A management command or a sync test: no server loop, same promise."""
    runs: list[str] = []
    for _ in range(20):
        coalesce.schedule("own", lambda: runs.append(threading.current_thread().name), 0.05)
    assert coalesce.flush()
    assert len(runs) == 1


ASGIREF_PRIVATE = {"SyncToAsync", "AsyncToSync", "threadlocal", "main_event_loop"}
ASGIREF_PRIVATE |= {"main_event_loop_pid", "single_thread_executor", "thread_handler"}


def test_the_transport_and_the_bench_use_no_asgiref_internals():
    offenders = []
    for path in [*(ROOT / "realtime").glob("*.py"), *(ROOT / "bench").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("asgiref"):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            offenders += [f"{path.name}: {n}" for n in names if n in ASGIREF_PRIVATE]
    assert offenders == []
