"""Votes in the meeting room: ballots on the current agenda item (docs/meetings.md, "Votes").

The meeting-room commands `ballot_open`, `ballot_close`, `ballot_cast` and `hand_count` call
these services, which check the meeting's rules and then call the ballot services
(deliberation.votes.services): those check the ballot permissions, write the ledger and publish
to the ballot room and announce the change (`votes.hooks.ballot_changed`); `on_ballot_changed`,
registered in `deliberation.apps`, re-sends the meeting room its votes section. The section
itself is read by `selectors.votes_section`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import User
from community.services import require
from deliberation import locks
from deliberation.meetings import selectors
from deliberation.meetings.protocol import VOTES_CHANGED
from deliberation.models import AgendaItem, Ballot, CheckIn, Meeting, MeetingState
from deliberation.models.votes import BallotKind, BallotMode, BallotState
from deliberation.votes import services as services_votes
from realtime.publish import publish


def _lock(meeting: Meeting | int, *sections: str) -> Meeting:
    """Lock the meeting row and load it with what the `sections` to publish need (one query)."""
    pk = meeting if isinstance(meeting, int) else meeting.pk
    related = selectors.related_for(*sections)
    return locks.lock_meeting(pk, *related, only=selectors.columns_for(related))


def publish_votes(meeting_id: int, *names: str) -> int:
    """Send the room its votes section (and `names` sections), read under the meeting's lock."""
    with transaction.atomic(savepoint=False):  # the caller's transaction, if it has one
        m = _lock(meeting_id, "votes", *names)
        return publish(
            selectors.meeting_room(meeting_id),
            VOTES_CHANGED,
            selectors.sections(m, "votes", *names),
        )


def on_ballot_changed(ballot_id: int, *names: str) -> None:
    """Receiver of `votes.hooks.ballot_changed`: re-send the room of a ballot on an agenda item."""
    meeting_id = selectors.meeting_id_of_ballot(ballot_id)
    if meeting_id is not None:
        publish_votes(meeting_id, *names)


def _current_item(m: Meeting) -> AgendaItem:
    if m.state != MeetingState.OPEN:
        raise ValidationError(_("会议尚未开始或已经结束。"))
    if m.current_item_id is None:
        raise ValidationError(_("主持人还没有开始任何一项议程。"))
    item = AgendaItem.objects.select_related("proposal").get(pk=m.current_item_id)
    item.meeting = m  # the row this command locked (the ballot services read its hall)
    return item


def _open_ballot(m: Meeting) -> Ballot:
    ballot = selectors.current_ballot(m)
    if ballot is None or ballot.state != BallotState.OPEN:
        raise ValidationError(_("当前议程没有正在进行的表决。"))
    return ballot


@transaction.atomic
def meeting_ballot_open(
    *,
    actor: User,
    meeting: Meeting,
    title: str = "",
    kind: str = BallotKind.FOR_AGAINST,
    options: list[str] | None = None,
    max_choices: int = 1,
    secret: bool = True,
    results_live: bool = False,
    majority_rule: str | None = None,
) -> Ballot:
    """Open a live vote on the current agenda item (defaults：赞成/反对/弃权，the hall's rule)."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    item = _current_item(m)
    if selectors.open_ballot(m) is not None:
        raise ValidationError(_("已有一项表决正在进行，请先结束它。"))
    ballot = services_votes.ballot_create(
        actor=actor,
        hall=m.hall,
        title=(title or "").strip() or item.title,
        kind=kind,
        options=options,
        max_choices=max_choices,
        mode=BallotMode.LIVE,
        secret=secret,
        results_live=results_live,
        majority_rule=majority_rule or m.hall.default_majority_rule,
        agenda_item=item,
    )
    return services_votes.ballot_open(actor=actor, ballot=ballot)


@transaction.atomic
def meeting_ballot_close(*, actor: User, meeting: Meeting) -> Ballot:
    """Close the current item's vote; the ballot services tally it and move the proposal."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    _current_item(m)
    return services_votes.ballot_close(actor=actor, ballot=_open_ballot(m))


@transaction.atomic
def meeting_ballot_cast(*, voter: User, meeting: Meeting, choices: list[str]) -> str:
    """A checked-in participant votes from the meeting room; returns the receipt code."""
    m = _lock(meeting)
    _current_item(m)
    ballot = _open_ballot(m)
    if not CheckIn.objects.filter(meeting=m, user=voter).exists():
        raise PermissionDenied(_("请先签到，签到后才能在会场投票。"))
    return services_votes.ballot_cast(voter=voter, ballot=ballot, choices=choices)


@transaction.atomic
def meeting_hand_count(
    *, actor: User, meeting: Meeting, voters: int, votes: dict[str, int]
) -> Ballot:
    """The moderator enters the show of hands of the people present without a phone.

    The ceiling is the checked-in electors who have not voted online or by proxy.
    """
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    _current_item(m)
    ballot = _open_ballot(m)
    services_votes.ballot_enter_hand_count(actor=actor, ballot=ballot, voters=voters, votes=votes)
    return ballot
