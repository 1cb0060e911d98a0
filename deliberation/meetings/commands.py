"""The meeting room's commands: one table used by the websocket room and by the HTTP API.

Each command takes (user, meeting_id, data) and calls one service; docs/realtime.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from community.ids import MAX_ID
from community.services import require
from deliberation.meetings import ballots as meeting_votes
from deliberation.meetings import selectors, services
from deliberation.models import Meeting
from forum.models import Proposal

Handler = Callable[[Any, int, dict[str, Any]], dict[str, Any]]


def _int(data: dict[str, Any], key: str, *, required: bool = True) -> int | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("参数 %(k)s 应为整数。") % {"k": key})
    if not -MAX_ID <= value <= MAX_ID:  # no database holds it: refused before any query
        raise ValidationError(_("参数 %(k)s 超出范围。") % {"k": key})
    return value


def _meeting(meeting_id: int) -> Meeting:
    """The meeting a command is about, by primary key only.

    Every meeting service starts by locking and loading the row itself (`deliberation.locks`),
    which raises `DoesNotExist` for a meeting that is gone: loading it here would be a query
    for nothing."""
    return Meeting(pk=meeting_id)


def open_meeting(user, mid, data):
    services.meeting_open(actor=user, meeting=_meeting(mid))
    return {}


def close_meeting(user, mid, data):
    services.meeting_close(actor=user, meeting=_meeting(mid))
    return {}


def set_checkin(user, mid, data):
    services.meeting_set_checkin(actor=user, meeting=_meeting(mid), open=bool(data.get("open")))
    return {}


def check_in(user, mid, data):
    services.meeting_check_in(user=user, meeting=_meeting(mid), token=str(data.get("token", "")))
    return {}


def check_in_member(user, mid, data):
    services.meeting_check_in_member(
        actor=user, meeting=_meeting(mid), user_id=_int(data, "user_id")
    )
    return {}


def open_item(user, mid, data):
    item = services.meeting_open_item(
        actor=user, meeting=_meeting(mid), item_id=_int(data, "item_id")
    )
    return {"item_id": item.pk}


def next_item(user, mid, data):
    item = services.meeting_open_item(actor=user, meeting=_meeting(mid))
    return {"item_id": item.pk}


def raise_hand(user, mid, data):
    speech = services.hand_raise(user=user, meeting=_meeting(mid), stance=str(data.get("stance")))
    return {"speech_id": speech.pk}


def lower_hand(user, mid, data):
    services.hand_lower(user=user, meeting=_meeting(mid))
    return {}


def remove_hand(user, mid, data):
    services.hand_remove(actor=user, meeting=_meeting(mid), speech_id=_int(data, "speech_id"))
    return {}


def reorder_queue(user, mid, data):
    order = data.get("order")
    if not isinstance(order, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in order
    ):
        raise ValidationError(_("order 应为发言编号的列表。"))
    services.queue_reorder(actor=user, meeting=_meeting(mid), order=order)
    return {}


def give_floor(user, mid, data):
    speech = services.floor_give(
        actor=user, meeting=_meeting(mid), speech_id=_int(data, "speech_id", required=False)
    )
    return {"speech_id": speech.pk}


def end_speech(user, mid, data):
    services.floor_end(actor=user, meeting=_meeting(mid))
    return {}


def extend_speech(user, mid, data):
    seconds = _int(data, "seconds", required=False)
    services.floor_extend(
        actor=user, meeting=_meeting(mid), seconds=60 if seconds is None else seconds
    )
    return {}


def save_minutes(user, mid, data):
    body = data.get("body")
    if not isinstance(body, str):
        raise ValidationError(_("body 应为文本。"))
    m = services.minutes_save(
        actor=user, meeting=_meeting(mid), body=body, base_version=_int(data, "base_version")
    )
    return {"version": m.minutes_version}


def confirm_minutes(user, mid, data):
    m = services.minutes_confirm(actor=user, meeting=_meeting(mid), role=str(data.get("role", "")))
    if m.minutes_locked:
        message = _("会议纪要已确认。主持人和记录员都已确认，纪要已定稿，不能再修改。")
    elif m.moderator_confirmed_at:
        message = _("已以主持人身份确认会议纪要，还需记录员确认。")
    else:
        message = _("已以记录员身份确认会议纪要，还需主持人确认。")
    return {"message": message}


def add_item(user, mid, data):
    pid = _int(data, "proposal_id", required=False)
    proposal = Proposal.objects.get(pk=pid) if pid is not None else None
    item = services.agenda_add_item(
        actor=user,
        meeting=_meeting(mid),
        title=str(data.get("title", "")),
        proposal=proposal,
        budget_minutes=_int(data, "budget_minutes", required=False),
    )
    return {"item_id": item.pk}


def remove_item(user, mid, data):
    services.agenda_remove_item(actor=user, meeting=_meeting(mid), item_id=_int(data, "item_id"))
    return {}


def move_item(user, mid, data):
    services.agenda_move_item(
        actor=user,
        meeting=_meeting(mid),
        item_id=_int(data, "item_id"),
        direction=str(data.get("direction", "")),
    )
    return {}


def set_budget(user, mid, data):
    services.agenda_set_budget(
        actor=user,
        meeting=_meeting(mid),
        item_id=_int(data, "item_id"),
        budget_minutes=_int(data, "budget_minutes", required=False),
    )
    return {}


def _str_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValidationError(_("参数 %(k)s 应为文本的列表。") % {"k": key})
    return value


def ballot_open(user, mid, data):
    ballot = meeting_votes.meeting_ballot_open(
        actor=user,
        meeting=_meeting(mid),
        title=str(data.get("title") or ""),
        kind=str(data.get("kind") or "for_against"),
        options=_str_list(data, "options"),
        max_choices=_int(data, "max_choices", required=False) or 1,
        secret=bool(data.get("secret", True)),
        results_live=bool(data.get("results_live", False)),
        majority_rule=str(data.get("majority_rule") or "") or None,
    )
    return {"ballot_id": ballot.pk}


def ballot_close(user, mid, data):
    ballot = meeting_votes.meeting_ballot_close(actor=user, meeting=_meeting(mid))
    return {"ballot_id": ballot.pk, "result": ballot.result}


def ballot_cast(user, mid, data):
    choices = data.get("choices")
    if isinstance(data.get("choice"), str):
        choices = [data["choice"]]
    receipt = meeting_votes.meeting_ballot_cast(
        voter=user, meeting=_meeting(mid), choices=_str_list({"choices": choices}, "choices")
    )
    return {"receipt": receipt}


def hand_count(user, mid, data):
    votes = data.get("votes")
    if not isinstance(votes, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in votes.items()
    ):
        raise ValidationError(_("votes 应为「选项：票数」。"))
    voters = _int(data, "voters")
    ballot = meeting_votes.meeting_hand_count(
        actor=user, meeting=_meeting(mid), voters=voters, votes=votes
    )
    # Said back to the moderator: the room shows it (and says it aloud), as the receipt of a vote.
    message = _("现场举手计票已录入：%(n)s 人举手表决。可重新录入以更正。") % {"n": voters}
    return {"ballot_id": ballot.pk, "message": message}


def presence_list(user, mid, data):
    """A page of who is online (reads only): {online, users, next, seq}."""
    after = _int(data, "after", required=False)
    meeting = Meeting.objects.select_related("hall__compound__community").get(pk=mid)
    require(
        user,
        "deliberation.view_presence_list",
        meeting,
        _("只有主持人、记录员和议事厅负责人可以查看在线名单。"),
    )
    return selectors.presence_page(meeting.pk, after=after)


COMMANDS: dict[str, Handler] = {
    f.__name__: f
    for f in (
        open_meeting,
        close_meeting,
        set_checkin,
        check_in,
        check_in_member,
        open_item,
        next_item,
        raise_hand,
        lower_hand,
        remove_hand,
        reorder_queue,
        give_floor,
        end_speech,
        extend_speech,
        save_minutes,
        confirm_minutes,
        add_item,
        remove_item,
        move_item,
        set_budget,
        ballot_open,
        ballot_close,
        ballot_cast,
        hand_count,
        presence_list,
    )
}
