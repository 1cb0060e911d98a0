"""Fan-out benchmark: time from a moderator's action to the last participant's receipt.

For each N (100, 500, 1000 by default) it connects N authenticated participants to one room
of a real daphne server running the app (`bench.asgi`), waits until presence traffic has
settled, then runs warm-up rounds and 50 timed rounds: take a timestamp, send the moderator's
command, wait until all N participants have the event it publishes. The app runs twice, as two
daphne servers side by side: one with `REALTIME_DIRECT_WRITES=1` (frames written straight to
the sockets, realtime/wire.py) and one with `REALTIME_DIRECT_WRITES=0` (every frame through the
ASGI send). The floor is a plain `websockets` server that `broadcast()`s a frame of the same
size. Rounds alternate between the three, so all see the same load. Prints one table with the
ratios, writes bench/results.json and the table in docs/benchmarks.md.

Clients, servers and this script share the machine; clients are asyncio tasks in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = ROOT / "bench" / ".bench.sqlite3"
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"
PY = sys.executable
TEXT = "请各位议事代表注意：下一项议题开始，请按顺序发言，每人发言不超过三分钟。" * 3  # ~100 chars
QUIET_SECONDS = 1.5  # no presence (or any other) frame for this long = settled
ROUND_TIMEOUT = 30.0


# --- environment -------------------------------------------------------------------------------
def configure_environment(args) -> dict[str, str]:
    """Environment for this process and the server: production-like settings, a bench DB."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DB}")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DEBUG"] = "0"
    env["SECURE_SSL_REDIRECT"] = "0"
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    # Sessions are signed with it: this process creates them, the server reads them.
    env["SECRET_KEY"] = env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48)
    env["LOG_LEVEL"] = "WARNING"
    if args.redis:
        env["REDIS_URL"] = args.redis
        env.setdefault("CHANNEL_PREFIX", "bench")
    else:
        env.pop("REDIS_URL", None)  # one process: the in-memory channel layer
    env["PYTHONPATH"] = str(ROOT)
    os.environ.update(env)
    for key in ("REDIS_URL",):
        if key not in env:
            os.environ.pop(key, None)
    return env


# --- database: people, sessions ----------------------------------------------------------------
def prepare_people(n: int):
    """The bench hall, its moderator and n participants, all active members (idempotent)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from community.models import (
        Community,
        Compound,
        Hall,
        Membership,
        MembershipRole,
        MembershipStatus,
        Street,
        User,
    )
    from community.roles import Role

    with transaction.atomic():
        street, _ = Street.objects.get_or_create(name="压测街道")
        community, _ = Community.objects.get_or_create(street=street, name="压测社区")
        compound, _ = Compound.objects.get_or_create(community=community, name="压测小区")
        hall, _ = Hall.objects.get_or_create(
            slug="bench-hall",
            defaults={"compound": compound, "name": "压测议事厅", "home_name": "压测微家"},
        )
        unusable = make_password(None)  # they log in through the sessions made below only
        names = ["bench-moderator"] + [f"bench-{i:04d}" for i in range(n)]
        have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(username=u, display_name=f"居民{u[-4:]}", password=unusable)
                for u in names
                if u not in have
            ]
        )
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        member_ids = set(
            Membership.objects.filter(hall=hall, user__in=users.values()).values_list(
                "user_id", flat=True
            )
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, hall=hall, status=MembershipStatus.ACTIVE)
                for u in users.values()
                if u.pk not in member_ids
            ]
        )
        memberships = {m.user_id: m for m in Membership.objects.filter(hall=hall)}
        have_roles = set(
            MembershipRole.objects.filter(membership__hall=hall).values_list(
                "membership__user_id", "role"
            )
        )
        wanted = [(u.pk, Role.RESIDENT) for u in users.values()]
        wanted.append((users["bench-moderator"].pk, Role.MODERATOR))
        MembershipRole.objects.bulk_create(
            [
                MembershipRole(membership=memberships[uid], role=role)
                for uid, role in wanted
                if (uid, role) not in have_roles
            ]
        )
    participants = [users[f"bench-{i:04d}"] for i in range(n)]
    return hall, users["bench-moderator"], participants


def make_sessions(users) -> list[tuple[str, str]]:
    """(session key, cookie header) per user, as logging in would create them."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    out = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        out.append((store.session_key, f"{settings.SESSION_COOKIE_NAME}={store.session_key}"))
    return out


