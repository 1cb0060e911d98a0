#!/usr/bin/env python
"""Forum benchmark: 10,000 proposals and 100,000 comments, then median server times.

    .venv/bin/python bench/forum_bench.py [--runs 30] [--fresh] [--json]

Uses its own database (never the development one): SQLite at
$FORUM_BENCH_DB (default /tmp/fanghua-forum-bench.sqlite3), or any database given by
FORUM_BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/fanghua_bench). The data
is loaded once and reused; --fresh reloads it. Prints the median time the server spends on
the proposal list page, on a proposal page with 500 comments, on that proposal's websocket
snapshot, and on searching a two-character Chinese word, with each page's query count.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROPOSALS = 10_000
COMMENTS = 100_000
BIG_THREAD = 500
PEOPLE = 200
WORDS = ["绿化", "楼道", "喷泉", "助餐", "停车", "路灯", "垃圾分类", "健身器材", "电梯", "充电桩",
         "四点半课堂", "红色书屋", "雨棚", "门禁", "宠物", "噪音", "消防通道", "花坛", "长椅", "外墙"]  # fmt: skip


def setup_django() -> None:
    url = os.environ.get("FORUM_BENCH_DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.environ.get("FORUM_BENCH_DB", "/tmp/fanghua-forum-bench.sqlite3")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def load(fresh: bool) -> tuple:
    """Create the bench hall's people, proposals and comments unless already there."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from community.models import Membership, MembershipRole, MembershipStatus, User
    from demo.community import seed_organisation
    from forum.models import Comment, Proposal, ProposalState, Second

    call_command("migrate", verbosity=0)
    hall, _users = seed_organisation()
    if fresh:
        Comment.objects.filter(proposal__hall=hall).delete()
        Second.objects.filter(proposal__hall=hall).delete()
        Proposal.objects.filter(hall=hall).delete()
    if Proposal.objects.filter(hall=hall).count() >= PROPOSALS:
        big = Proposal.objects.filter(hall=hall, title__startswith="【大讨论】").first()
        return hall, big
    rnd = random.Random(2021)
    t0 = time.perf_counter()
    password = make_password("bench-not-a-real-password")
    with transaction.atomic():
        existing = set(
            User.objects.filter(username__startswith="bench").values_list("username", flat=True)
        )
        User.objects.bulk_create(
            [
                User(username=f"bench{i}", display_name=f"居民{i}", password=password)
                for i in range(PEOPLE)
                if f"bench{i}" not in existing
            ]
        )
        people = list(User.objects.filter(username__startswith="bench").order_by("pk"))
        have = set(Membership.objects.filter(hall=hall).values_list("user_id", flat=True))
        Membership.objects.bulk_create(
            [
                Membership(user=u, hall=hall, status=MembershipStatus.ACTIVE)
                for u in people
                if u.pk not in have
            ]
        )
        MembershipRole.objects.bulk_create(
            [
                MembershipRole(membership=m, role="resident")
                for m in Membership.objects.filter(hall=hall, user__in=people)
            ],
            ignore_conflicts=True,
        )
        brands = list(hall.brands.all())
        buildings = list(hall.compound.buildings.all())
        states = [ProposalState.COLLECTING] * 6 + [ProposalState.AWAITING_REVIEW, ProposalState.ACCEPTED,
                                                   ProposalState.REJECTED, ProposalState.COMPLETED]  # fmt: skip
        now = timezone.now()
        rows = []
        for i in range(PROPOSALS):
            a, b = rnd.sample(WORDS, 2)
            when = now - timezone.timedelta(minutes=i * 7)
            rows.append(
                Proposal(
                    hall=hall,
                    author=rnd.choice(people),
                    title=("【大讨论】" if i == 0 else "") + f"关于{a}和{b}的建议 {i}",
                    body=f"希望小区能改善{a}问题。" * 5 + f"同时关注{b}。",
                    brand=rnd.choice(brands),
                    building=rnd.choice([None, *buildings]),
                    state=rnd.choice(states),
                    created_at=when,
                    published_at=when,
                    last_activity_at=when,
                    second_count=rnd.randint(0, 12),
                )
            )
        Proposal.objects.bulk_create(rows, batch_size=2000)
        ids = list(Proposal.objects.filter(hall=hall).order_by("pk").values_list("pk", flat=True))
        big_id = ids[0]
        per = {pid: 0 for pid in ids}
        from community.markup import _converter, sanitize

        md = _converter()  # one converter for the load (render_markdown makes one per call)

        def render(text: str) -> str:
            md.reset()
            return sanitize(md.convert(text))

        batch = []
        for n in range(COMMENTS):
            pid = big_id if n < BIG_THREAD else rnd.choice(ids[1:])
            per[pid] += 1
            body = f"我的意见第 {n} 条：**同意**,但要注意{rnd.choice(WORDS)}。"
            batch.append(
                Comment(
                    proposal_id=pid,
                    author=rnd.choice(people),
                    body=body,
                    body_html=render(body),
                    stance=rnd.choice(["", "for", "against", "suggestion"]),
                )
            )
            if len(batch) == 5000:
                Comment.objects.bulk_create(batch)
                batch = []
        Comment.objects.bulk_create(batch)
        # A third of the big thread's comments become replies (depth 1).
        big_comments = list(
            Comment.objects.filter(proposal_id=big_id).order_by("pk").values_list("pk", flat=True)
        )
        for child, parent in zip(big_comments[1::3], big_comments[0::3], strict=False):
            Comment.objects.filter(pk=child).update(parent_id=parent, depth=1, stance="")
        for pid, count in per.items():
            if count:
                Proposal.objects.filter(pk=pid).update(comment_count=count)
    print(
        f"loaded {PROPOSALS} proposals and {COMMENTS} comments in {time.perf_counter() - t0:.1f} s"
    )
    return hall, Proposal.objects.get(pk=big_id)


