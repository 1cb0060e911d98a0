"""The 台账 download page (heads and federation admins): pick a month, get the xlsx or a CSV."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from community.audit import audit_record
from community.models import AuditAction, Hall
from deliberation.taizhang.csvfile import csv_bytes
from deliberation.taizhang.rows import SHEETS_BY_KEY, Month, all_tables, sheet_table
from deliberation.taizhang.xlsx import workbook_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _hall(request, slug: str) -> Hall:
    """The hall, if the user may export its 台账（checked here, server-side, for every URL）."""
    hall = get_object_or_404(Hall.objects.select_related("compound__community__street"), slug=slug)
    if not request.user.has_perm("deliberation.export_taizhang", hall):
        raise PermissionDenied(_("只有微家负责人或妇联管理员可以导出台账。"))
    return hall


def _month(request) -> Month:
    text = request.GET.get("month")
    return Month.current() if not text else Month.parse(text)


def _download(data: bytes, content_type: str, ascii_name: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def taizhang_page(request, slug: str):
    hall = _hall(request, slug)
    error = ""
    try:
        month = _month(request)
    except ValidationError as exc:
        error = ";".join(exc.messages)
        month = Month.current()
    tables = all_tables(hall, month)
    lists = [{"sheet": sheet, "count": len(rows)} for sheet, (_h, rows) in tables]
    return render(
        request,
        "deliberation/taizhang/taizhang.html",
        {
            "hall": hall,
            "month": month,
            "month_value": str(month),
            "previous": month.previous(),
            "next": month.next() if month < Month.current() else None,
            "lists": lists,
            "total": sum(item["count"] for item in lists),
            "error": error,
        },
    )


def _audit_export(request, hall, what: str) -> None:
    # The 台账 names people (proposers, owners, objectors): its export is audited. This is the
    # one kind of write a GET makes (docs/architecture.md): the audit log records reads.
    audit_record(
        action=AuditAction.EXPORT, actor=request.user, hall=hall, target=what, request=request
    )


@login_required
def taizhang_xlsx(request, slug: str):
    hall = _hall(request, slug)
    try:
        month = _month(request)
    except ValidationError as exc:
        return HttpResponseBadRequest(
            ";".join(exc.messages), content_type="text/plain; charset=utf-8"
        )
    data = workbook_bytes(hall, month, all_tables(hall, month), now=timezone.now())
    _audit_export(request, hall, f"台账 {month}(xlsx)")
    return _download(
        data,
        XLSX_TYPE,
        f"taizhang-{hall.slug}-{month}.xlsx",
        f"台账-{hall.name}-{month}.xlsx",
    )


@login_required
def taizhang_csv(request, slug: str, sheet: str):
    hall = _hall(request, slug)
    found = SHEETS_BY_KEY.get(sheet)
    if found is None:
        raise Http404(_("没有这个清单。"))
    try:
        month = _month(request)
    except ValidationError as exc:
        return HttpResponseBadRequest(
            ";".join(exc.messages), content_type="text/plain; charset=utf-8"
        )
    headers, rows = sheet_table(found, hall, month)
    _audit_export(request, hall, f"台账 {month} {found.title}(CSV)")
    return _download(
        csv_bytes(headers, rows),
        "text/csv; charset=utf-8",
        f"taizhang-{hall.slug}-{month}-{found.key}.csv",
        f"台账-{hall.name}-{month}-{found.title}.csv",
    )