def drop_sessions(keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    for i in range(0, len(keys), 500):
        Session.objects.filter(session_key__in=keys[i : i + 500]).delete()


def clear_presence(room: str) -> None:
    """Forget presence rows a killed earlier run may have left in this bench room."""
    from realtime.models import Presence, PresenceState

    Presence.objects.filter(room=room).delete()
    PresenceState.objects.filter(room=room).delete()


# --- servers -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"server did not listen on {port} within {timeout}s")


def start_server(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    wait_for_port(port, proc)
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- clients -----------------------------------------------------------------------------------
@dataclass
class Collector:
    """What all participants of one server received; the current round's count and last time."""

    event_prefix: str
    round_of: object
    round: int | None = None
    expected: int = 0
    count: int = 0
    last: float = 0.0
    sizes: list[int] = field(default_factory=list)
    other_at: float = 0.0  # time of the last frame that is not the benchmarked event
    other: int = 0
    snapshots: int = 0
    stray: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self, round_: int, expected: int) -> None:
        self.round, self.expected, self.count = round_, expected, 0
        self.done = asyncio.Event()

    def receive(self, message: str, now: float) -> None:
        if message.startswith(self.event_prefix):
            frame = json.loads(message)
            got = self.round_of(frame)
            if got is not None and got != self.round:
                self.stray += 1
                return
            self.count += 1
            self.last = now
            if self.count == 1:
                self.sizes.append(len(message.encode()))
            if self.count == self.expected:
                self.done.set()
        else:
            if message.startswith('{"type":"snapshot"'):
                self.snapshots += 1
            self.other += 1
            self.other_at = now


async def connect(url: str, cookie: str | None, origin: str):
    from websockets.asyncio.client import connect as ws_connect

    headers = [("Cookie", cookie)] if cookie else []
    return await ws_connect(
        url,
        additional_headers=headers,
        origin=origin,
        compression=None,
        ping_interval=None,
        max_size=None,
        open_timeout=120,
        close_timeout=2,
    )


async def listen(ws, collector: Collector) -> None:
    perf = time.perf_counter
    with contextlib.suppress(Exception):
        async for message in ws:
            collector.receive(message, perf())


@dataclass
class Target:
    """One server under test, its participants and its moderator."""

    label: str
    base: str  # ws://127.0.0.1:port
    participant_path: str
    moderator_path: str
    cookies: list[str | None]  # per participant
    moderator_cookie: str | None
    wait_snapshot: bool  # the app sends a snapshot first; the floor sends nothing
    collector: Collector
    command: object  # (round) → the moderator's command frame (text)
    pid: int
    profile: str | None = None
    sockets: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    moderator: Moderator | None = None

    @property
    def origin(self) -> str:
        return self.base.replace("ws://", "http://")


async def grow(target: Target, n: int, concurrency: int = 20) -> None:
    """Connect participants until there are n and all of them are live."""
    url = target.base + target.participant_path
    limit = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with limit:
            ws = await connect(url, target.cookies[i], target.origin)
        target.sockets.append(ws)
        target.tasks.append(asyncio.ensure_future(listen(ws, target.collector)))

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(len(target.sockets), n)))
    if target.wait_snapshot:
        while target.collector.snapshots < n:
            await asyncio.sleep(0.05)
    print(
        f"  {target.label}: {n} participants connected in {time.perf_counter() - started:.1f}s",
        flush=True,
    )


async def wait_quiet(targets: list[Target], timeout: float = 300) -> None:
    """Wait until no participant has received anything (presence…) for QUIET_SECONDS."""
    deadline = time.perf_counter() + timeout
    await asyncio.sleep(QUIET_SECONDS)
    while time.perf_counter() - max(t.collector.other_at for t in targets) < QUIET_SECONDS:
        if time.perf_counter() > deadline:
            raise SystemExit("the rooms never became quiet")
        await asyncio.sleep(0.1)


