"""/api/v1/ endpoints of the forum: the same services and selectors as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from community.apierrors import answers
from community.auth import AUTH, token_auth
from community.ids import parse_row_id
from community.markup import render_markdown
from community.models import Building, Hall, ServiceBrand
from forum import events, selectors, services
from forum.models import Comment, Proposal
from forum.notifications import notifications_mark_read, unread_count

router = Router(tags=["forum"])
PAGE_SIZE = 20


class ProposalOut(Schema):
    id: int
    hall_id: int
    title: str
    state: str
    state_label: str
    brand: str | None
    building: str | None
    author: str
    second_count: int
    comment_count: int
    created_at: datetime
    published_at: datetime | None
    last_activity_at: datetime


class ProposalPage(Schema):
    count: int
    page: int
    pages: int
    items: list[ProposalOut]


class HistoryOut(Schema):
    id: int
    from_state: str
    to_state: str
    to_label: str
    actor: str | None
    note: str
    at: datetime


class ImageOut(Schema):
    url: str
    width: int
    height: int


class ProposalDetailOut(ProposalOut):
    body: str
    body_html: str
    review_reason: str
    merged_into: int | None
    locked: bool
    stance_counts: dict[str, int]
    images: list[ImageOut]
    history: list[HistoryOut]
    seconded_by_me: bool


class ProposalIn(Schema):
    title: str
    body: str
    brand_id: int | None = None
    building_id: int | None = None
    publish: bool = False


class ReviewIn(Schema):
    decision: Literal["accept", "reject", "merge"]
    reason: str = ""
    into_id: int | None = None


class AuthorOut(Schema):
    id: int
    name: str


class CommentOut(Schema):
    id: int
    parent_id: int | None
    depth: int
    author: AuthorOut
    stance: str
    stance_label: str
    html: str
    is_deleted: bool
    moderation: str
    edited: bool
    agree_count: int
    created_at: datetime


class CommentIn(Schema):
    body: str
    parent_id: int | None = None
    stance: Literal["", "for", "against", "suggestion"] = ""


class CommentEditIn(Schema):
    body: str


class ReactIn(Schema):
    agree: bool = True


class ReportIn(Schema):
    reason: str
    proposal_id: int | None = None
    comment_id: int | None = None


class ReportOut(Schema):
    id: int


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: datetime
    read: bool


class NotificationsOut(Schema):
    unread: int
    items: list[NotificationOut]


class ReadIn(Schema):
    ids: list[int] | None = None


class ReadOut(Schema):
    marked: int
    unread: int


def _viewer(request):
    """The person behind a read request: a bearer token, the session, or anonymous."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = token_auth.authenticate(request, header[7:].strip())
        return user or AnonymousUser()
    return request.user


def proposal_out(p: Proposal) -> dict:
    return {
        "id": p.pk,
        "hall_id": p.hall_id,
        "title": p.title,
        "state": p.state,
        "state_label": str(p.get_state_display()),
        "brand": p.brand.name if p.brand_id else None,
        "building": p.building.name if p.building_id else None,
        "author": str(p.author),
        "second_count": p.second_count,
        "comment_count": p.comment_count,
        "created_at": p.created_at,
        "published_at": p.published_at,
        "last_activity_at": p.last_activity_at,
    }


def _detail(request, pk: int, user=None) -> dict:
    user = user or _viewer(request)
    p = selectors.proposal_detail(user=user, pk=pk)
    if p is None:
        from django.http import Http404

        raise Http404
    return {
        **proposal_out(p),
        "body": p.body,
        "body_html": str(render_markdown(p.body)),
        "review_reason": p.review_reason,
        "merged_into": p.merged_into_id,
        "locked": p.locked,
        "stance_counts": events.stance_counts(p.pk),
        "images": [
            {"url": request.build_absolute_uri(i.image.url), "width": i.width, "height": i.height}
            for i in p.images.all()
        ],
        "history": [events.history_data(e) for e in p.events.all()],
        "seconded_by_me": selectors.has_seconded(user=user, proposal=p),
    }


