"""Text messages （短信） through a pluggable backend, like Django's e-mail backends.

`SMS_BACKEND` names the backend class (dotted path); `send_text(to, text)` sends one message.
Backends shipped: `console` (prints; the development default), `file` (`SMS_FILE_PATH`, one JSON
line per message: {"to", "text", "at"} — what tests and demos read) and `locmem` (kept in
`community.sms.outbox`, for tests). Real providers' HTTP APIs live next to them (docs/accounts.md).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from community.sms.backends import Message, SmsError

ALIASES = {
    "console": "community.sms.backends.ConsoleBackend",
    "file": "community.sms.backends.FileBackend",
    "locmem": "community.sms.backends.LocmemBackend",
    "aliyun": "community.sms.aliyun.AliyunSmsBackend",
}

outbox: list[Message] = []  # the locmem backend's messages (tests empty it)


def get_backend():
    name = getattr(settings, "SMS_BACKEND", "console")
    return import_string(ALIASES.get(name, name))()


def send_text(to: str, text: str, *, template: str = "", params: dict | None = None) -> Message:
    """Send one text message to a mainland mobile number; raises SmsError with a clear reason.

    `template`/`params` are for providers that send only registered templates (the text is what
    the person reads either way)."""
    message = Message(to=to, text=text, template=template, params=dict(params or {}))
    get_backend().send(message)
    return message


__all__ = ["Message", "SmsError", "get_backend", "outbox", "send_text"]