class Moderator:
    """The moderator's own connection: sends the action, checks every reply is ok."""

    def __init__(self, ws):
        self.ws = ws
        self.replies: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for message in self.ws:
                frame = json.loads(message)
                if frame.get("type") in ("ok", "error"):
                    self.replies.put_nowait(frame)

    async def reply(self) -> dict:
        frame = await asyncio.wait_for(self.replies.get(), ROUND_TIMEOUT)
        if frame["type"] != "ok":
            raise SystemExit(f"the moderator's action failed: {frame}")
        return frame


async def one_round(target: Target, n: int, round_id: int) -> tuple[float, bool]:
    """Send the action; return ms until the last of n participants had it, and whether
    anything else reached them meanwhile."""
    c = target.collector
    other_before = c.other
    c.start(round_id, n)
    command = target.command(round_id)
    t0 = time.perf_counter()
    await target.moderator.ws.send(command)
    await asyncio.wait_for(c.done.wait(), ROUND_TIMEOUT)
    latency = (c.last - t0) * 1000
    await target.moderator.reply()
    return latency, c.other != other_before


def start_profiler(target: Target, n: int) -> subprocess.Popen | None:
    if not target.profile:
        return None
    out = Path(target.profile) / f"{target.label}-{n}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(Path(PY).parent / "py-spy"), "record", "-p", str(target.pid)]
    cmd += ["-f", "raw", "-r", "250", "-o", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run_rounds(targets: list[Target], n: int, rounds: int, warmup: int, gap: float):
    """Warm-up, then timed rounds at n participants, alternating between the targets round by
    round so that both see the same load from the rest of the machine."""
    stats = {t.label: {"latencies": [], "polluted_rounds": 0} for t in targets}
    profilers = [p for t in targets if (p := start_profiler(t, n))]
    if profilers:
        await asyncio.sleep(1)
    cpu = {t.label: cpu_seconds(t.pid) for t in targets}
    busy = {t.label: 0.0 for t in targets}
    for r in range(-warmup, rounds):
        for target in targets:
            round_id = n * 1000 + r + warmup
            client_cpu, wall = time.process_time(), time.perf_counter()
            latency, polluted = await one_round(target, n, round_id)
            await asyncio.sleep(gap)
            if r >= 0:
                stats[target.label]["latencies"].append(latency)
                stats[target.label]["polluted_rounds"] += polluted
                busy[target.label] += time.perf_counter() - wall
                stats[target.label].setdefault("client_cpu_s", 0.0)
                stats[target.label]["client_cpu_s"] += time.process_time() - client_cpu
    for p in profilers:
        p.send_signal(signal.SIGINT)
        await asyncio.get_running_loop().run_in_executor(None, p.wait)
    for t in targets:
        s = stats[t.label]
        # CPU share of the wall time of this target's rounds (the server's own CPU time is
        # counted over all rounds; the other server idles meanwhile).
        s["server_cpu"] = (cpu_seconds(t.pid) - cpu[t.label]) / busy[t.label]
        s["client_cpu"] = s.pop("client_cpu_s") / busy[t.label]
        s["frame_bytes"] = int(statistics.median(t.collector.sizes[-rounds:]))
        print(
            f"  {t.label}: N={n} p50 {percentile(s['latencies'], 50):.1f} ms, "
            f"p99 {percentile(s['latencies'], 99):.1f} ms (server CPU {s['server_cpu']:.0%}, "
            f"client CPU {s['client_cpu']:.0%}, {s['polluted_rounds']} rounds with other "
            "traffic)",
            flush=True,
        )
    return stats


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


async def measure(targets: list[Target], sizes, rounds, warmup, gap) -> dict[int, dict]:
    out = {}
    try:
        for t in targets:
            ws = await connect(t.base + t.moderator_path, t.moderator_cookie, t.origin)
            t.moderator = Moderator(ws)
        for n in sizes:
            for t in targets:
                await grow(t, n)
            await wait_quiet(targets)
            load = loadavg()
            print(f"  {rounds} rounds at N={n} (load {load})", flush=True)
            out[n] = await run_rounds(targets, n, rounds, warmup, gap)
            out[n]["load"] = load
    finally:
        for t in targets:
            socks = [*t.sockets, *([t.moderator.ws] if t.moderator else [])]
            await asyncio.gather(
                *(asyncio.wait_for(ws.close(), 2) for ws in socks), return_exceptions=True
            )
            for task in [*t.tasks, *([t.moderator.task] if t.moderator else [])]:
                task.cancel()
    return out


# The app's two transport paths, each a daphne server of its own: label → REALTIME_DIRECT_WRITES.
APP_PATHS = {"direct": "1", "asgi": "0"}
PATH_NAMES = {
    "direct": "direct writes (realtime/wire.py)",
    "asgi": "ASGI send (daphne's own)",
    "floor": "floor (websockets.broadcast)",
}


def default_path() -> str:
    """The path the production settings choose (REALTIME_DIRECT_WRITES, default on)."""
    from django.conf import settings

    return "direct" if settings.FANGHUA.get("REALTIME_DIRECT_WRITES", True) else "asgi"


def sqlite_copies(env: dict[str, str]) -> dict[str, str]:
    """On SQLite, a copy of the prepared bench database for each app server but the first.

    Two server processes writing one SQLite file (presence rows of 1,000 joins, the meeting
    watchers' polls) wait on each other's locks and WAL, which is no part of the fan-out and
    stalled joins for seconds; each server alone on its file is what one server in production
    has. On PostgreSQL both servers share the database. Returns label → DATABASE_URL.
    """
    from django.db import connection

    if connection.vendor != "sqlite":
        return {}
    source = Path(connection.settings_dict["NAME"])
    out = {}
    for label in list(APP_PATHS)[1:]:
        target = source.with_name(f"{source.stem}-{label}{source.suffix}")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        out[label] = f"sqlite:///{target}"
    return out


def run_servers(args, env, rooms, sessions, sizes, databases) -> dict[int, dict]:
    """Start the app both ways (and the floor), measure, stop them."""
    floor_port = free_port()
    # No keep-alive pings during the measurement, like the floor (`ping_interval=None`): daphne
    # pings each connection every 20 s by default, which at N = 1,000 is ~100 pings and pongs
    # inside some rounds, traffic that is no part of the fan-out. Production keeps daphne's.
    daphne = [str(Path(PY).parent / "daphne"), "-v", "0", "-b", "127.0.0.1"]
    daphne += ["--ping-interval", "3600"]
    servers = []
    targets = []
    try:
        for label, direct in APP_PATHS.items():
            room, port = rooms[label], free_port()
            server_env = {**env, "REALTIME_DIRECT_WRITES": direct}
            if label in databases:
                server_env["DATABASE_URL"] = databases[label]
            if args.redis:  # each server its own groups: no event crosses to the other
                server_env["CHANNEL_PREFIX"] = f"{env.get('CHANNEL_PREFIX', 'bench')}-{label}"
            cmd = [*daphne, "-p", str(port), "bench.asgi:application"]
            servers.append(start_server(cmd, server_env, port))
            print(
                f"{label}: daphne bench.asgi on :{port}, REALTIME_DIRECT_WRITES={direct}, "
                f"room {room.name}",
                flush=True,
            )
            targets.append(
                Target(
                    label=label,
                    base=f"ws://127.0.0.1:{port}",
                    participant_path=room.participant_path,
                    moderator_path=room.moderator_path,
                    cookies=[cookie for _, cookie in sessions[1:]],
                    moderator_cookie=sessions[0][1],
                    wait_snapshot=True,
                    collector=Collector(f'{{"type":"{room.event_type}"', room.round_of),
                    command=lambda r, room=room: room.command(r, TEXT),
                    pid=servers[-1].pid,
                    profile=args.profile,
                )
            )
        app = targets[0]
        if not args.no_floor:
            cmd = [PY, "-m", "bench.floor_server", "--port", str(floor_port)]
            servers.append(start_server(cmd, env, floor_port))
            print(f"floor: websockets.broadcast() on :{floor_port}", flush=True)
            targets.append(
                Target(
                    label="floor",
                    base=f"ws://127.0.0.1:{floor_port}",
                    participant_path="/",
                    moderator_path="/moderator",
                    cookies=[None] * max(sizes),
                    moderator_cookie=None,
                    wait_snapshot=False,
                    collector=Collector('{"type":"bench.announce"', lambda f: f["data"]["round"]),
                    # a frame of the size the app's last event had
                    command=lambda r: json.dumps({"round": r, "size": app.collector.sizes[-1]}),
                    pid=servers[-1].pid,
                )
            )
        if args.daphne_raw:
            raw_port = free_port()
            cmd = [*daphne, "-p", str(raw_port), "bench.daphne_raw:application"]
            servers.append(start_server(cmd, env, raw_port))
            print(f"daphne-raw: bench.daphne_raw on :{raw_port}", flush=True)
            targets.append(
                Target(
                    label="daphne-raw",
                    base=f"ws://127.0.0.1:{raw_port}",
                    participant_path="/",
                    moderator_path="/moderator",
                    cookies=[None] * max(sizes),
                    moderator_cookie=None,
                    wait_snapshot=False,
                    collector=Collector('{"type":"bench.announce"', lambda f: f["data"]["round"]),
                    command=lambda r: json.dumps({"round": r, "size": app.collector.sizes[-1]}),
                    pid=servers[-1].pid,
                    profile=args.profile,
                )
            )
        return asyncio.run(measure(targets, sizes, args.rounds, args.warmup, args.gap))
    finally:
        for server in servers:
            stop_server(server)


# --- reporting ---------------------------------------------------------------------------------
def table(rows: list[dict], default: str) -> str:
    """One table: each N with the app's two paths and the floor, and the ratios between them."""
    lines = [
        "| N | path | p50 ms | p99 ms | p50 / floor | p99 / floor | p50 / direct | target met |",
        "|---:|:---|---:|---:|---:|---:|---:|:---|",
    ]
    for row in rows:
        floor50, floor99 = row["floor_p50_ms"], row["floor_p99_ms"]
        direct50 = row["direct_p50_ms"]
        for path in ("direct", "asgi", "floor"):
            p50, p99 = row[f"{path}_p50_ms"], row[f"{path}_p99_ms"]
            r50, r99 = p50 / floor50, p99 / floor99
            met = "" if path == "floor" else "yes" if r50 <= 1.5 and r99 <= 2.5 else "**no**"
            name = PATH_NAMES[path] + (" — default" if path == default else "")
            lines.append(
                f"| {row['clients']} | {name} | {p50:.1f} | {p99:.1f} | {r50:.2f}× | "
                f"{r99:.2f}× | {p50 / direct50:.2f}× | {met} |"
            )
    return "\n".join(lines)


FANOUT_BEGIN = "<!-- fanout-results:begin (written by make bench) -->"
FANOUT_END = "<!-- fanout-results:end -->"


def write_doc_table(text: str) -> None:
    """Replace the generated block in docs/benchmarks.md (the analysis around it is by hand)."""
    doc = DOC.read_text() if DOC.exists() else ""
    block = f"{FANOUT_BEGIN}\n{text}\n{FANOUT_END}"
    if FANOUT_BEGIN in doc:
        doc = re.sub(
            re.escape(FANOUT_BEGIN) + r".*?" + re.escape(FANOUT_END),
            lambda _: block,
            doc,
            flags=re.S,
        )
    else:
        doc = doc.rstrip() + "\n\n## Fan-out\n\n" + block + "\n"
    DOC.write_text(doc)


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"
    )


