"""/api/v1/ endpoints of governance tasks: the same selectors and services as the pages."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from community import selectors as community_selectors
from community.apierrors import answers
from community.auth import AUTH
from community.models import Building, ServiceBrand, User
from deliberation.models import GovernanceTask, ProgressReport, Resolution, TaskState
from deliberation.tasks import selectors, services

router = Router(tags=["tasks"])


class SubTaskOut(Schema):
    id: int
    title: str
    weight: int
    done: bool


class PersonOut(Schema):
    id: int
    name: str


class TaskOut(Schema):
    id: int
    hall_id: int
    resolution_id: int
    title: str
    state: str
    state_label: str
    state_reason: str
    brand: str | None
    building: str | None
    owner: PersonOut
    due_on: date
    progress: int
    overdue: bool
    url: str


class ProgressReportOut(Schema):
    id: int
    author: PersonOut
    body: str
    body_html: str
    progress: int
    created_at: datetime
    images: list[str]


class EventOut(Schema):
    actor: PersonOut | None
    from_state: str
    to_state: str
    note: str
    at: datetime


class TaskDetailOut(TaskOut):
    description: str
    description_html: str
    volunteers: list[PersonOut]
    subtasks: list[SubTaskOut]
    events: list[EventOut]
    reports: list[ProgressReportOut]


class TaskPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[TaskOut]


class TaskIn(Schema):
    title: str
    description: str = ""
    brand_id: int | None = None
    owner_id: int
    volunteer_ids: list[int] = []
    building_id: int | None = None
    due_on: date
    subtasks: list[tuple[str, int]] = []


class TaskPatch(Schema):
    title: str | None = None
    description: str | None = None
    brand_id: int | None = None
    clear_brand: bool = False
    owner_id: int | None = None
    volunteer_ids: list[int] | None = None
    building_id: int | None = None
    whole_compound: bool = False
    due_on: date | None = None


class NoteIn(Schema):
    note: str = ""


class ProgressReportIn(Schema):
    body: str
    progress: int | None = None


class SubTaskIn(Schema):
    title: str
    weight: int = 1


class ToggleIn(Schema):
    done: bool | None = None


class ProgressIn(Schema):
    progress: int


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": str(user)}


def task_out(t: GovernanceTask) -> dict:
    return {
        "id": t.pk,
        "hall_id": t.hall_id,
        "resolution_id": t.resolution_id,
        "title": t.title,
        "state": t.state,
        "state_label": str(TaskState(t.state).label),
        "state_reason": t.state_reason,
        "brand": t.brand.name if t.brand else None,
        "building": t.building.name if t.building else None,
        "owner": _person(t.owner),
        "due_on": t.due_on,
        "progress": t.progress,
        "overdue": t.overdue,
        "url": services.task_url(t),
    }


def report_out(r: ProgressReport) -> dict:
    return {
        "id": r.pk,
        "author": _person(r.author),
        "body": r.body,
        "body_html": r.body_html,
        "progress": r.progress,
        "created_at": r.created_at,
        "images": [im.image.url for im in r.images.all()],
    }


def _detail(pk: int) -> dict:
    t = get_object_or_404_task(pk)
    timeline = selectors.task_timeline(task=t)
    return {
        **task_out(t),
        "description": t.description,
        "description_html": t.description_html,
        "volunteers": [_person(v) for v in t.volunteers.all()],
        "subtasks": [
            {"id": s.pk, "title": s.title, "weight": s.weight, "done": s.done}
            for s in t.subtasks.all()
        ],
        "events": [
            {
                "actor": _person(e.event.actor),
                "from_state": e.event.from_state,
                "to_state": e.event.to_state,
                "note": e.event.note,
                "at": e.event.at,
            }
            for e in timeline
            if e.event
        ],
        "reports": [report_out(e.report) for e in timeline if e.report],
    }


def get_object_or_404_task(pk: int) -> GovernanceTask:
    try:
        return selectors.task_detail(pk=pk)
    except GovernanceTask.DoesNotExist:
        raise Http404 from None


def _task(pk: int) -> GovernanceTask:
    return get_object_or_404(GovernanceTask.objects.select_related("hall"), pk=pk)


def _user(pk: int) -> User:
    return get_object_or_404(User, pk=pk)


@router.get(
    "/halls/{hall_id}/tasks",
    response=answers(TaskPageOut, 400, 404, 422),
    auth=None,
    summary="A hall's governance tasks (filters: state, overdue, brand; 20 a page)",
)
def list_tasks(
    request,
    hall_id: int,
    state: str | None = None,
    overdue: bool | None = None,
    brand: int | None = None,
    page: int = 1,
):
    hall = get_object_or_404(community_selectors.halls_visible_to(), pk=hall_id)
    if state not in TaskState.values:
        state = None
    result = selectors.tasks_of_hall(
        user=request.user,
        hall=hall,
        state=state,
        overdue=overdue,
        brand=brand,
        page=page,
        today=timezone.localdate(),
    )
    return {
        "count": result.paginator.count,
        "page": result.number,
        "pages": result.paginator.num_pages,
        "items": [task_out(t) for t in result.object_list],
    }


@router.post(
    "/resolutions/{resolution_id}/tasks",
    response=answers({201: TaskDetailOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Break an effective resolution into a task (heads and admins)",
)
def create_task(request, resolution_id: int, payload: TaskIn):
    resolution = get_object_or_404(Resolution, pk=resolution_id)
    task = services.task_create(
        actor=request.auth,
        resolution=resolution,
        title=payload.title,
        description=payload.description,
        brand=get_object_or_404(ServiceBrand, pk=payload.brand_id) if payload.brand_id else None,
        owner=_user(payload.owner_id),
        volunteers=[_user(pk) for pk in payload.volunteer_ids],
        building=get_object_or_404(Building, pk=payload.building_id)
        if payload.building_id
        else None,
        due_on=payload.due_on,
        subtasks=payload.subtasks,
    )
    return Status(201, _detail(task.pk))


@router.get(
    "/tasks/{task_id}",
    response=answers(TaskDetailOut, 404, 422),
    auth=None,
    summary="One task, with history",
)
def task_detail(request, task_id: int):
    return _detail(task_id)


@router.patch(
    "/tasks/{task_id}",
    response=answers(TaskDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Change a task (heads, admins)",
)
def update_task(request, task_id: int, payload: TaskPatch):
    kwargs: dict = {}
    if payload.clear_brand:
        kwargs["brand"] = None
    elif payload.brand_id:
        kwargs["brand"] = get_object_or_404(ServiceBrand, pk=payload.brand_id)
    if payload.whole_compound:
        kwargs["building"] = None
    elif payload.building_id:
        kwargs["building"] = get_object_or_404(Building, pk=payload.building_id)
    if payload.volunteer_ids is not None:
        kwargs["volunteers"] = [_user(pk) for pk in payload.volunteer_ids]
    services.task_update(
        actor=request.auth,
        task=_task(task_id),
        title=payload.title,
        description=payload.description,
        owner=_user(payload.owner_id) if payload.owner_id else None,
        due_on=payload.due_on,
        **kwargs,
    )
    return _detail(task_id)


@router.post(
    "/tasks/{task_id}/transitions/{action}",
    response=answers(TaskDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Move a task: start, block, unblock, complete, cancel, reopen",
    description="`block` and `cancel` need a `note` (the reason). Cancel and reopen: heads/admins.",
)
def move_task(request, task_id: int, action: str, payload: NoteIn | None = None):
    services.task_move(
        actor=request.auth, task=_task(task_id), action=action, note=(payload or NoteIn()).note
    )
    return _detail(task_id)


@router.post(
    "/tasks/{task_id}/reports",
    response=answers({201: ProgressReportOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Post a progress report (JSON; see /reports/photos for photos)",
)
def post_report(request, task_id: int, payload: ProgressReportIn):
    report = services.task_report_progress(
        actor=request.auth, task=_task(task_id), body=payload.body, progress=payload.progress
    )
    return Status(201, report_out(report))


@router.post(
    "/tasks/{task_id}/reports/photos",
    response=answers({201: ProgressReportOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Post a progress report with photos (multipart; checked, re-encoded, EXIF removed)",
)
def post_report_with_photos(
    request,
    task_id: int,
    body: Form[str],
    progress: Form[int | None] = None,
    images: list[UploadedFile] = File(default=[]),  # noqa: B008
):
    report = services.task_report_progress(
        actor=request.auth, task=_task(task_id), body=body, images=images, progress=progress
    )
    return Status(201, report_out(report))


@router.post(
    "/tasks/{task_id}/subtasks",
    response=answers({201: TaskDetailOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Add a sub-task",
)
def add_subtask(request, task_id: int, payload: SubTaskIn):
    services.subtask_add(
        actor=request.auth, task=_task(task_id), title=payload.title, weight=payload.weight
    )
    return Status(201, _detail(task_id))


@router.post(
    "/tasks/{task_id}/subtasks/{subtask_id}/toggle",
    response=answers(TaskDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Tick or untick a sub-task (`done` omitted: flip it)",
)
def toggle_subtask(request, task_id: int, subtask_id: int, payload: ToggleIn | None = None):
    services.subtask_toggle(
        actor=request.auth,
        task=_task(task_id),
        subtask=subtask_id,
        done=(payload or ToggleIn()).done,
    )
    return _detail(task_id)


@router.delete(
    "/tasks/{task_id}/subtasks/{subtask_id}",
    response=answers(TaskDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Remove",
)
def remove_subtask(request, task_id: int, subtask_id: int):
    services.subtask_remove(actor=request.auth, task=_task(task_id), subtask=subtask_id)
    return _detail(task_id)


@router.put(
    "/tasks/{task_id}/progress",
    response=answers(TaskDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Set the progress by hand (tasks without sub-tasks)",
)
def set_progress(request, task_id: int, payload: ProgressIn):
    services.task_set_progress(actor=request.auth, task=_task(task_id), progress=payload.progress)
    return _detail(task_id)
