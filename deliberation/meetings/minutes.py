"""Assemble the minutes (会议纪要) of a closed meeting as Markdown.

Sections: the meeting, attendance and quorum, each agenda item (who spoke, their stance and
for how long, then the item's votes), and the recorder's notes. Votes come from
`VOTE_SECTIONS`: the vote issue appends a function `(item) -> list[str]` of Markdown lines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation.models import AgendaItem, CheckIn, Meeting, Speech, SpeechState, Stance

# Functions (item) → Markdown lines describing the item's votes; empty until votes exist.
VOTE_SECTIONS: list[Callable[[AgendaItem], list[str]]] = []


def _ballots(item: AgendaItem) -> list[str]:
    from deliberation.meetings.ballots import minutes_lines

    return minutes_lines(item)


VOTE_SECTIONS.append(_ballots)


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else "—"


def _duration(td: timedelta | None) -> str:
    if td is None:
        return "—"
    seconds = max(0, int(td.total_seconds()))
    return _("%(m)s分%(s)02d秒") % {"m": seconds // 60, "s": seconds % 60}


def assemble_minutes(m: Meeting) -> str:
    """The whole minutes of the meeting as Markdown."""
    from deliberation.meetings.selectors import attendance_section

    att = attendance_section(m)
    lines = [
        f"# {m.title}",
        "",
        f"- {_('议事厅')}:{m.hall.name}",
        f"- {_('时间')}:{_local(m.opened_at or m.starts_at)} — {_local(m.closed_at)}",
        f"- {_('地点')}:{m.venue}" + (f"({_('线上线下同步')})" if m.is_hybrid else ""),
        f"- {_('主持人')}:{m.moderator}",
        f"- {_('记录员')}:{m.recorder}",
        "",
        "## " + _("出席情况"),
        "",
        _("应到 %(e)s 人,实到 %(p)s 人;法定人数 %(n)s 人(比例 %(f)s),%(met)s。")
        % {
            "e": att["electorate"],
            "p": att["present"],
            "n": att["quorum_needed"],
            "f": att["quorum_fraction"],
            "met": _("已达到法定人数") if att["quorum_met"] else _("未达到法定人数"),
        },
        "",
    ]
    checkins = CheckIn.objects.filter(meeting=m).select_related("user").order_by("at", "pk")
    names = [f"{c.user}" + ("" if c.method == "qr" else "(" + _("代签") + ")") for c in checkins]
    lines += [_("签到:") + ("、".join(names) if names else _("无")), ""]
    stance_label = {s.value: str(s.label) for s in Stance}
    items = AgendaItem.objects.filter(meeting=m).select_related("proposal").order_by("order", "pk")
    for n, item in enumerate(items, start=1):
        lines += [f"## {_('议程')} {n}:{item.title}", ""]
        if item.proposal_id:
            lines += [_("议题:#%(id)s %(t)s") % {"id": item.proposal_id, "t": item.proposal.title}]
        if item.opened_at is None:
            lines += [_("本项未审议。"), ""]
            continue
        lines += [
            _("审议时间:%(a)s — %(b)s")
            % {"a": _local(item.opened_at), "b": _local(item.closed_at)},
            "",
        ]
        speeches = (
            Speech.objects.filter(item=item, started_at__isnull=False)
            .select_related("user")
            .order_by("started_at", "pk")
        )
        if speeches:
            lines += [
                "| " + " | ".join([_("发言人"), _("立场"), _("时长")]) + " |",
                "|---|---|---|",
            ]
            for s in speeches:
                end = s.ended_at if s.state == SpeechState.DONE else None
                lines.append(
                    f"| {s.user} | {stance_label[s.stance]} | "
                    f"{_duration(end - s.started_at if end else None)} |"
                )
            lines.append("")
        else:
            lines += [_("无人发言。"), ""]
        for section in VOTE_SECTIONS:
            lines += section(item)
    lines += ["## " + _("记录员记录"), "", m.minutes_body.strip() or _("(无)"), ""]
    return "\n".join(lines)