# --- main --------------------------------------------------------------------------------------
def parse(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", default="100,500,1000", help="comma-separated N")
    p.add_argument("--rounds", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--gap", type=float, default=0.1, help="seconds between rounds")
    p.add_argument("--room", default="meetings", help="room under test (bench/rooms.py)")
    p.add_argument("--redis", default="", help="use this Redis channel layer (default: in-memory)")
    p.add_argument("--no-write", action="store_true", help="print only; keep results/doc")
    p.add_argument(
        "--no-floor", action="store_true", help="measure the app only (implies --no-write)"
    )
    p.add_argument(
        "--daphne-raw",
        action="store_true",
        help="also measure a bare ASGI fan-out on daphne (bench/daphne_raw.py)",
    )
    p.add_argument(
        "--profile",
        metavar="DIR",
        help="record the app server with py-spy during the rounds (collapsed stacks per N)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    sizes = sorted({int(x) for x in args.clients.split(",")})
    env = configure_environment(args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bench.rooms import ROOMS

    print(f"fan-out: N={sizes}, {args.rounds} rounds, room={args.room}, load {loadavg()}")
    call_command("migrate", verbosity=0)
    hall, moderator, participants = prepare_people(max(sizes))
    actions = (args.warmup + args.rounds) * len(sizes)  # moderator actions in the whole run
    # One room per app server (for the meeting room: a meeting each, so that each server's
    # moderator action changes its own meeting).
    rooms = {
        label: ROOMS[args.room](hall=hall, moderator=moderator, rounds=actions)
        for label in APP_PATHS
    }
    for room in rooms.values():
        clear_presence(room.name)
    sessions = make_sessions([moderator, *participants])
    databases = sqlite_copies(env)
    connections.close_all()
    default = default_path()
    started = dt.datetime.now(dt.UTC)
    try:
        results = run_servers(args, env, rooms, sessions, sizes, databases)
    finally:
        drop_sessions([key for key, _ in sessions])
        for url in databases.values():
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    if args.no_floor:
        return {}

    rows = []
    for n in sizes:
        fl = results[n]["floor"]
        row = {"clients": n, "default_path": default}
        for path in (*APP_PATHS, "floor"):
            got = results[n][path]
            row[f"{path}_p50_ms"] = round(percentile(got["latencies"], 50), 1)
            row[f"{path}_p99_ms"] = round(percentile(got["latencies"], 99), 1)
            row[f"{path}_max_ms"] = round(max(got["latencies"]), 1)
            row[f"{path}_frame_bytes"] = got["frame_bytes"]
            row[f"{path}_server_cpu"] = round(got["server_cpu"], 2)
            row[f"{path}_client_cpu"] = round(got["client_cpu"], 2)
            if path != "floor":
                row[f"{path}_rounds_with_other_traffic"] = got["polluted_rounds"]
        # The default path's figures under the names earlier runs used.
        row["p50_ms"], row["p99_ms"] = row[f"{default}_p50_ms"], row[f"{default}_p99_ms"]
        row["floor_p50_ms"] = round(percentile(fl["latencies"], 50), 1)
        row["floor_p99_ms"] = round(percentile(fl["latencies"], 99), 1)
        row["rounds"] = args.rounds
        row["load_before_rounds"] = results[n]["load"]
        if raw := results[n].get("daphne-raw"):
            row["daphne_raw_p50_ms"] = round(percentile(raw["latencies"], 50), 1)
            row["daphne_raw_p99_ms"] = round(percentile(raw["latencies"], 99), 1)
        rows.append(row)
    text = table(rows, default)
    print()
    print(text)
    meta = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "room": args.room,
        "channel_layer": "redis" if args.redis else "in-memory",
        "default_path": default,
        "load_after": loadavg(),
    }
    print(f"\n{meta['date']}, {meta['machine']}, load average after: {meta['load_after']}")
    if not args.no_write:
        RESULTS.write_text(json.dumps({"fanout": rows, "fanout_run": meta}, indent=2) + "\n")
        loads = "; ".join(f"N = {r['clients']}: {r['load_before_rounds']}" for r in rows)
        write_doc_table(
            f"Last run: {meta['date']} on {meta['machine']}; room `{args.room}`, "
            f"{meta['channel_layer']} channel layer, {args.rounds} rounds per N (direct writes, "
            f"ASGI send and floor alternating), frame {rows[-1]['direct_frame_bytes']} bytes; "
            "load average (1, 5, 15 min) "
            f"before each N's rounds: {loads}, after the run {meta['load_after']}.\n\n{text}"
        )
        print(f"wrote {RESULTS.relative_to(ROOT)} and the table in {DOC.relative_to(ROOT)}")
    return {"fanout": rows}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
