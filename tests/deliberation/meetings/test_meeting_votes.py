"""Votes in the meeting room: commands × roles, the hand-count ceiling and the quorum from
check-ins, the proposal and the minutes after the vote, and the room following it live."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError

from deliberation.meetings import selectors, services
from deliberation.meetings.commands import COMMANDS
from deliberation.meetings.protocol import comparable
from deliberation.models import Ballot, HandCount, Participation
from deliberation.votes import services as services_votes
from deliberation.votes.selectors import hand_full
from forum.models import ProposalState
from realtime import coalesce
from tests.community.factories import BrowserClient, HallFactory
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)
from tests.wsclient import command, open_socket, receive, receive_until


def live_meeting(hall, *checked_in: str):
    people = meeting_people(hall)
    proposal = accepted_proposal(hall, people["wang"])
    meeting = scheduled_meeting(hall, people, proposals=[proposal])
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    for name in checked_in:
        services.meeting_check_in(user=people[name], meeting=meeting, token=meeting.checkin_token)
    services.meeting_open_item(actor=people["moderator"], meeting=meeting)
    meeting.refresh_from_db()
    return people, proposal, meeting


def votes(meeting) -> dict | None:
    return selectors.meeting_snapshot(meeting.pk)["votes"]["ballot"]


def run(people, meeting, who, name, **data):
    return COMMANDS[name](people[who], meeting.pk, data)


@pytest.mark.django_db
def test_moderator_opens_a_vote_on_the_current_item_with_the_halls_defaults(hall):
    hall.default_majority_rule = "two_thirds"
    hall.save()
    people, proposal, meeting = live_meeting(hall, "wang")
    assert votes(meeting) is None
    out = run(people, meeting, "moderator", "ballot_open")
    ballot = Ballot.objects.get(pk=out["ballot_id"])
    assert ballot.agenda_item_id == meeting.current_item_id
    assert ballot.proposal == proposal and ballot.mode == "live"
    assert ballot.majority_rule == "two_thirds" and ballot.secret
    v = votes(meeting)
    assert v["state"] == "open" and v["title"] == proposal.title
    assert [o["key"] for o in v["options"]] == ["for", "against", "abstain"]
    assert v["present"] == 1 and v["turnout"] == 0 and not v["results_visible"]
    with pytest.raises(ValidationError):  # one vote at a time
        run(people, meeting, "moderator", "ballot_open")
    with pytest.raises(ValidationError):  # the item cannot be left while its vote is open
        run(people, meeting, "moderator", "next_item")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["wang", "zhang", "recorder"])
@pytest.mark.parametrize(
    "name,data",
    [("ballot_open", {}), ("ballot_close", {}), ("hand_count", {"voters": 1, "votes": {"for": 1}})],
)
def test_a_resident_cannot_run_a_vote_and_nothing_changes(hall, who, name, data):
    people, _p, meeting = live_meeting(hall, "wang", "zhang", "recorder")
    if name != "ballot_open":
        run(people, meeting, "moderator", "ballot_open", secret=False, results_live=True)
    before = comparable(selectors.meeting_snapshot(meeting.pk))
    ballots = Ballot.objects.count()
    with pytest.raises(PermissionDenied):
        COMMANDS[name](people[who], meeting.pk, data)
    assert comparable(selectors.meeting_snapshot(meeting.pk)) == before
    assert Ballot.objects.count() == ballots and not HandCount.objects.exists()


@pytest.mark.django_db
def test_only_checked_in_electors_vote_from_the_room_and_only_once(hall):
    people, _p, meeting = live_meeting(hall, "wang")
    run(people, meeting, "moderator", "ballot_open", secret=False, results_live=True)
    with pytest.raises(PermissionDenied):  # not checked in
        run(people, meeting, "zhang", "ballot_cast", choice="for")
    receipt = run(people, meeting, "wang", "ballot_cast", choice="for")["receipt"]
    assert len(receipt) == 11
    with pytest.raises(ValidationError):
        run(people, meeting, "wang", "ballot_cast", choice="against")
    v = votes(meeting)
    assert v["turnout"] == 1 and v["voted"] == [people["wang"].pk]
    assert v["results_visible"] and v["totals"]["for"] == 1


@pytest.mark.django_db
def test_hand_count_ceiling_is_checked_in_electors_who_did_not_vote_online(hall):
    people, _p, meeting = live_meeting(hall, "wang", "zhang", "liu")
    run(people, meeting, "moderator", "ballot_open", secret=False, results_live=True)
    run(people, meeting, "wang", "ballot_cast", choice="for")
    assert votes(meeting)["hand_ceiling"] == 2  # zhang and liu; wang voted online
    with pytest.raises(ValidationError, match="超过"):
        run(people, meeting, "moderator", "hand_count", voters=3, votes={"for": 3})
    run(people, meeting, "moderator", "hand_count", voters=2, votes={"for": 1, "against": 1})
    hand = HandCount.objects.get()
    assert set(hand.counted_user_ids) == {people["zhang"].pk, people["liu"].pk}
    with pytest.raises(ValidationError):  # counted by hand: cannot also vote online
        run(people, meeting, "zhang", "ballot_cast", choice="against")
    v = votes(meeting)
    assert v["turnout"] == 3 and v["hand"] == {"voters": 2, "votes": {"for": 1, "against": 1}}
    assert v["totals"] == {"for": 2, "against": 1, "abstain": 0}


@pytest.mark.django_db
def test_a_secret_vote_shows_only_the_turnout_until_it_closes(hall):
    people, _p, meeting = live_meeting(hall, "wang", "zhang", "liu")
    run(people, meeting, "moderator", "ballot_open", secret=True, results_live=True)
    run(people, meeting, "wang", "ballot_cast", choice="for")
    run(people, meeting, "moderator", "hand_count", voters=2, votes={"against": 2})
    v = votes(meeting)
    assert not v["results_visible"] and v["totals"] is None
    assert v["turnout"] == 3 and v["hand"] == {"voters": 2, "votes": None}
    run(people, meeting, "moderator", "ballot_close")
    v = votes(meeting)
    assert v["totals"] == {"for": 1, "against": 2, "abstain": 0}


@pytest.mark.django_db
@pytest.mark.parametrize("checked_in,result", [(5, "passed"), (3, "no_quorum")])
def test_present_quorum_basis_counts_check_ins(hall, checked_in, result):
    names = ["wang", "zhang", "liu", "head", "recorder"][:checked_in]
    people, proposal, meeting = live_meeting(hall, *names)
    out = run(people, meeting, "moderator", "ballot_open")
    ballot = Ballot.objects.get(pk=out["ballot_id"])
    assert ballot.quorum_basis == "present"
    assert services_votes.present_voters(ballot) == {people[n].pk for n in names}
    run(people, meeting, "wang", "ballot_cast", choice="for")
    run(people, meeting, "zhang", "ballot_cast", choice="for")
    run(people, meeting, "moderator", "ballot_close")
    ballot.refresh_from_db()
    # 6 electors, quorum 0.667 → 5 needed; 2 voted online, the others only checked in
    assert ballot.outcome["present"] == checked_in
    assert ballot.result == result
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.VOTED


@pytest.mark.django_db
def test_closing_moves_the_proposal_and_the_minutes_include_the_vote(hall):
    people, proposal, meeting = live_meeting(hall, "wang", "zhang", "liu", "head", "recorder")
    run(people, meeting, "moderator", "ballot_open", secret=False)
    run(people, meeting, "wang", "ballot_cast", choice="for")
    run(people, meeting, "zhang", "ballot_cast", choice="against")
    run(people, meeting, "moderator", "hand_count", voters=3, votes={"for": 2, "abstain": 1})
    run(people, meeting, "moderator", "ballot_close")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.VOTED
    v = votes(meeting)
    assert v["state"] == "closed" and v["result"] == "passed" and v["result_label"] == "通过"
    assert v["by_source"]["hand"]["for"] == 2 and v["quorum_met"] is True
    agenda = selectors.meeting_snapshot(meeting.pk)["agenda"]
    assert agenda[0]["proposal"]["state"] == ProposalState.VOTED
    services.meeting_close(actor=people["moderator"], meeting=meeting)
    meeting.refresh_from_db()
    text = meeting.minutes_final
    assert f"### 表决：{proposal.title}" in text
    assert "记名" in text and "赞成/反对/弃权" in text
    assert "| 线上投票 | 1 | 1 | 0 | 2 |" in text
    assert "| 现场举手 | 2 | 0 | 1 | 3 |" in text
    assert "| 合计 | 3 | 1 | 1 | 5 |" in text
    assert "达到法定人数" in text and "表决结果：**通过**" in text
    assert "赞成多于反对" in text


@pytest.mark.django_db
def test_http_api_runs_the_same_vote_commands(hall):
    people, _p, meeting = live_meeting(hall, "wang")
    client = BrowserClient()
    client.force_login(people["wang"])
    url = f"/api/v1/meetings/{meeting.pk}/actions/"
    r = client.post(url + "ballot_open", {}, content_type="application/json")
    assert r.status_code == 403 and not Ballot.objects.exists()
    mod = BrowserClient()
    mod.force_login(people["moderator"])
    r = mod.post(url + "ballot_open", {"secret": False}, content_type="application/json")
    assert r.status_code == 200, r.content
    r = client.post(url + "ballot_cast", {"choice": "for"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["data"]["receipt"]
    assert Participation.objects.filter(user=people["wang"]).exists()


@pytest.mark.django_db(transaction=True)
async def test_the_room_follows_the_vote_live():
    hall = await sync_to_async(HallFactory)()
    people, _p, meeting = await sync_to_async(live_meeting)(hall, "wang", "zhang")
    path = f"/ws/meetings/{meeting.pk}/"
    screen, ok, _ = await open_socket(path, people["zhang"])
    assert ok
    assert (await receive(screen))["data"]["votes"] == {"ballot": None}
    mod, ok, _ = await open_socket(path, people["moderator"])
    await receive(mod)
    reply = await command(mod, "v1", "ballot_open", {"secret": False, "results_live": True})
    assert reply["type"] == "ok"
    frame = await receive_until(screen, "votes.changed")
    assert frame["data"]["votes"]["ballot"]["state"] == "open"
    wang, ok, _ = await open_socket(path, people["wang"])
    await receive(wang)
    reply = await command(wang, "v2", "ballot_cast", {"choice": "for"})
    assert reply["type"] == "ok" and reply["data"]["receipt"]
    frame = await receive_until(screen, "votes.changed", timeout=5)  # the coalesced tally
    assert frame["data"]["votes"]["ballot"]["totals"]["for"] == 1
    await sync_to_async(coalesce.flush)()
    reply = await command(mod, "v3", "hand_count", {"voters": 1, "votes": {"against": 1}})
    assert reply["type"] == "ok"
    # The room shows the moderator this confirmation (commands.js: role=status toast).
    assert reply["data"]["message"] == "现场举手计票已录入：1 人举手表决。可重新录入以更正。"
    await sync_to_async(coalesce.flush)()
    reply = await command(mod, "v4", "ballot_close")
    assert reply["type"] == "ok"
    frame = await receive_until(screen, "votes.changed", timeout=5)
    while frame["data"]["votes"]["ballot"]["state"] != "closed":
        frame = await receive_until(screen, "votes.changed", timeout=5)
    ballot = frame["data"]["votes"]["ballot"]
    assert ballot["totals"] == {"for": 1, "against": 1, "abstain": 0}
    assert ballot["result"] == "no_quorum"  # 2 of 6 present
    assert frame["data"]["agenda"][0]["proposal"]["state"] == "voted"
    for comm in (screen, mod, wang):
        await comm.disconnect()
    # Close the DB connection left in asgiref's executor thread (PostgreSQL drops the test DB).
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.mark.django_db
def test_done_when_meeting_vote_goes_on_notice_and_the_ledger_verifies_until_edited(hall):
    """Issue 5's "Done when": a meeting votes on an agenda item with two online voters and a
    hand count, the resolution goes on public notice with its printable notice, and
    `verify_ledger` passes — then fails after a manual edit of one entry in the database."""
    from django.core.management import CommandError, call_command

    from deliberation.models import LedgerEntry

    people, proposal, meeting = live_meeting(hall, "wang", "zhang", "liu", "head", "recorder")
    run(people, meeting, "moderator", "ballot_open", secret=True)
    run(people, meeting, "wang", "ballot_cast", choice="for")
    run(people, meeting, "zhang", "ballot_cast", choice="for")
    run(people, meeting, "moderator", "hand_count", voters=3, votes={"for": 2, "against": 1})
    out = run(people, meeting, "moderator", "ballot_close")
    assert out["result"] == "passed"
    ballot = Ballot.objects.get(pk=out["ballot_id"])
    assert ballot.outcome["by_source"]["online"]["for"] == 2
    assert ballot.outcome["by_source"]["hand"] == {
        "for": 2,
        "against": 1,
        "abstain": 0,
        "ballots": 3,
    }
    res = services_votes.resolution_publish(
        actor=people["head"], ballot=ballot, title="修复小区喷泉", text="同意修复。"
    )
    proposal.refresh_from_db()
    assert res.state == "on_notice" and proposal.state == ProposalState.ON_NOTICE
    services.meeting_close(actor=people["moderator"], meeting=meeting)

    client = BrowserClient()
    for url in (f"/resolutions/{res.pk}/", f"/resolutions/{res.pk}/print/"):
        html = client.get(url).content.decode()
        assert f"/meetings/{meeting.pk}/minutes/" in html  # linked to the meeting's minutes
    ballot_page = BrowserClient()
    ballot_page.force_login(people["zhang"])
    assert (
        f'href="/meetings/{meeting.pk}/"'
        in ballot_page.get(f"/ballots/{ballot.pk}/").content.decode()
    )
    printed = client.get(f"/resolutions/{res.pk}/print/").content.decode()
    assert "十月议事会" in printed and "现场举手" in printed

    call_command("verify_ledger")  # intact: returns normally (exit status 0)
    entry = LedgerEntry.objects.filter(hall=hall, kind="hand_count_entered").get()
    LedgerEntry.objects.filter(pk=entry.pk).update(payload={**entry.payload, "votes": {"for": 3}})
    with pytest.raises(CommandError) as exc:
        call_command("verify_ledger")
    assert exc.value.returncode != 0 and f"seq {entry.seq}" in str(exc.value)


def test_the_room_holds_back_online_votes_only_when_the_show_of_hands_is_full():
    hand = HandCount(voters=1, votes={"for": 1}, counted_user_ids=[1, 2, 3])
    assert not hand_full(hand, voted=[])
    assert not hand_full(hand, voted=[1])
    assert hand_full(hand, voted=[1, 2])  # two online + one by hand = the three present
    assert not hand_full(HandCount(voters=0, votes={}, counted_user_ids=[1, 2]), voted=[1])
    assert not hand_full(None, voted=[])
