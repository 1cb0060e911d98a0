"""The SMS backends that need no provider: console, file and locmem (see community.sms)."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone


class SmsError(Exception):
    """A message could not be sent; `str()` is a reason a person can read (Chinese)."""


@dataclass
class Message:
    to: str
    text: str
    template: str = ""
    params: dict = field(default_factory=dict)


class ConsoleBackend:
    """Prints each message (development)."""

    def send(self, message: Message) -> None:
        sys.stdout.write(f"[短信] {message.to}: {message.text}\n")
        sys.stdout.flush()


_file_lock = threading.Lock()


class FileBackend:
    """Appends one JSON line per message to `SMS_FILE_PATH`: {"to", "text", "at"}."""

    def send(self, message: Message) -> None:
        path = Path(getattr(settings, "SMS_FILE_PATH", "") or "sms.jsonl")
        line = json.dumps(
            {"to": message.to, "text": message.text, "at": timezone.now().isoformat()},
            ensure_ascii=False,
        )
        with _file_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")


class LocmemBackend:
    """Keeps messages in `community.sms.outbox` (tests)."""

    def send(self, message: Message) -> None:
        from community import sms  # cycle: the outbox lives in the package that imports us

        sms.outbox.append(message)
