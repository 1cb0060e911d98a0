"""The story page （全流程追溯）：every step of a proposal that went all the way, in order,
linked, with ledger entries; grey steps not reached yet; constant queries; visibility."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from community.roles import Role
from community.times import bj_format
from deliberation.models import LedgerEntry
from deliberation.story.selectors import proposal_story
from forum import services as fs
from tests.community.factories import BrowserClient, UserFactory, member
from tests.deliberation.story.factories import full_flow

KEYS = [
    "posted",
    "seconds",
    "review",
    "discussion",
    "meeting",
    "speakers",
    "vote",
    "resolution",
    "notice",
    "tasks",
    "result",
    "evaluation",
]


@pytest.mark.django_db
def test_every_step_is_present_and_done_for_a_proposal_that_went_all_the_way(hall):
    flow = full_flow(hall)
    viewer = flow.people["wang"]
    story = proposal_story(user=viewer, pk=flow.proposal.pk)
    assert [s.key for s in story.steps] == KEYS
    assert all(s.state == "done" for s in story.steps), [(s.key, s.state) for s in story.steps]
    steps = {s.key: s for s in story.steps}
    # (the flow back-dates the resolution to get past its notice period, so times are not
    # compared across steps here)
    assert all(s.at is not None for s in story.steps)
    assert steps["seconds"].data["count"] == 2 and steps["seconds"].data["crossed_at"]
    assert steps["review"].data["decision"] == "accepted"
    stances = {r["stance"]: r["count"] for r in steps["discussion"].data["by_stance"]}
    assert stances == {"for": 1, "against": 1, "suggestion": 1}  # the reply is not counted
    assert steps["discussion"].data["total"] == 4
    assert steps["meeting"].data["meeting"]["present"] == 5
    assert steps["meeting"].url == reverse("meeting", args=[flow.meeting.pk])
    speakers = steps["speakers"].data["speakers"]
    assert [(s["name"], s["stance"]) for s in speakers] == [
        ("王阿姨", "for"),
        ("刘叔叔", "against"),
    ]
    assert all(s["seconds"] is not None for s in speakers)
    (ballot,) = steps["vote"].data["ballots"]
    assert ballot["secret"] and ballot["result"] == "passed"
    assert {c["key"]: c["count"] for c in ballot["counts"]} == {
        "for": 3,
        "against": 1,
        "abstain": 0,
    }
    assert ballot["voters"] == 4
    assert [n["objections"][0]["upheld"] for n in steps["notice"].data["notices"]] == [False]
    (task,) = steps["tasks"].data["tasks"]
    assert task["progress"] == 100 and len(task["reports"]) == 1
    assert [e["to"] for e in task["events"]] == ["pending", "in_progress", "done"]
    (rnd,) = steps["evaluation"].data["rounds"]
    assert {r["rating"]: r["count"] for r in rnd["ratings"]} == {
        "satisfied": 2,
        "basically": 1,
        "dissatisfied": 0,
    }
    assert steps["evaluation"].data["archived_at"] is not None
    # ledger entries where they exist, pointing at the hall's ledger page
    kinds = {k: [e.kind for e in steps[k].ledger] for k in KEYS}
    assert {"ballot_opened", "ballot_closed", "outcome_recorded"} <= set(kinds["vote"])
    assert kinds["resolution"] == ["resolution_published"]
    assert set(kinds["notice"]) == {
        "objection_lodged",
        "objection_answered",
        "resolution_effective",
    }
    assert kinds["result"] == ["result_published"]
    assert kinds["evaluation"] == ["evaluation_closed"]
    assert all("ballot_cast" not in k for k in kinds.values())
    ref = steps["resolution"].ledger[0]
    entry = LedgerEntry.objects.get(hall=hall, seq=ref.seq)
    assert ref.hash == entry.hash and len(ref.short_hash) == 12
    assert ref.url == reverse("hall_ledger", args=[hall.slug]) + f"?seq={ref.seq}#seq-{ref.seq}"


@pytest.mark.django_db
def test_the_page_shows_the_steps_in_an_ordered_list_with_links_and_local_times(hall):
    flow = full_flow(hall)
    client = BrowserClient()
    client.force_login(flow.people["wang"])
    html = client.get(reverse("proposal_story", args=[flow.proposal.pk])).content.decode()
    ol = html[html.index('<ol class="story"') : html.rindex("</ol>")]
    headings = re.findall(r'<h2 id="h-(\w+)"', ol)
    assert headings == KEYS
    assert "尚未进行" not in ol
    for url in (
        reverse("proposal", args=[flow.proposal.pk]),
        reverse("meeting", args=[flow.meeting.pk]),
        reverse("resolution", args=[flow.resolution.pk]),
        reverse("hall_ledger", args=[hall.slug]),
    ):
        assert url in ol
    # times in Asia/Shanghai (UTC+8)
    published = flow.proposal.published_at
    local = published.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert (
        f'<time datetime="{local.isoformat(timespec="seconds")}">{bj_format(published)}</time>'
        in ol
    )
    assert "王阿姨" in ol and "水泵已到货" in ol and "费用应当公开明细" in ol
    # the proposal page links here
    page = client.get(reverse("proposal", args=[flow.proposal.pk])).content.decode()
    assert reverse("proposal_story", args=[flow.proposal.pk]) in page


@pytest.mark.django_db
def test_the_story_costs_a_constant_number_of_queries(hall, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliberation.models import GovernanceTask, ProgressReport, TaskEvent

    flow = full_flow(hall)
    client = BrowserClient()
    client.force_login(flow.people["wang"])
    url = reverse("proposal_story", args=[flow.proposal.pk])
    client.get(url)
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    # a longer story: more tasks, history and reports, more comments
    for n in range(3):
        task = GovernanceTask.objects.create(
            hall=hall,
            resolution=flow.resolution,
            title=f"任务{n}",
            owner=flow.people["li"],
            due_on=flow.task.due_on,
            created_by=flow.people["head"],
            state="done",
        )
        TaskEvent.objects.create(task=task, from_state="pending", to_state="in_progress")
        for _i in range(2):
            ProgressReport.objects.create(task=task, author=flow.people["li"], body="进展")
        fs.comment_post(author=flow.people["head"], proposal=flow.proposal, body=f"补充{n}")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


@pytest.mark.django_db
def test_a_new_proposal_shows_later_steps_as_not_yet_reached(hall):
    author = member(hall)
    p = fs.proposal_create(
        author=author, hall=hall, title="加装扶手", body="老人上楼难", publish_now=True
    )
    story = proposal_story(user=None, pk=p.pk)
    states = {s.key: s.state for s in story.steps}
    assert states["posted"] == "done" and states["seconds"] == "current"
    assert all(states[k] == "pending" for k in KEYS[4:] if k != "discussion")
    html = BrowserClient().get(reverse("proposal_story", args=[p.pk])).content.decode()
    assert html.count("step step-pending") >= 8 and "尚未进行" in html


@pytest.mark.django_db
def test_a_rejected_proposal_ends_its_story_at_the_review(hall):
    head = member(hall, Role.HEAD)
    p = fs.proposal_create(author=member(hall), hall=hall, title="t", body="b", publish_now=True)
    from forum.workflow import proposal_transition

    proposal_transition(proposal=p, to="awaiting_review", check_permission=False)
    fs.proposal_review(actor=head, proposal=p, decision="reject", reason="不属于本小区事务")
    story = proposal_story(user=None, pk=p.pk)
    steps = {s.key: s for s in story.steps}
    assert story.closed_early and steps["review"].data["decision"] == "rejected"
    assert steps["review"].data["note"] == "不属于本小区事务"
    assert all(steps[k].state == "pending" for k in KEYS[4:])


@pytest.mark.django_db
def test_visibility_follows_the_proposal_and_hides_speaker_names_from_outsiders(hall):
    flow = full_flow(hall)
    outsider = UserFactory()
    story = proposal_story(user=outsider, pk=flow.proposal.pk)
    speakers = {s.key: s for s in story.steps}["speakers"].data
    assert not speakers["names_visible"] and all(s["name"] is None for s in speakers["speakers"])
    html = BrowserClient().get(reverse("proposal_story", args=[flow.proposal.pk])).content.decode()
    assert "王阿姨" not in html.split('id="step-speakers"')[1].split("</li>")[0]
    # a draft is private to its author
    draft = fs.proposal_create(author=flow.people["liu"], hall=hall, title="草稿", body="b")
    assert BrowserClient().get(reverse("proposal_story", args=[draft.pk])).status_code == 404
    c = BrowserClient()
    c.force_login(flow.people["liu"])
    assert c.get(reverse("proposal_story", args=[draft.pk])).status_code == 200


@pytest.mark.django_db
def test_secret_ballot_counts_wait_for_the_close(hall):
    from deliberation.meetings import ballots as mv
    from deliberation.meetings import services as ms
    from tests.deliberation.meetings.factories import (
        accepted_proposal,
        meeting_people,
        scheduled_meeting,
    )

    people = meeting_people(hall)
    proposal = accepted_proposal(hall, people["wang"])
    meeting = scheduled_meeting(hall, people, proposals=[proposal])
    ms.meeting_open(actor=people["moderator"], meeting=meeting)
    ms.meeting_check_in_member(
        actor=people["moderator"], meeting=meeting, user_id=people["wang"].pk
    )
    ms.meeting_open_item(actor=people["moderator"], meeting=meeting)
    mv.meeting_ballot_open(
        actor=people["moderator"], meeting=meeting, secret=True, results_live=True
    )
    mv.meeting_ballot_cast(voter=people["wang"], meeting=meeting, choices=["for"])
    story = proposal_story(user=people["head"], pk=proposal.pk)
    vote = {s.key: s for s in story.steps}["vote"]
    assert vote.state == "current"
    (ballot,) = vote.data["ballots"]
    assert ballot["counts"] is None and ballot["voters"] is None


@pytest.mark.django_db
def test_the_api_returns_the_steps_as_json(hall):
    flow = full_flow(hall)
    c = BrowserClient()
    c.force_login(flow.people["wang"])
    data = c.get(f"/api/v1/proposals/{flow.proposal.pk}/story").json()
    assert [s["key"] for s in data["steps"]] == KEYS
    assert data["proposal"]["state"] == "archived"
    vote = data["steps"][6]
    assert vote["data"]["ballots"][0]["result"] == "passed"
    assert vote["ledger"][0]["url"].startswith(reverse("hall_ledger", args=[hall.slug]))
    assert c.get("/api/v1/proposals/999999/story").status_code == 404


@pytest.mark.django_db
def test_an_open_evaluation_round_shows_its_breakdown_only_to_who_rated(hall):
    from deliberation.models import ResultState

    flow = full_flow(hall)
    flow.result.state = ResultState.EVALUATING
    flow.result.closed_at = None
    flow.result.save(update_fields=["state", "closed_at"])

    def rounds(user):
        story = proposal_story(user=user, pk=flow.proposal.pk)
        return {s.key: s for s in story.steps}["evaluation"].data["rounds"]

    (r,) = rounds(flow.people["recorder"])  # has not rated
    assert r["total"] == 3 and r["ratings"] is None
    (r,) = rounds(flow.people["wang"])  # rated
    assert r["total"] == 3 and {x["rating"]: x["count"] for x in r["ratings"]}["satisfied"] == 2
    html = BrowserClient().get(reverse("proposal_story", args=[flow.proposal.pk])).content.decode()
    assert "评议结束后公布各项人数" in html


@pytest.mark.django_db
def test_a_result_reopened_by_evaluation_shows_both_rounds_and_the_reopened_task(hall):
    from deliberation.models import ResultState
    from deliberation.results.services import result_publish_if_complete
    from deliberation.tasks.workflow import task_transition
    from forum.workflow import proposal_transition

    flow = full_flow(hall, close_evaluation=False)
    flow.result.state = ResultState.REOPENED
    flow.result.save(update_fields=["state"])
    task_transition(task=flow.task, to="in_progress", note="评议不满意，重新落实")
    proposal_transition(proposal=flow.proposal, to="implementing", check_permission=False)
    task_transition(task=flow.task, to="done")
    second = result_publish_if_complete(resolution=flow.resolution)
    assert second.round == 2
    story = proposal_story(user=flow.people["wang"], pk=flow.proposal.pk)
    steps = {s.key: s for s in story.steps}
    assert [r["round"] for r in steps["result"].data["results"]] == [1, 2]
    assert steps["evaluation"].state == "current"
    rounds = steps["evaluation"].data["rounds"]
    assert rounds[0]["ratings"] is not None  # round 1 is closed: its breakdown is public
    assert rounds[1]["total"] == 0
    (task,) = steps["tasks"].data["tasks"]
    assert [e["to"] for e in task["events"]] == [
        "pending",
        "in_progress",
        "done",
        "in_progress",
        "done",
    ]
    assert "评议不满意，重新落实" in [e["note"] for e in task["events"]]
    assert len(steps["result"].ledger) == 2
