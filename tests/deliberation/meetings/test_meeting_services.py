"""Meeting services: every command by role, and the rules of order enforced by the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deliberation.meetings import selectors, services
from deliberation.meetings.commands import COMMANDS
from deliberation.meetings.protocol import comparable
from deliberation.meetings.rules_of_order import speaking_order
from deliberation.models import (
    AgendaItemState,
    CheckIn,
    MeetingState,
    MinutesVersion,
    Speech,
    SpeechState,
)
from forum.models import ProposalState
from tests.community.factories import HallFactory, UserFactory, member
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(hall):
    people = meeting_people(hall)
    proposal = accepted_proposal(hall, people["wang"])
    meeting = scheduled_meeting(hall, people, proposals=[proposal])
    return hall, people, proposal, meeting


def live(ctx, *checked_in: str):
    """Open the meeting and its first item, with the named people checked in."""
    _hall, people, _proposal, meeting = ctx
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    for name in checked_in:
        services.meeting_check_in(user=people[name], meeting=meeting, token=meeting.checkin_token)
    services.meeting_open_item(actor=people["moderator"], meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def floor(meeting):
    return selectors.floor_section(selectors.load_meeting(meeting.pk))


def test_scheduling_puts_accepted_proposals_on_the_agenda(ctx):
    _hall, _people, proposal, meeting = ctx
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ON_AGENDA
    agenda = selectors.agenda_section(meeting)
    assert [i["title"] for i in agenda] == ["修复小区喷泉", "其他事项"]
    assert agenda[0]["proposal"]["state"] == "on_agenda"


@pytest.mark.parametrize("who", ["wang", "zhang", "recorder"])
def test_only_heads_and_moderators_schedule(hall, who):
    people = meeting_people(hall)
    with pytest.raises(PermissionDenied):
        scheduled_meeting(hall, {**people, "head": people[who]})


def test_a_proposal_not_accepted_cannot_go_on_the_agenda(hall):
    people = meeting_people(hall)
    p = accepted_proposal(hall, people["wang"])
    p.state = ProposalState.COLLECTING
    p.save()
    with pytest.raises(ValidationError):
        scheduled_meeting(hall, people, proposals=[p])


def test_agenda_reorder_and_remove(ctx):
    _hall, people, proposal, meeting = ctx
    items = selectors.agenda_section(meeting)
    services.agenda_move_item(
        actor=people["moderator"], meeting=meeting, item_id=items[1]["id"], direction="up"
    )
    assert [i["title"] for i in selectors.agenda_section(meeting)] == ["其他事项", "修复小区喷泉"]
    with pytest.raises(PermissionDenied):
        services.agenda_remove_item(actor=people["wang"], meeting=meeting, item_id=items[0]["id"])
    services.agenda_remove_item(actor=people["moderator"], meeting=meeting, item_id=items[0]["id"])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACCEPTED
    assert [i["title"] for i in selectors.agenda_section(meeting)] == ["其他事项"]


def test_check_in_needs_open_check_in_the_token_and_membership_once(ctx):
    _hall, people, _proposal, meeting = ctx
    with pytest.raises(ValidationError, match="签到尚未开放"):
        services.meeting_check_in(user=people["wang"], meeting=meeting, token=meeting.checkin_token)
    services.meeting_set_checkin(actor=people["moderator"], meeting=meeting, open=True)
    with pytest.raises(PermissionDenied):
        services.meeting_check_in(user=people["wang"], meeting=meeting, token="wrong")
    with pytest.raises(PermissionDenied):
        services.meeting_check_in(user=UserFactory(), meeting=meeting, token=meeting.checkin_token)
    services.meeting_check_in(user=people["wang"], meeting=meeting, token=meeting.checkin_token)
    with pytest.raises(ValidationError, match="已经签到"):
        services.meeting_check_in(user=people["wang"], meeting=meeting, token=meeting.checkin_token)
    assert CheckIn.objects.filter(meeting=meeting).count() == 1


def test_moderator_checks_in_by_name_and_quorum_is_computed(ctx):
    _hall, people, _proposal, meeting = ctx
    # 6 members, quorum 0.667 (two-thirds) → 4 needed
    att = selectors.attendance_section(meeting)
    assert (att["electorate"], att["quorum_needed"], att["quorum_met"]) == (6, 4, False)
    with pytest.raises(PermissionDenied):
        services.meeting_check_in_member(
            actor=people["wang"], meeting=meeting, user_id=people["zhang"].pk
        )
    for name in ["head", "moderator", "recorder", "wang", "zhang"]:
        services.meeting_check_in_member(
            actor=people["moderator"], meeting=meeting, user_id=people[name].pk
        )
    att = selectors.attendance_section(meeting)
    assert att["present"] == 5 and att["quorum_met"] is True
    assert att["checkins"][0]["method"] == "manual"
    outsider = UserFactory()
    with pytest.raises(ValidationError):
        services.meeting_check_in_member(
            actor=people["moderator"], meeting=meeting, user_id=outsider.pk
        )


@pytest.mark.parametrize(
    "command",
    ["meeting_open", "meeting_open_item", "meeting_close", "floor_give", "floor_extend"],
)
@pytest.mark.parametrize("who", ["wang", "zhang", "recorder"])
def test_residents_cannot_run_the_meeting(ctx, command, who):
    _hall, people, _proposal, meeting = ctx
    if command != "meeting_open":
        services.meeting_open(actor=people["moderator"], meeting=meeting)
    if command in ("floor_give", "floor_extend"):
        services.meeting_open_item(actor=people["moderator"], meeting=meeting)
    before = selectors.meeting_snapshot(meeting.pk)
    with pytest.raises(PermissionDenied):
        getattr(services, command)(actor=people[who], meeting=meeting)
    after = selectors.meeting_snapshot(meeting.pk)
    before.pop("server_now"), after.pop("server_now")
    assert before == after


def test_head_can_stand_in_for_the_moderator(ctx):
    _hall, people, _proposal, meeting = ctx
    services.meeting_open(actor=people["head"], meeting=meeting)
    assert selectors.load_meeting(meeting.pk).state == MeetingState.OPEN


def test_opening_items_moves_proposals_and_next_item_walks_the_agenda(ctx):
    _hall, people, proposal, meeting = ctx
    with pytest.raises(ValidationError):
        services.meeting_open_item(actor=people["moderator"], meeting=meeting)  # not open yet
    meeting = live(ctx)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DELIBERATING
    first = meeting.current_item
    services.meeting_open_item(actor=people["moderator"], meeting=meeting)
    first.refresh_from_db()
    assert first.state == AgendaItemState.DONE
    meeting.refresh_from_db()
    assert meeting.current_item.title == "其他事项"
    with pytest.raises(ValidationError, match="没有下一项"):
        services.meeting_open_item(actor=people["moderator"], meeting=meeting)


def test_raise_hand_needs_check_in_and_one_hand_at_a_time(ctx):
    meeting = live(ctx, "wang")
    people = ctx[1]
    with pytest.raises(ValidationError, match="先签到"):
        services.hand_raise(user=people["zhang"], meeting=meeting, stance="for")
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    with pytest.raises(ValidationError, match="已经举手"):
        services.hand_raise(user=people["wang"], meeting=meeting, stance="against")
    with pytest.raises(PermissionDenied):
        services.hand_raise(user=UserFactory(), meeting=meeting, stance="for")
    services.hand_lower(user=people["wang"], meeting=meeting)
    assert floor(meeting)["queue"] == []


def test_a_third_speech_is_refused(ctx):
    meeting = live(ctx, "wang")
    people = ctx[1]
    for _ in range(2):
        services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
        services.floor_give(actor=people["moderator"], meeting=meeting)
        services.floor_end(actor=people["moderator"], meeting=meeting)
    with pytest.raises(ValidationError, match="最多发言 2 次"):
        services.hand_raise(user=people["wang"], meeting=meeting, stance="against")
    # a point of order is not a speech on the item and stays possible
    services.hand_raise(user=people["wang"], meeting=meeting, stance="order")
    assert floor(meeting)["spoken"] == {str(people["wang"].pk): 2}


def test_speeches_per_item_is_a_hall_setting(ctx):
    hall, people, _, _ = ctx
    hall.speeches_per_item = 1
    hall.save()
    meeting = live(ctx, "wang")
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    services.floor_give(actor=people["moderator"], meeting=meeting)
    services.floor_end(actor=people["wang"], meeting=meeting)  # the speaker yields
    with pytest.raises(ValidationError, match="最多发言 1 次"):
        services.hand_raise(user=people["wang"], meeting=meeting, stance="for")


def test_opposing_sides_alternate_and_points_of_order_jump_the_queue(ctx):
    meeting = live(ctx, "wang", "zhang", "liu", "head")
    people = ctx[1]
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    services.hand_raise(user=people["zhang"], meeting=meeting, stance="for")
    services.hand_raise(user=people["liu"], meeting=meeting, stance="against")
    names = lambda: [h["user"]["name"] for h in floor(meeting)["queue"]]  # noqa: E731
    assert names() == ["王阿姨", "刘叔叔", "张奶奶"]  # for, against, for
    services.hand_raise(user=people["head"], meeting=meeting, stance="order")
    assert names() == ["黄秀芬", "王阿姨", "刘叔叔", "张奶奶"]
    given = services.floor_give(actor=people["moderator"], meeting=meeting)
    assert given.user == people["head"]
    # the moderator cannot skip the rules by naming someone else
    zhang_hand = Speech.objects.get(user=people["zhang"], state=SpeechState.WAITING)
    with pytest.raises(ValidationError, match="下一位应由 王阿姨"):
        services.floor_give(actor=people["moderator"], meeting=meeting, speech_id=zhang_hand.pk)
    assert services.floor_give(actor=people["moderator"], meeting=meeting).user == people["wang"]
    # after a "for" speech, the waiting "against" comes before the next "for"
    assert names() == ["刘叔叔", "张奶奶"]
    assert services.floor_give(actor=people["moderator"], meeting=meeting).user == people["liu"]


def test_moderator_reorders_within_a_side_and_removes(ctx):
    meeting = live(ctx, "wang", "zhang", "liu")
    people = ctx[1]
    a = services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    b = services.hand_raise(user=people["zhang"], meeting=meeting, stance="for")
    with pytest.raises(PermissionDenied):
        services.queue_reorder(actor=people["wang"], meeting=meeting, order=[b.pk, a.pk])
    services.queue_reorder(actor=people["moderator"], meeting=meeting, order=[b.pk, a.pk])
    assert [h["id"] for h in floor(meeting)["queue"]] == [b.pk, a.pk]
    with pytest.raises(ValidationError):
        services.queue_reorder(actor=people["moderator"], meeting=meeting, order=[b.pk])
    services.hand_remove(actor=people["moderator"], meeting=meeting, speech_id=b.pk)
    assert [h["id"] for h in floor(meeting)["queue"]] == [a.pk]


def test_speech_ends_at_the_deadline_even_with_no_one_connected(ctx, monkeypatch):
    meeting = live(ctx, "wang", "zhang")
    people = ctx[1]
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    speech = services.floor_give(actor=people["moderator"], meeting=meeting)
    assert (speech.deadline - speech.started_at) == timedelta(seconds=120)
    later = speech.deadline + timedelta(seconds=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # the next command (anyone's) finds the speech over, ended at its deadline
    services.hand_raise(user=people["zhang"], meeting=meeting, stance="against")
    speech.refresh_from_db()
    assert speech.state == SpeechState.DONE and speech.end_reason == "timer"
    assert speech.ended_at == speech.deadline
    assert floor(meeting)["speaker"] is None


def test_expire_overdue_and_extension(ctx, monkeypatch):
    meeting = live(ctx, "wang")
    people = ctx[1]
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    speech = services.floor_give(actor=people["moderator"], meeting=meeting)
    deadline = speech.deadline
    with pytest.raises(PermissionDenied):
        services.floor_extend(actor=people["wang"], meeting=meeting, seconds=60)
    services.floor_extend(actor=people["moderator"], meeting=meeting, seconds=60)
    speech.refresh_from_db()
    assert speech.deadline == deadline + timedelta(seconds=60)
    monkeypatch.setattr(timezone, "now", lambda: deadline + timedelta(seconds=30))
    assert services.floor_expire_overdue(meeting_id=meeting.pk) is False
    monkeypatch.setattr(timezone, "now", lambda: deadline + timedelta(seconds=61))
    assert services.floor_expire_overdue(meeting_id=meeting.pk) is True
    speech.refresh_from_db()
    assert speech.state == SpeechState.DONE and speech.ended_at == deadline + timedelta(seconds=60)
    with pytest.raises(ValidationError, match="没有人在发言"):
        services.floor_extend(actor=people["moderator"], meeting=meeting, seconds=60)


def test_speech_limit_is_a_hall_setting(ctx):
    hall, people, _, _ = ctx
    hall.speech_limit_seconds = 180
    hall.save()
    meeting = live(ctx, "wang")
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    speech = services.floor_give(actor=people["moderator"], meeting=meeting)
    assert (speech.deadline - speech.started_at).total_seconds() == 180


def test_minutes_autosave_versions_close_assembly_and_confirmation(ctx):
    _hall, people, _proposal, meeting = ctx
    meeting = live(ctx, "wang", "zhang")
    with pytest.raises(PermissionDenied):
        services.minutes_save(actor=people["wang"], meeting=meeting, body="x", base_version=0)
    services.minutes_save(actor=people["recorder"], meeting=meeting, body="开会了", base_version=0)
    services.minutes_save(
        actor=people["recorder"], meeting=meeting, body="开会了。\n\n大家同意修喷泉", base_version=1
    )
    with pytest.raises(ValidationError, match="已被他人更新"):
        services.minutes_save(actor=people["recorder"], meeting=meeting, body="旧", base_version=1)
    assert MinutesVersion.objects.filter(meeting=meeting).count() == 2
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    services.floor_give(actor=people["moderator"], meeting=meeting)
    with pytest.raises(ValidationError, match="散会后"):
        services.minutes_confirm(actor=people["moderator"], meeting=meeting, role="moderator")
    services.meeting_close(actor=people["moderator"], meeting=meeting)
    meeting.refresh_from_db()
    final = meeting.minutes_final
    assert "应到 6 人，实到 2 人" in final and "未达到法定人数" in final
    assert "| 王阿姨 | 赞成 |" in final
    assert "本项未审议" in final  # the free item was never opened
    assert "大家同意修喷泉" in final
    with pytest.raises(PermissionDenied):
        services.minutes_confirm(actor=people["wang"], meeting=meeting, role="recorder")
    services.minutes_confirm(actor=people["moderator"], meeting=meeting, role="moderator")
    services.minutes_save(actor=people["recorder"], meeting=meeting, body="补充", base_version=2)
    services.minutes_confirm(actor=people["recorder"], meeting=meeting, role="recorder")
    meeting.refresh_from_db()
    assert meeting.minutes_locked and "补充" in meeting.minutes_final
    with pytest.raises(ValidationError, match="已经确认"):
        services.minutes_save(actor=people["recorder"], meeting=meeting, body="改", base_version=3)


def test_closing_returns_unopened_proposals_and_stops_everything(ctx):
    hall, people, proposal, meeting = ctx
    second = accepted_proposal(hall, people["zhang"], "楼道灯")
    services.agenda_add_item(actor=people["moderator"], meeting=meeting, proposal=second)
    meeting = live(ctx, "wang")
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    services.meeting_close(actor=people["moderator"], meeting=meeting)
    second.refresh_from_db()
    proposal.refresh_from_db()
    assert second.state == ProposalState.ACCEPTED
    assert proposal.state == ProposalState.DELIBERATING  # awaits its vote
    m = selectors.load_meeting(meeting.pk)
    assert m.state == MeetingState.CLOSED and not m.checkin_open and m.current_item_id is None
    with pytest.raises(ValidationError):
        services.hand_raise(user=people["wang"], meeting=meeting, stance="for")


def test_people_of_another_hall_cannot_act(ctx):
    _hall, _people, _proposal, meeting = ctx
    stranger_mod = member(HallFactory(), "moderator")
    with pytest.raises(PermissionDenied):
        services.meeting_open(actor=stranger_mod, meeting=meeting)


class H:
    def __init__(self, name, stance):
        self.name, self.stance = name, stance


@pytest.mark.parametrize(
    "queue,last,expected",
    [
        ("a:for b:for c:against", None, "a c b"),
        ("a:for b:for c:against", "for", "c a b"),
        ("a:against b:for c:order", "for", "c a b"),
        ("a:for b:for", "for", "a b"),
        ("", None, ""),
    ],
)
def test_speaking_order(queue, last, expected):
    hands = [H(*x.split(":")) for x in queue.split()]
    assert " ".join(h.name for h in speaking_order(hands, last)) == expected


RESIDENT_COMMANDS = {"check_in", "raise_hand", "lower_hand", "ballot_cast"}


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - RESIDENT_COMMANDS))
def test_every_moderator_or_recorder_command_is_refused_to_a_resident(ctx, name):
    """A checked-in resident, in a live meeting with a speaker and a queue, tries each command."""
    _hall, people, _proposal, meeting = ctx
    meeting = live(ctx, "wang", "zhang", "liu")
    services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    services.hand_raise(user=people["liu"], meeting=meeting, stance="against")
    speech = services.floor_give(actor=people["moderator"], meeting=meeting)
    waiting = floor(meeting)["queue"][0]["id"]
    pending = next(i for i in selectors.agenda_section(meeting) if i["state"] == "pending")
    data = {
        "item_id": pending["id"],
        "user_id": people["head"].pk,
        "speech_id": waiting,
        "order": [waiting],
        "seconds": 60,
        "body": "改",
        "base_version": 0,
        "role": "moderator",
        "title": "新议程",
        "direction": "up",
        "budget_minutes": 5,
        "open": False,
        "stance": "for",
        "token": meeting.checkin_token,
        "voters": 1,
        "votes": {"for": 1},
    }
    before = comparable(selectors.meeting_snapshot(meeting.pk))
    if name == "end_speech":
        assert speech.user != people["zhang"]
    with pytest.raises(PermissionDenied):
        COMMANDS[name](people["zhang"], meeting.pk, data)
    assert comparable(selectors.meeting_snapshot(meeting.pk)) == before


def test_an_account_no_head_approved_neither_counts_nor_checks_in(ctx):
    """The meeting's electorate and check-in follow the ballots' rule (issue 11 #2)."""
    from community.models import Building
    from community.services import membership_request, user_register

    hall, people, _proposal, meeting = ctx
    before = selectors.attendance_section(meeting)["electorate"]
    b1 = Building.objects.create(compound=hall.compound, name="9栋")
    puppet = user_register(
        username="puppet", display_name="马甲", password="sTr0ng-pass-9", building=b1
    )
    membership_request(user=puppet, hall=hall)  # asked to join; no head approved it
    assert selectors.attendance_section(meeting)["electorate"] == before
    services.meeting_set_checkin(actor=people["moderator"], meeting=meeting, open=True)
    with pytest.raises(PermissionDenied, match="只有本议事厅的成员可以签到"):
        services.meeting_check_in(user=puppet, meeting=meeting, token=meeting.checkin_token)
    with pytest.raises(ValidationError, match="不是本议事厅的成员"):
        services.meeting_check_in_member(
            actor=people["moderator"], meeting=meeting, user_id=puppet.pk
        )
    assert not CheckIn.objects.filter(meeting=meeting).exists()
