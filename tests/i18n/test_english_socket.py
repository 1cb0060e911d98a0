"""The room's own refusals over the websocket are in the language the person chose (its cookie)."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from tests.community.factories import HallFactory
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting
from tests.wsclient import command, receive, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True)]


async def _socket(path, user, language: str | None):
    cookie = f"{settings.SESSION_COOKIE_NAME}={await session_cookie(user)}"
    if language:
        cookie += f"; {settings.LANGUAGE_COOKIE_NAME}={language}"
    headers = [
        (b"host", b"127.0.0.1"),
        (b"origin", b"http://127.0.0.1"),
        (b"cookie", cookie.encode()),
    ]
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    assert (await receive(comm))["type"] == "snapshot"
    return comm


@pytest.fixture
def meeting(db):
    hall = HallFactory(name="Hall")
    people = meeting_people(hall)
    return scheduled_meeting(hall, people), people


async def test_room_refusals_follow_the_language_cookie(meeting):
    m, people = meeting
    path = f"/ws/meetings/{m.pk}/"
    english = await _socket(path, people["moderator"], "en")
    chinese = await _socket(path, people["moderator"], None)
    try:
        en = await command(english, "en-1", "no_such_command")
        zh = await command(chinese, "zh-1", "no_such_command")
        assert en["code"] == zh["code"] == "unknown_type"
        assert en["message"] == "Unknown command: no_such_command"
        assert zh["message"] == "未知的指令：no_such_command"
    finally:
        await english.disconnect()
        await chinese.disconnect()
