"""The sign-up throttle: so many new accounts per client address, and in all, per clock hour.

Counted in Django's cache (Redis in production, shared by every process; `incr` is atomic), one
counter per address and one for the site, each keyed by the hour it counts. A sign-up reserves
its place in both before the account is created and gives it back if the account is not made,
so the counters hold accounts made, and a refused attempt costs nothing. The limits are settings
(`REGISTRATION_LIMIT_PER_HOUR`, `REGISTRATION_LIMIT_TOTAL_PER_HOUR`; 0 = none).

This is one defence against sock puppets (issue 11 #2); the other is that no account votes, rates
or checks in until a head has approved its membership (`community.selectors.approved_residents`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

WINDOW = 3600  # seconds: the limits are "per hour"


@dataclass
class Reservation:
    """The counters one sign-up holds a place in (give them back with `release`)."""

    keys: list[str] = field(default_factory=list)


class RegistrationThrottled(Exception):
    """Too many sign-ups from this address, or on the site, this hour; `message` says which."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _count(key: str, expires_at: float) -> int:
    ttl = max(1, math.ceil(expires_at - time.time())) + 60
    cache.add(key, 0, timeout=ttl)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr: start again
        cache.add(key, 0, timeout=ttl)
        n = cache.incr(key)
    cache.touch(key, ttl)  # some backends' incr (the database cache) resets the timeout
    return n


def hour_count(key: str) -> tuple[int, int]:
    """Count one more under `key` for this clock hour: (the count, seconds until the hour ends)."""
    now = time.time()
    hour = int(now // WINDOW)
    ends = (hour + 1) * WINDOW
    return _count(f"{key}:{hour}", ends), max(1, int(ends - now))


def release(reservation: Reservation) -> None:
    """Give back the places of a sign-up that did not create an account."""
    for key in reservation.keys:
        try:
            cache.decr(key)
        except ValueError:  # the hour is over and its counter gone: nothing to give back
            pass
    reservation.keys.clear()


def reserve(client_ip: str | None) -> Reservation:
    """Hold a place for one sign-up from `client_ip`, or raise RegistrationThrottled."""
    now = time.time()
    hour = int(now // WINDOW)
    ends = (hour + 1) * WINDOW
    minutes = max(1, math.ceil((ends - now) / 60))
    per_address = settings.REGISTRATION_LIMIT_PER_HOUR
    total = settings.REGISTRATION_LIMIT_TOTAL_PER_HOUR
    reservation = Reservation()
    checks = [
        (
            f"signup:addr:{client_ip or 'unknown'}:{hour}",
            per_address,
            _(
                "这个网络在一小时内已经注册了 %(n)d 个账号，达到上限。请 %(m)d 分钟后再试；"
                "如在社区集中登记，请联系微家负责人。"
            ),
        ),
        (
            f"signup:all:{hour}",
            total,
            _("这一小时内注册的人太多了（上限 %(n)d 个），为防止批量注册，请 %(m)d 分钟后再试。"),
        ),
    ]
    for key, limit, message in checks:
        if limit <= 0:
            continue
        n = _count(key, ends)
        reservation.keys.append(key)
        if n > limit:
            release(reservation)
            raise RegistrationThrottled(message % {"n": limit, "m": minutes}, int(ends - now))
    return reservation
