"""Assemble the minutes （会议纪要） of a closed meeting as Markdown.

Sections: the meeting, attendance and quorum, each agenda item (who spoke, their stance and
for how long, then the item's closed votes), and the recorder's notes.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from community.models import MajorityRule
from community.times import bj_format
from deliberation.meetings import selectors
from deliberation.models import (
    AgendaItem,
    Ballot,
    CheckIn,
    Meeting,
    Speech,
    SpeechState,
    Stance,
)
from deliberation.models.votes import BallotKind, BallotResult, BallotState
from deliberation.votes.choices import Source

# One wording for every source, from the votes' choices (docs/votes.md).
SOURCE_LABELS = dict(Source.choices)


def _local(dt) -> str:
    return bj_format(dt, year=True) if dt else "—"


def _duration(td: timedelta | None) -> str:
    if td is None:
        return "—"
    seconds = max(0, int(td.total_seconds()))
    return _("%(m)s分%(s)02d秒") % {"m": seconds // 60, "s": seconds % 60}


def assemble_record(m: Meeting) -> str:
    """The minutes as kept (`minutes_final`): always in the site's language, whoever closes the
    meeting; a reader in another language gets `assemble_minutes` in hers (the minutes page)."""
    with translation.override(settings.LANGUAGE_CODE):
        return assemble_minutes(m)


def assemble_minutes(m: Meeting) -> str:
    """The whole minutes of the meeting as Markdown."""
    att = selectors.attendance_section(m)
    lines = [
        f"# {m.title}",
        "",
        f"- {_('议事厅')}{_('：')}{m.hall.name}",
        f"- {_('时间')}{_('：')}{_local(m.held_at)} — {_local(m.closed_at)}"
        + (_("（原定 %(at)s）") % {"at": _local(m.starts_at)} if m.off_schedule else ""),
        f"- {_('地点')}{_('：')}{m.venue}"
        + (_("（%(x)s）") % {"x": _("线上线下同步")} if m.is_hybrid else ""),
        f"- {_('主持人')}{_('：')}{m.moderator}",
        f"- {_('记录员')}{_('：')}{m.recorder}",
        "",
        "## " + _("出席情况"),
        "",
        _("应到 %(e)s 人，实到 %(p)s 人；法定人数 %(n)s 人（比例 %(f)s），%(met)s。")
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
    counted = {c["user"]["id"]: c["elector"] for c in att["checkins"]}
    names = [
        f"{c.user}"
        + ("" if c.method == "qr" else "(" + _("代签") + ")")
        + ("" if counted.get(c.user_id, True) else "(" + _("列席") + ")")
        for c in checkins
    ]
    lines += [_("签到：") + (_("、").join(names) if names else _("无")), ""]
    stance_label = {s.value: str(s.label) for s in Stance}
    items = AgendaItem.objects.filter(meeting=m).select_related("proposal").order_by("order", "pk")
    for n, item in enumerate(items, start=1):
        lines += [f"## {_('议程')} {n}{_('：')}{item.title}", ""]
        if item.proposal_id:
            lines += [_("议题：#%(id)s %(t)s") % {"id": item.proposal_id, "t": item.proposal.title}]
        if item.opened_at is None:
            lines += [_("本项未审议。"), ""]
            continue
        lines += [
            _("审议时间：%(a)s — %(b)s")
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
        lines += ballot_lines(item)
    lines += ["## " + _("记录员记录"), "", m.minutes_body.strip() or _("（无）"), ""]
    return "\n".join(lines)


def ballot_lines(item: AgendaItem) -> list[str]:
    """Markdown lines of each closed vote on the item, for the assembled minutes."""
    lines: list[str] = []
    ballots = (
        Ballot.objects.filter(agenda_item=item, state=BallotState.CLOSED)
        .prefetch_related("options")
        .order_by("opened_at", "pk")
    )
    for b in ballots:
        o = b.outcome or {}
        labels = selectors.option_labels(b)
        keys = list(labels)
        by_source = o.get("by_source") or {}
        sources = [s for s in ("online", "hand", "proxy") if s in by_source]
        rule = o.get("rule") or {}
        lines += [
            f"### {_('表决')}{_('：')}{b.title}",
            "",
            _("方式：%(kind)s,%(secret)s；规则：%(rule)s；法定人数比例 %(f)s（以%(basis)s计）。")
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
            _("应到 %(e)s 人，到会 %(p)s 人；%(q)s（需 %(n)s 人）。")
            % {
                "e": o.get("electorate", b.electorate_size),
                "p": o.get("present", "—"),
                "q": _("达到法定人数") if o.get("quorum_met") else _("未达到法定人数"),
                "n": o.get("quorum_needed", "—"),
            },
            _("表决结果：**%(r)s**") % {"r": BallotResult(b.result).label if b.result else "—"},
            "",
        ]
    return lines
