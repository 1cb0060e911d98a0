"""Selectors and GET handlers never write: every page and API GET of a busy hall, with writes caught.

What time has made due (a ballot past its window, a resolution past its notice, an evaluation
past its period) is shown as it is, computed on read; the cron commands and the next write
persist it (docs/architecture.md, "Reads").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from community.models import Membership, MembershipStatus
from community.roles import Role
from deliberation.meetings import services as ms
from deliberation.models import Ballot, ResultPublication, Speech, SpeechState
from deliberation.taizhang.rows import SHEETS_BY_KEY
from forum.models import ProposalState
from tests.community.factories import BrowserClient, HallFactory, UserFactory, member
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)
from tests.deliberation.story.factories import full_flow
from tests.deliberation.tasks.factories import task_world
from tests.deliberation.votes.factories import make_ballot, proposal_in, resolution_on_notice
from tests.forum.factories import proposal

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b|\bFOR (NO KEY )?UPDATE\b", re.IGNORECASE)
# Not pages of the hall: the admin site, static media, Django's own auth and language views.
SKIP = re.compile(r"^(admin/|media/|i18n/|accounts/|api/v1/docs|api/v1/openapi)")


@dataclass
class Writes:
    """Records the SQL that writes while installed (session rows aside: they are the login's)."""

    found: list[str] = field(default_factory=list)
    url: str = ""

    def __call__(self, execute, sql, params, many, context):
        # The one write a GET may make: the audit log records who read personal data (exports of
        # the 台账，a person's own data) — docs/architecture.md names this exception.
        if WRITE.search(sql) and "django_session" not in sql and "community_auditentry" not in sql:
            verb = sql.split()[0].upper()
            verb = "SELECT FOR UPDATE" if verb == "SELECT" else verb  # a lock (PostgreSQL only)
            table = re.search(r'(?:INTO|UPDATE|FROM)\s+"?(\w+)', sql, re.IGNORECASE)
            self.found.append(f"GET {self.url}: {verb} {table.group(1) if table else sql[:60]}")
        return execute(sql, params, many, context)

    def by_url(self) -> str:
        """One line per URL: what it wrote, each table once."""
        grouped: dict[str, list[str]] = {}
        for line in self.found:
            url, write = line.split(": ", 1)
            if write not in grouped.setdefault(url, []):
                grouped[url].append(write)
        return "\n".join(f"{url}: {', '.join(writes)}" for url, writes in grouped.items())


def routes(patterns=None, prefix: str = ""):
    """Every URL pattern of the project as (route text, pattern)."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def busy_hall():
    """A hall with something in every state a read could be tempted to settle."""
    hall = HallFactory()
    flow = full_flow(hall, close_evaluation=False)
    head = flow.people["head"]
    now = timezone.now()
    # Its evaluation period is over, but nobody has closed the round yet.
    ResultPublication.objects.filter(pk=flow.result.pk).update(
        evaluation_ends_at=now - timedelta(hours=1)
    )
    # An online ballot past its window that no one has closed.
    late = make_ballot(
        hall, flow.people["moderator"], proposal=proposal_in(hall), quorum_fraction="0.01"
    )
    Ballot.objects.filter(pk=late.pk).update(ends_at=now - timedelta(hours=1))
    # A resolution past its notice period, not yet settled.
    on_notice = resolution_on_notice(hall, head, now=now)
    # Meetings: one scheduled, one in progress (and the flow's closed one).
    people = meeting_people(hall)
    upcoming = scheduled_meeting(hall, people)
    live = scheduled_meeting(hall, people, proposals=[accepted_proposal(hall, people["wang"])])
    # …whose speaker's time ran out a minute ago, and no timer has ended the speech yet.
    mod = people["moderator"]
    ms.meeting_open(actor=mod, meeting=live)
    ms.meeting_check_in_member(actor=mod, meeting=live, user_id=people["wang"].pk)
    ms.meeting_open_item(actor=mod, meeting=live)
    ms.hand_raise(user=people["wang"], meeting=live, stance="for")
    ms.floor_give(actor=mod, meeting=live)
    Speech.objects.filter(meeting=live, state=SpeechState.SPEAKING).update(
        deadline=now - timedelta(minutes=1)
    )
    # An open task with steps, and proposals in the early states.
    world = task_world(hall)
    task = world.task(subtasks=[("准备", 1), ("实施", 3)])
    drafts = [
        proposal(hall, state=s)
        for s in (
            ProposalState.DRAFT,
            ProposalState.COLLECTING,
            ProposalState.AWAITING_REVIEW,
            ProposalState.ACCEPTED,
        )
    ]
    applicant = UserFactory()
    pending = Membership.objects.create(
        user=applicant, hall=hall, status=MembershipStatus.REQUESTED
    )
    community = hall.compound.community
    objects = {
        "halls": [hall],
        "proposals": [flow.proposal, late.proposal, on_notice.proposal, *drafts],
        "comments": list(flow.proposal.comments.all()),
        "meetings": [flow.meeting, upcoming, live],
        "ballots": [*Ballot.objects.filter(hall=hall)],
        "resolutions": [flow.resolution, on_notice, world.resolution],
        "objections": list(flow.resolution.objections.all()),
        "tasks": [flow.task, task],
        "subtasks": list(task.subtasks.all()),
        "results": [flow.result],
        "memberships": [pending],
        "communities": [community],
        "streets": [community.street],
        "moderation": [flow.proposal],
    }
    return hall, head, objects


# What fills a URL's keyword arguments that do not name an object.
PLAIN = {
    "slug": lambda hall, obj: hall.slug,
    "hall_id": lambda hall, obj: hall.pk,
    "token": lambda hall, obj: obj.checkin_token,
    "action": lambda hall, obj: "open",
    "op": lambda hall, obj: "add",
    "decision": lambda hall, obj: "approve",
    "kind": lambda hall, obj: "proposal",
    "sheet": lambda hall, obj: next(iter(SHEETS_BY_KEY)),
}
# Keyword arguments that name an object of a collection other than the one before them.
NAMED = {
    "meeting_id": "meetings",
    "task_id": "tasks",
    "resolution_id": "resolutions",
    "subtask_id": "subtasks",
    "sid": "subtasks",
}


def urls_for(route: str, pattern: URLPattern, hall, objects) -> list[str]:
    """The concrete URLs of a route: one per object of the collection its `pk` names."""
    names = list(pattern.pattern.converters) or re.findall(r"<(?:\w+:)?(\w+)>", route)
    segments = [s for s in route.split("/") if s and not s.startswith("<")]
    collection = next(
        (s for s in reversed(segments) if s in objects and "pk" in names),
        None,
    )
    if "pk" in names and collection is None:
        pytest.fail(f"no objects for the pk of {route!r}: add its collection to busy_hall()")
    targets = objects[collection] if collection else [None]
    out = []
    for obj in targets:
        text = route
        for name in names:
            if name == "pk":
                value = obj.pk
            elif name in NAMED:
                value = objects[NAMED[name]][-1].pk
            elif name in PLAIN:
                value = PLAIN[name](hall, obj if obj is not None else objects["meetings"][0])
            else:
                pytest.fail(f"cannot fill <{name}> of {route!r}: add it to PLAIN or NAMED")
            text = re.sub(rf"<(?:\w+:)?{name}>", str(value), text)
        out.append("/" + text.lstrip("^").rstrip("$"))
    return out


@pytest.mark.django_db(transaction=False)
def test_no_page_or_api_get_writes_to_the_database(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    hall, head, objects = busy_hall()
    client = BrowserClient()
    client.force_login(head)  # before the guard: logging in writes the session and last_login

    writes = Writes()
    visited: dict[str, int] = {}
    with connection.execute_wrapper(writes):
        for route, pattern in routes():
            if SKIP.match(route):
                continue
            for url in urls_for(route, pattern, hall, objects):
                writes.url = url
                # Each GET is rolled back, so every page meets the hall as built (a page that
                # settles a ballot does not hide that the next one would too).
                with transaction.atomic():
                    visited[url] = client.get(url).status_code
                    transaction.set_rollback(True)
    # Not vacuous: the walk reached the pages and API reads of every part, and they answered.
    assert len(visited) > 100
    answered = {url for url, status in visited.items() if status == 200}
    for url in (
        f"/halls/{hall.slug}/proposals/",
        f"/ballots/{objects['ballots'][-1].pk}/",
        f"/api/v1/ballots/{objects['ballots'][-1].pk}",
        f"/resolutions/{objects['resolutions'][1].pk}/",
        f"/meetings/{objects['meetings'][2].pk}/",
        f"/api/v1/meetings/{objects['meetings'][2].pk}",
        f"/tasks/{objects['tasks'][1].pk}/",
        f"/results/{objects['results'][0].pk}/",
        f"/api/v1/results/{objects['results'][0].pk}",
        f"/proposals/{objects['proposals'][0].pk}/story/",
        f"/halls/{hall.slug}/dashboard/",
        f"/halls/{hall.slug}/taizhang/",
        f"/halls/{hall.slug}/ledger/",
    ):
        assert url in answered, (url, visited.get(url))
    assert writes.found == [], "GET requests that wrote:\n" + writes.by_url()


@pytest.mark.django_db
def test_the_guard_sees_a_write():
    hall = HallFactory()
    writes = Writes(url="/x/")
    with connection.execute_wrapper(writes):
        member(hall, Role.HEAD)
        list(Ballot.objects.all())
    # The user, membership and role rows (and the password's save), but not the SELECT.
    assert {w.split(": ", 1)[1].split()[0] for w in writes.found} == {"INSERT", "UPDATE"}
