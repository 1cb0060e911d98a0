"""Dashboard pages （数据看板）：a hall's figures, and a community's or street's hall beside hall."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import selectors as community_selectors
from community.fractions import quorum_ratio
from community.models import Community, Street
from deliberation.dashboard import charts
from deliberation.dashboard.figures import (
    FederationFigures,
    HallFigures,
    Period,
    Ratio,
    federation_figures,
    hall_figures,
    quick_picks,
)


def _pct(r: Ratio) -> str:
    return "—" if r.percent is None else f"{r.percent:g}%"


def _days(value: float | None) -> str:
    return "—" if value is None else _("%(d)s 天") % {"d": f"{value:g}"}


def period_from(request, today) -> Period:
    """The period asked for (`?from=&to=`), or the last 12 months with a message if it is bad."""
    try:
        return Period.parse(request.GET.get("from"), request.GET.get("to"), today=today)
    except ValueError as exc:
        messages.error(request, str(exc))
        return Period.last_12_months(today)


def key_figures(f: HallFigures) -> list[dict[str, str]]:
    """The headline numbers, each with what it counts."""
    t = f.tasks
    return [
        {"label": _("议题"), "value": str(f.proposals_total), "note": _("本期发布")},
        {"label": _("议事会议"), "value": str(f.meetings_held), "note": _("本期召开")},
        {
            "label": _("平均到会率"),
            "value": _pct(f.attendance),
            "note": _("到会 %(a)d / 应到 %(b)d 人次")
            % {"a": f.attendance.num, "b": f.attendance.den},
        },
        {
            "label": _("法定人数达标率"),
            "value": _pct(f.quorum_rate),
            "note": _("%(a)d / %(b)d 次会议") % {"a": f.quorum_rate.num, "b": f.quorum_rate.den},
        },
        {
            "label": _("表决参与率"),
            "value": _pct(f.turnout),
            "note": _("%(n)d 次表决") % {"n": len(f.ballots)},
        },
        {
            "label": _("提议到决议"),
            "value": _days(f.days_to_resolution.days),
            "note": _("平均，%(n)d 项决议") % {"n": f.days_to_resolution.n},
        },
        {
            "label": _("决议生效到办结"),
            "value": _days(f.days_to_completion.days),
            "note": _("平均，%(n)d 项结果") % {"n": f.days_to_completion.n},
        },
        {
            "label": _("任务完成率"),
            "value": _pct(t.completion),
            "note": _("%(a)d / %(b)d 项任务") % {"a": t.completion.num, "b": t.completion.den},
        },
        {
            "label": _("任务逾期率"),
            "value": _pct(t.overdue),
            "note": _("逾期未完成 %(a)d，逾期完成 %(b)d") % {"a": t.overdue_open, "b": t.done_late},
        },
        {
            "label": _("满意率"),
            "value": _pct(f.satisfaction),
            "note": _("满意与基本满意，%(n)d 人评议") % {"n": f.ratings_total},
        },
    ]


def hall_charts(f: HallFigures) -> list[dict[str, Any]]:
    """Every chart of a hall's dashboard, in sections."""
    pre = f"h{f.hall_id}"
    t = f.tasks
    quorum = float(quorum_ratio(f.quorum_fraction)) * 100 if f.quorum_fraction else None
    return [
        {
            "heading": _("议题"),
            "charts": [
                charts.hbar(
                    id=f"{pre}-state",
                    title=_("本期发布的议题，按目前状态"),
                    rows=[(c.label, c.value, str(c.value)) for c in f.proposals_by_state],
                    headers=[_("状态"), _("议题数")],
                ),
                charts.hbar(
                    id=f"{pre}-brand",
                    title=_("本期发布的议题，按服务品牌"),
                    rows=[(c.label, c.value, str(c.value)) for c in f.proposals_by_brand],
                    headers=[_("服务品牌"), _("议题数")],
                ),
                charts.stacked_hbar(
                    id=f"{pre}-building",
                    title=_("各楼栋居民的附议与评论"),
                    rows=[(b.name, [b.seconds, b.comments]) for b in f.by_building],
                    series=[_("附议"), _("评论")],
                    total_header=_("合计"),
                ),
            ],
        },
        {
            "heading": _("会议与表决"),
            "charts": [
                charts.vbar(
                    id=f"{pre}-attendance",
                    title=_("每次会议的到会率"),
                    rows=[
                        (
                            timezone.localtime(m.held_at).strftime("%m-%d"),
                            m.attendance.percent or 0,
                            _pct(m.attendance),
                        )
                        for m in f.meetings
                    ],
                    headers=[_("日期"), _("到会率"), _("会议"), _("到会/应到"), _("法定人数")],
                    extra_columns=[
                        [
                            m.title,
                            f"{m.present}/{m.electorate}",
                            _("达到（需 %(n)d 人）") % {"n": m.quorum_needed}
                            if m.quorum_met
                            else _("未达到（需 %(n)d 人）") % {"n": m.quorum_needed},
                        ]
                        for m in f.meetings
                    ],
                    max_value=100,
                    reference=(quorum, _("法定人数 %(p)s%%") % {"p": f"{quorum:.1f}"})
                    if quorum
                    else None,
                ),
                charts.hbar(
                    id=f"{pre}-turnout",
                    title=_("每次表决的参与率"),
                    rows=[(b.title, b.turnout.percent or 0, _pct(b.turnout)) for b in f.ballots],
                    headers=[_("表决"), _("参与率"), _("投票/应投"), _("结束日期")],
                    extra_columns=[
                        [
                            f"{b.voters}/{b.electorate}",
                            timezone.localtime(b.closed_at).strftime("%Y-%m-%d"),
                        ]
                        for b in f.ballots
                    ],
                    max_value=100,
                ),
            ],
        },
        {
            "heading": _("落实与评议"),
            "charts": [
                charts.hbar(
                    id=f"{pre}-tasks",
                    title=_("期限在本期的治理任务"),
                    rows=[
                        (_("按期完成"), t.done - t.done_late, str(t.done - t.done_late)),
                        (_("逾期完成"), t.done_late, str(t.done_late)),
                        (
                            _("进行中（未逾期）"),
                            t.open - t.overdue_open,
                            str(t.open - t.overdue_open),
                        ),
                        (_("逾期未完成"), t.overdue_open, str(t.overdue_open)),
                        (_("已取消"), t.cancelled, str(t.cancelled)),
                    ],
                    headers=[_("任务"), _("数量")],
                ),
                charts.stacked_hbar(
                    id=f"{pre}-satisfaction",
                    title=_("各服务品牌的满意度评议"),
                    rows=[
                        (s.brand, [s.satisfied, s.basically, s.dissatisfied])
                        for s in f.satisfaction_by_brand
                    ],
                    series=[_("满意"), _("基本满意"), _("不满意")],
                    total_header=_("合计"),
                    extra=[_pct(s.rate) for s in f.satisfaction_by_brand],
                    extra_header=_("满意率"),
                ),
            ],
        },
    ]