def _proposal_for(user, pk: int) -> Proposal:
    p = selectors.proposal_detail(user=user, pk=pk)
    if p is None:
        from django.http import Http404

        raise Http404
    return p


@router.get(
    "/halls/{hall_id}/proposals",
    response=answers(ProposalPage, 400, 404, 422),
    auth=None,
    summary="List and search proposals of a hall",
)
def list_proposals(
    request,
    hall_id: int,
    state: str = "",
    brand: int | None = None,
    building: str = "",
    sort: Literal["new", "seconds", "discussed", "active"] = "new",
    q: str = "",
    page: int = 1,
):
    """Filter by state, brand, building (`all` = whole compound); `q` searches titles and bodies (one Chinese character is enough; spaces and punctuation separate words)."""
    hall = get_object_or_404(Hall, pk=hall_id)
    qs = selectors.proposal_list(
        user=_viewer(request),
        hall=hall,
        state=state,
        brand_id=brand,
        building_id=parse_row_id(building),
        whole_compound=building == "all",
        sort=sort,
        q=q,
    )
    paginator = Paginator(qs, PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [proposal_out(p) for p in current.object_list],
    }


@router.post(
    "/halls/{hall_id}/proposals",
    response=answers({201: ProposalDetailOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Write a proposal (a draft unless publish is true)",
)
def create_proposal(request, hall_id: int, payload: ProposalIn):
    hall = get_object_or_404(Hall, pk=hall_id)
    brand = (
        get_object_or_404(ServiceBrand, pk=payload.brand_id, hall=hall)
        if payload.brand_id
        else None
    )
    building = (
        get_object_or_404(Building, pk=payload.building_id, compound_id=hall.compound_id)
        if payload.building_id
        else None
    )
    p = services.proposal_create(
        author=request.auth,
        hall=hall,
        title=payload.title,
        body=payload.body,
        brand=brand,
        building=building,
        publish_now=payload.publish,
    )
    return Status(201, _detail(request, p.pk, request.auth))


@router.put(
    "/proposals/{pk}",
    response=answers(ProposalDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Rewrite one's draft before publishing it (title, body, brand, building)",
)
def edit_draft(request, pk: int, payload: ProposalIn):
    p = _proposal_for(request.auth, pk)
    brand = (
        get_object_or_404(ServiceBrand, pk=payload.brand_id, hall_id=p.hall_id)
        if payload.brand_id
        else None
    )
    building = (
        get_object_or_404(Building, pk=payload.building_id, compound_id=p.hall.compound_id)
        if payload.building_id
        else None
    )
    with transaction.atomic():
        services.proposal_edit(
            actor=request.auth,
            proposal=p,
            title=payload.title,
            body=payload.body,
            brand=brand,
            building=building,
        )
        if payload.publish:
            services.proposal_publish(actor=request.auth, proposal=p)
    return _detail(request, pk, request.auth)


@router.post(
    "/proposals/{pk}/images",
    response=answers(ProposalDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Add photos to one's draft (multipart; checked, re-encoded, EXIF removed)",
)
def add_images(request, pk: int, images: list[UploadedFile] = File(...)):  # noqa: B008
    p = _proposal_for(request.auth, pk)
    services.proposal_add_images(actor=request.auth, proposal=p, images=images)
    return _detail(request, pk, request.auth)


@router.get(
    "/proposals/{pk}",
    response=answers(ProposalDetailOut, 404, 422),
    auth=None,
    summary="A proposal",
)
def proposal_detail(request, pk: int):
    return _detail(request, pk)


@router.post(
    "/proposals/{pk}/publish",
    response=answers(ProposalDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
)
def publish(request, pk: int):
    services.proposal_publish(actor=request.auth, proposal=_proposal_for(request.auth, pk))
    return _detail(request, pk, request.auth)


@router.post(
    "/proposals/{pk}/second",
    response=answers(ProposalDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="附议",
)
def second(request, pk: int):
    services.proposal_second(user=request.auth, proposal=_proposal_for(request.auth, pk))
    return _detail(request, pk, request.auth)


@router.post(
    "/proposals/{pk}/review",
    response=answers(ProposalDetailOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Accept, reject (with a reason) or merge into another proposal",
)
def review(request, pk: int, payload: ReviewIn):
    p = _proposal_for(request.auth, pk)
    if payload.decision == "merge":
        if payload.into_id is None:
            raise ValidationError("合并时请给出目标议题 into_id。")
        into = get_object_or_404(Proposal, pk=payload.into_id)
        services.proposal_merge(actor=request.auth, proposal=p, into=into, note=payload.reason)
    else:
        services.proposal_review(
            actor=request.auth, proposal=p, decision=payload.decision, reason=payload.reason
        )
    return _detail(request, pk, request.auth)


@router.get(
    "/proposals/{pk}/comments",
    response=answers(list[CommentOut], 404, 422),
    auth=None,
    summary="The thread",
)
def comments(request, pk: int):
    user = _viewer(request)
    p = _proposal_for(user, pk)
    return [events.comment_data(c) for c in selectors.comments_of(user=user, proposal=p)]


@router.post(
    "/proposals/{pk}/comments",
    response=answers({201: CommentOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
)
def comment(request, pk: int, payload: CommentIn):
    p = _proposal_for(request.auth, pk)
    parent = (
        get_object_or_404(Comment, pk=payload.parent_id, proposal=p) if payload.parent_id else None
    )
    c = services.comment_post(
        author=request.auth, proposal=p, body=payload.body, parent=parent, stance=payload.stance
    )
    return Status(201, events.comment_data(c))


@router.patch(
    "/comments/{pk}",
    response=answers(CommentOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Edit one's comment",
)
def edit_comment(request, pk: int, payload: CommentEditIn):
    c = services.comment_edit(
        actor=request.auth, comment=get_object_or_404(Comment, pk=pk), body=payload.body
    )
    return events.comment_data(c)


@router.delete(
    "/comments/{pk}",
    response=answers(CommentOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Delete one's comment",
)
def delete_comment(request, pk: int):
    c = services.comment_delete(actor=request.auth, comment=get_object_or_404(Comment, pk=pk))
    return events.comment_data(c)


@router.post(
    "/comments/{pk}/react",
    response=answers(CommentOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="认同 a comment",
)
def react(request, pk: int, payload: ReactIn):
    c = services.comment_react(
        user=request.auth, comment=get_object_or_404(Comment, pk=pk), agree=payload.agree
    )
    return events.comment_data(c)


@router.post(
    "/reports",
    response=answers({201: ReportOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Report a proposal or a comment",
)
def report(request, payload: ReportIn):
    proposal = _proposal_for(request.auth, payload.proposal_id) if payload.proposal_id else None
    comment = get_object_or_404(Comment, pk=payload.comment_id) if payload.comment_id else None
    r = services.report_submit(
        reporter=request.auth, reason=payload.reason, proposal=proposal, comment=comment
    )
    return Status(201, {"id": r.pk})


@router.get(
    "/notifications",
    response=answers(NotificationsOut, 400, 401, 422),
    auth=AUTH,
    summary="My notifications",
)
def notifications(request, unread: bool = False, page: int = 1):
    qs = selectors.notifications_of(user=request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    items = Paginator(qs, PAGE_SIZE).get_page(page).object_list
    return {
        "unread": unread_count(request.auth),
        "items": [
            {
                "id": n.pk,
                "kind": n.kind,
                "text": n.text,
                "url": n.url,
                "created_at": n.created_at,
                "read": n.read_at is not None,
            }
            for n in items
        ],
    }


@router.post(
    "/notifications/read",
    response=answers(ReadOut, 400, 401, 422),
    auth=AUTH,
    summary="Mark some or all as read",
)
def notifications_read(request, payload: ReadIn):
    marked = notifications_mark_read(user=request.auth, ids=payload.ids)
    return {"marked": marked, "unread": unread_count(request.auth)}
