"""Votes in the meeting room: ballots on the current agenda item (docs/meetings.md, "Votes").

The meeting-room commands `ballot_open`, `ballot_close`, `ballot_cast` and `hand_count` call
these services, which check the meeting's rules and then call the ballot services
(deliberation.votes.services): those check the ballot permissions, write the ledger and publish
to the ballot room and — for a ballot on an agenda item — to the meeting room (`votes.changed`
with the full votes section; `publish_votes`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import MajorityRule, User
from community.services import require
from deliberation.meetings import selectors
from deliberation.meetings.protocol import VOTES_CHANGED
from deliberation.models import (
    AgendaItem,
    Ballot,
    CheckIn,
    Elector,
    HandCount,
    Meeting,
    MeetingState,
    Participation,
)
from deliberation.models.votes import BallotKind, BallotMode, BallotResult, BallotState
from deliberation.votes import services as services_votes
from deliberation.votes import tally
from realtime.publish import publish

SOURCE_LABELS = {
    "online": gettext_lazy("线上"),
    "hand": gettext_lazy("现场举手"),
    "proxy": gettext_lazy("委托"),
}


# --- reads --------------------------------------------------------------------------------


def current_ballot(m: Meeting) -> Ballot | None:
    """The last ballot of the meeting's current agenda item."""
    if m.current_item_id is None:
        return None
    return (
        Ballot.objects.filter(agenda_item_id=m.current_item_id)
        .exclude(state=BallotState.DRAFT)
        .prefetch_related("options")
        .order_by("-opened_at", "-pk")
        .first()
    )


def option_labels(ballot: Ballot) -> dict[str, str]:
    labels = {o.key: o.label for o in ballot.options.all()}
    labels[tally.ABSTAIN] = _("弃权")
    return labels