def federation_charts(fed: FederationFigures) -> list[Any]:
    pre = f"{fed.scope_kind}{fed.scope_id}"
    halls = fed.halls
    return [
        charts.hbar(
            id=f"{pre}-proposals",
            title=_("各议事厅本期发布的议题"),
            rows=[(h.hall_name, h.proposals_total, str(h.proposals_total)) for h in halls],
            headers=[_("议事厅"), _("议题数")],
        ),
        charts.hbar(
            id=f"{pre}-meetings",
            title=_("各议事厅本期召开的会议"),
            rows=[(h.hall_name, h.meetings_held, str(h.meetings_held)) for h in halls],
            headers=[_("议事厅"), _("会议次数")],
        ),
        charts.hbar(
            id=f"{pre}-completion",
            title=_("各议事厅的任务完成率"),
            rows=[
                (h.hall_name, h.tasks.completion.percent or 0, _pct(h.tasks.completion))
                for h in halls
            ],
            headers=[_("议事厅"), _("任务完成率")],
            max_value=100,
        ),
        charts.hbar(
            id=f"{pre}-satisfaction",
            title=_("各议事厅的满意率"),
            rows=[(h.hall_name, h.satisfaction.percent or 0, _pct(h.satisfaction)) for h in halls],
            headers=[_("议事厅"), _("满意率")],
            max_value=100,
        ),
    ]


def _page_context(request, period: Period, today) -> dict[str, Any]:
    picks = quick_picks(today)
    for p in picks:
        p["current"] = p["period"] == period
    return {"period": period, "picks": picks, "today": today}


def _require(request, perm: str, obj, message: str) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(message)


def _scope_links(request, hall) -> list[dict[str, str]]:
    """The community's and the street's dashboards, for a federation admin who may see them."""
    community = hall.compound.community
    links = []
    for scope, name in ((community, "community_dashboard"), (community.street, "street_dashboard")):
        if request.user.has_perm("deliberation.view_federation_dashboard", scope):
            links.append({"name": scope.name, "url": reverse(name, args=[scope.pk])})
    return links


def hall_dashboard(request, slug: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        hall = community_selectors.hall_detail(slug=slug)
    except Exception:
        raise Http404(_("没有这个议事厅。")) from None
    _require(
        request,
        "deliberation.view_dashboard",
        hall,
        _("数据看板仅供微家负责人、妇联执委和妇联管理员查看。"),
    )
    today = timezone.localdate()
    period = period_from(request, today)
    figures = hall_figures(hall, period, today=today)
    return render(
        request,
        "deliberation/dashboard/dashboard.html",
        {
            "hall": hall,
            "figures": figures,
            "keys": key_figures(figures),
            "sections": hall_charts(figures),
            "scope_links": _scope_links(request, hall),
            **_page_context(request, period, today),
        },
    )


def _federation(request, scope, kind: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _require(
        request,
        "deliberation.view_federation_dashboard",
        scope,
        _("只有本社区或本街道的妇联管理员可以查看。"),
    )
    today = timezone.localdate()
    period = period_from(request, today)
    fed = federation_figures(scope, period, today=today)
    rows = [
        {
            "figures": h,
            "cells": [
                str(h.proposals_total),
                str(h.meetings_held),
                _pct(h.attendance),
                _pct(h.quorum_rate),
                _pct(h.turnout),
                _days(h.days_to_resolution.days),
                _days(h.days_to_completion.days),
                _pct(h.tasks.completion),
                _pct(h.tasks.overdue),
                _pct(h.satisfaction),
            ],
        }
        for h in fed.halls
    ]
    return render(
        request,
        "deliberation/dashboard/dashboard_federation.html",
        {
            "scope": scope,
            "kind": kind,
            "fed": fed,
            "rows": rows,
            "headers": [
                _("议题"),
                _("会议"),
                _("到会率"),
                _("法定人数达标率"),
                _("表决参与率"),
                _("提议到决议"),
                _("生效到办结"),
                _("任务完成率"),
                _("任务逾期率"),
                _("满意率"),
            ],
            "charts": federation_charts(fed),
            **_page_context(request, period, today),
        },
    )


def community_dashboard(request, pk: int):
    return _federation(request, get_object_or_404(Community, pk=pk), "community")


def street_dashboard(request, pk: int):
    return _federation(request, get_object_or_404(Street, pk=pk), "street")
