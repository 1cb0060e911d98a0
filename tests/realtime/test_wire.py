"""The hub's direct socket writes under daphne (realtime/wire.py, docs/benchmarks.md "Fan-out")."""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from realtime.wire import text_frame, wire_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_a_text_frame_is_the_unmasked_frame_of_rfc_6455(length):
    text = ("议" * length)[: max(0, length // 3)] + "x" * (length - 3 * (length // 3))
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert text_frame(text) == expected


def test_only_a_daphne_connection_has_a_wire():
    async def send(message):
        pass

    assert wire_for(send) is None
    assert wire_for(functools.partial(send)) is None
    assert wire_for(functools.partial(print, object())) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(direct_writes: str):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    env["REALTIME_DIRECT_WRITES"] = direct_writes
    app = "tests.realtime.wire_app:application"
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port), app],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("daphne did not start") from None
            time.sleep(0.1)
    yield f"ws://127.0.0.1:{port}/"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def daphne_url():
    """A daphne with REALTIME_DIRECT_WRITES on (the default)."""
    yield from _serve("1")


@pytest.fixture(scope="module")
def daphne_url_without_direct_writes():
    yield from _serve("0")


async def _burst(
    url: str, n: int, size: int, *, slow: bool = False, path: str = "wire"
) -> list[str]:
    async with connect(
        url, origin="http://127.0.0.1", compression=None, max_size=None, max_queue=None
    ) as ws:
        assert await asyncio.wait_for(ws.recv(), 10) == path  # which path the server takes
        await ws.send(f"burst {n} {size}")
        if slow:  # let the server's socket buffer fill up: Twisted has to queue the rest
            await asyncio.sleep(0.5)
        return [await asyncio.wait_for(ws.recv(), 20) for _ in range(n)]


def _expected(n: int, size: int) -> list[str]:
    return [f"{i:06d}" + "议" * (size - 6) for i in range(n)]


async def test_direct_writes_and_daphnes_own_sends_arrive_whole_and_in_order(daphne_url):
    assert await _burst(daphne_url, 200, 40) == _expected(200, 40)


async def test_frames_larger_than_the_socket_buffer_are_finished_by_twisted_in_order(daphne_url):
    # 30 frames of 600 KB: far more than the kernel takes at once while the client is not reading
    assert await _burst(daphne_url, 30, 200_000, slow=True) == _expected(30, 200_000)


async def test_with_direct_writes_off_every_frame_goes_through_the_asgi_send(
    daphne_url_without_direct_writes,
):
    # The server reports "no wire": wire_for() gave nothing, so all 200 go through `send`.
    frames = await _burst(daphne_url_without_direct_writes, 200, 40, path="no wire")
    assert frames == _expected(200, 40)


def test_with_direct_writes_off_the_session_wrapper_is_kept(settings):
    from channels.sessions import InstanceSessionWrapper

    from realtime.wire import direct_send

    async def server_send(message):
        pass

    wrapper = InstanceSessionWrapper({"type": "websocket", "cookies": {}}, server_send)
    settings.FANGHUA = {**settings.FANGHUA, "REALTIME_DIRECT_WRITES": False}
    assert direct_send(wrapper.send) == wrapper.send
    settings.FANGHUA = {**settings.FANGHUA, "REALTIME_DIRECT_WRITES": True}
    assert direct_send(wrapper.send) is server_send