def ballot_out(ballot: Ballot) -> dict[str, Any]:
    """A ballot as the meeting room shows it (the same for everyone in the room)."""
    live = services_votes.tally_data(ballot.pk)
    hand = HandCount.objects.filter(ballot=ballot).first()
    electors = set(Elector.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    voted = sorted(Participation.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    present = services_votes.present_voters(ballot)
    out: dict[str, Any] = {
        "id": ballot.pk,
        "item_id": ballot.agenda_item_id,
        "title": ballot.title,
        "kind": ballot.kind,
        "kind_label": str(BallotKind(ballot.kind).label),
        "secret": ballot.secret,
        "results_live": ballot.results_live,
        "majority_rule": ballot.majority_rule,
        "majority_label": str(MajorityRule(ballot.majority_rule).label),
        "state": ballot.state,
        "state_label": str(BallotState(ballot.state).label),
        "options": [{"key": k, "label": v} for k, v in option_labels(ballot).items()],
        "electorate": ballot.electorate_size,
        "present": len(present),
        "turnout": live["turnout"],
        "online": live["online"],
        "voted": voted,  # who voted online/by proxy (public, as on the ballot page)
        # Like the ballot room: the per-option counts only once results may be shown.
        "hand": None
        if hand is None
        else {
            "voters": hand.voters,
            "votes": hand.votes if live["results_visible"] else None,
        },
        "hand_counted": sorted(hand.counted_user_ids) if hand else [],
        "hand_ceiling": len((present & electors) - set(voted)),
        "results_visible": live["results_visible"],
        "totals": live.get("totals"),
        "result": ballot.result or None,
        "result_label": str(BallotResult(ballot.result).label) if ballot.result else None,
        "quorum_met": None,
        "by_source": None,
        "url": f"/ballots/{ballot.pk}/",
    }
    if ballot.state == BallotState.CLOSED and ballot.outcome:
        out["quorum_met"] = ballot.outcome.get("quorum_met")
        out["by_source"] = ballot.outcome.get("by_source")
        out["totals"] = ballot.outcome.get("totals")
    return out


def votes_section(m: Meeting) -> dict[str, Any]:
    """The snapshot's votes section: the current/last ballot of the current agenda item."""
    ballot = current_ballot(m)
    return {"ballot": None if ballot is None else ballot_out(ballot)}


def publish_votes(meeting_id: int, *names: str) -> int:
    """Send the room its votes section (and `names` sections) read now, under the room's lock."""
    Meeting.objects.select_for_update().filter(pk=meeting_id).values_list("pk").get()
    m = selectors.load_meeting(meeting_id)
    return publish(
        selectors.meeting_room(meeting_id),
        VOTES_CHANGED,
        selectors.sections(m, "votes", *names),
    )


def on_ballot_changed(ballot_id: int, *names: str) -> None:
    """Receiver of `votes.hooks.ballot_changed`: re-send the room of a ballot on an agenda item."""
    meeting_id = services_votes.ballot_meeting_id(ballot_id)
    if meeting_id is not None:
        publish_votes(meeting_id, *names)


# --- writes -------------------------------------------------------------------------------


def _lock(meeting: Meeting) -> Meeting:
    return selectors.load_meeting(meeting.pk, lock=True)


def _current_item(m: Meeting) -> AgendaItem:
    if m.state != MeetingState.OPEN:
        raise ValidationError(_("会议尚未开始或已经结束。"))
    if m.current_item_id is None:
        raise ValidationError(_("主持人还没有开始任何一项议程。"))
    return AgendaItem.objects.select_related("proposal", "meeting").get(pk=m.current_item_id)


def _open_ballot(m: Meeting) -> Ballot:
    ballot = current_ballot(m)
    if ballot is None or ballot.state != BallotState.OPEN:
        raise ValidationError(_("当前议程没有正在进行的表决。"))
    return ballot


def open_ballot_of(meeting: Meeting) -> Ballot | None:
    """The meeting's open ballot, if any (at most one at a time)."""
    return Ballot.objects.filter(agenda_item__meeting=meeting, state=BallotState.OPEN).first()


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
    """Open a live vote on the current agenda item (defaults: 赞成/反对/弃权, the hall's rule)."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    item = _current_item(m)
    if open_ballot_of(m) is not None:
        raise ValidationError(_("已有一项表决正在进行,请先结束它。"))
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
        raise PermissionDenied(_("请先签到,签到后才能在会场投票。"))
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


# --- the minutes --------------------------------------------------------------------------


def minutes_lines(item: AgendaItem) -> list[str]:
    """Markdown lines of each closed vote on the item, for the assembled minutes."""
    lines: list[str] = []
    ballots = (
        Ballot.objects.filter(agenda_item=item, state=BallotState.CLOSED)
        .prefetch_related("options")
        .order_by("opened_at", "pk")
    )
    for b in ballots:
        o = b.outcome or {}
        labels = option_labels(b)
        keys = list(labels)
        by_source = o.get("by_source") or {}
        sources = [s for s in ("online", "hand", "proxy") if s in by_source]
        rule = o.get("rule") or {}
        lines += [
            f"### {_('表决')}:{b.title}",
            "",
            _("方式:%(kind)s,%(secret)s;规则:%(rule)s;法定人数比例 %(f)s(以%(basis)s计)。")
            % {
                "kind": BallotKind(b.kind).label,
                "secret": _("无记名") if b.secret else _("记名"),
                "rule": MajorityRule(b.majority_rule).label,
                "f": rule.get("quorum_fraction", b.quorum_fraction),
                "basis": _("到会人数") if b.quorum_basis == "present" else _("投票人数"),
            },
            "",
            "| " + " | ".join([_("来源")] + [labels[k] for k in keys] + [_("人数")]) + " |",
            "|" + "---|" * (len(keys) + 2),
        ]
        for src in sources:
            row = by_source[src]
            lines.append(
                "| "
                + " | ".join(
                    [str(SOURCE_LABELS.get(src, src))]
                    + [str(row.get(k, 0)) for k in keys]
                    + [str(row.get("ballots", ""))]
                )
                + " |"
            )
        totals = o.get("totals") or {}
        lines.append(
            "| "
            + " | ".join(
                [_("合计")] + [str(totals.get(k, 0)) for k in keys] + [str(o.get("ballots", ""))]
            )
            + " |"
        )
        lines += [
            "",
            _("应到 %(e)s 人,到会 %(p)s 人;%(q)s(需 %(n)s 人)。")
            % {
                "e": o.get("electorate", b.electorate_size),
                "p": o.get("present", "—"),
                "q": _("达到法定人数") if o.get("quorum_met") else _("未达到法定人数"),
                "n": o.get("quorum_needed", "—"),
            },
            _("表决结果:**%(r)s**") % {"r": BallotResult(b.result).label if b.result else "—"},
            "",
        ]
    return lines