def measure(fn, runs: int) -> tuple[float, int]:
    """Median milliseconds of fn() over `runs` (after one warm-up), and the queries of one run."""
    from django.db import connection

    fn()
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), count[0]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="reload the data")
    parser.add_argument("--json", action="store_true", help="print one JSON line at the end")
    args = parser.parse_args(argv)
    setup_django()

    from django.db import connection
    from django.test import Client

    from community.models import User
    from forum import selectors
    from forum.consumers import ProposalConsumer

    hall, big = load(args.fresh)
    viewer = User.objects.get(username="bench1")
    client = Client()
    client.force_login(viewer)

    def get(url):
        def run():
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)

        return run

    def snapshot():
        c = ProposalConsumer()
        c.scope = {"user": viewer}
        c.proposal_id = big.pk
        c.build_snapshot()

    def search_query():
        list(selectors.proposal_list(user=viewer, hall=hall, q="绿化")[:20])

    results = {}
    cases = [
        ("list_page", "proposal list page (20 of 10,000)", get(f"/halls/{hall.slug}/proposals/")),
        ("list_page_active", "proposal list, sorted by recent activity", get(f"/halls/{hall.slug}/proposals/?sort=active")),
        ("proposal_page_500", f"proposal page with {BIG_THREAD} comments", get(f"/proposals/{big.pk}/")),
        ("snapshot_500", "websocket snapshot of that proposal", snapshot),
        ("search_page", "search 绿化（list page）", get(f"/halls/{hall.slug}/proposals/?q=%E7%BB%BF%E5%8C%96")),
        ("search_query", "search 绿化（selector, first 20）", search_query),
    ]  # fmt: skip
    print(f"database: {connection.vendor}, {args.runs} runs each (median server time)")
    for key, label, fn in cases:
        ms, queries = measure(fn, args.runs)
        results[key] = {"median_ms": round(ms, 1), "queries": queries}
        print(f"  {label:<46} {ms:8.1f} ms  {queries:3d} queries")
    matches = selectors.proposal_list(user=viewer, hall=hall, q="绿化").count()
    print(f"  （绿化 matches {matches} of {PROPOSALS} proposals）")
    if args.json:
        print(json.dumps({"forum": results, "database": connection.vendor}))
    return results


if __name__ == "__main__":
    main()
