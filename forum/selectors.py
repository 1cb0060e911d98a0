"""Reads of the forum; pages, API and websocket snapshots use these, so visibility is defined once."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.ids import is_row_id
from community.models import Hall, Membership, MembershipStatus
from community.needs import NeedItem
from forum.models import (
    Comment,
    ModerationState,
    Notification,
    Proposal,
    ProposalState,
    Reaction,
    Second,
    Stance,
)

# A query is split into words at spaces and punctuation (，。！ too); every word must appear in the
# title or the body. At most SEARCH_WORDS words of the first SEARCH_CHARS characters count, so a
# pasted essay makes a bounded query; the list is paginated either way.
SEARCH_WORDS = 5
SEARCH_CHARS = 100
_NOT_A_WORD = re.compile(r"[\W_]+")


def search_words(q: str) -> list[str]:
    """The words of a search box's text: "楼道，灯 " → ["楼道", "灯"]; only punctuation → []."""
    q = (q or "").replace("\x00", "")[:SEARCH_CHARS]
    return [w for w in _NOT_A_WORD.split(q) if w][:SEARCH_WORDS]


SORTS = {
    "new": ("-published_at", "-created_at", "-pk"),
    "seconds": ("-second_count", "-pk"),
    "discussed": ("-comment_count", "-pk"),
    "active": ("-last_activity_at", "-pk"),
}


def can_moderate(user, proposal_or_hall) -> bool:
    return bool(
        user and user.is_authenticated and user.has_perm("forum.moderate", proposal_or_hall)
    )


def proposals_visible_to(*, user, hall: Hall) -> QuerySet[Proposal]:
    """Published, not hidden proposals of a hall, plus the person's own (drafts included)."""
    qs = Proposal.objects.filter(hall=hall)
    public = ~Q(state=ProposalState.DRAFT) & Q(moderation=ModerationState.VISIBLE)
    if user is not None and user.is_authenticated:
        return qs.filter(public | Q(author=user))
    return qs.filter(public)


def proposal_list(
    *,
    user,
    hall: Hall,
    state: str = "",
    brand_id: int | None = None,
    building_id: int | None = None,
    whole_compound: bool = False,
    sort: str = "new",
    q: str = "",
) -> QuerySet[Proposal]:
    """The filtered, sorted list; every word of `q` (one character is enough) is in the title or body."""
    qs = proposals_visible_to(user=user, hall=hall)
    # An id no database can hold matches nothing (SQLite and PostgreSQL would fail on it).
    if (brand_id and not is_row_id(brand_id)) or (building_id and not is_row_id(building_id)):
        return qs.none()
    if state:
        qs = qs.filter(state=state)
    if brand_id:
        qs = qs.filter(brand_id=brand_id)
    if whole_compound:
        qs = qs.filter(building__isnull=True)
    elif building_id:
        qs = qs.filter(building_id=building_id)
    # Substring match, one character too （灯 finds 楼道灯不亮）：Chinese has no word boundaries, so
    # full-text tokenisers miss 绿化，and a trigram index cannot serve one or two characters. The
    # words drop NULs (PostgreSQL refuses one in a query: a 500).
    for word in search_words(q):
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    # The list never shows bodies: leaving them out keeps the sort small (10k rows: 88 → ms).
    return (
        qs.select_related("author", "brand", "building")
        .defer("body")
        .order_by(*SORTS.get(sort, SORTS["new"]))
    )


def can_view(user, proposal: Proposal) -> bool:
    """Drafts are private to the author; hidden or removed ones to the author and moderators."""
    is_author = user is not None and user.is_authenticated and proposal.author_id == user.pk
    if proposal.state == ProposalState.DRAFT:
        return is_author
    if proposal.moderation != ModerationState.VISIBLE:
        return is_author or can_moderate(user, proposal)
    return True


def proposal_detail(*, user, pk: int) -> Proposal | None:
    """One proposal with what its page shows (images, history), or None if not visible."""
    proposal = (
        Proposal.objects.select_related(
            "hall__compound__community", "author", "brand", "building", "merged_into"
        )
        .prefetch_related("images", "events__actor")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not can_view(user, proposal):
        return None
    return proposal


def has_seconded(*, user, proposal: Proposal) -> bool:
    if not user.is_authenticated:
        return False
    return Second.objects.filter(proposal=proposal, user=user).exists()


def comments_of(*, user, proposal: Proposal) -> list[Comment]:
    """All comments of a proposal in thread order (parents before replies), in one query.

    Each comment gets `.agreed` (whether the user agreed) and `.children`.
    """
    qs = Comment.objects.filter(proposal=proposal).select_related("author")
    if user is not None and user.is_authenticated:
        qs = qs.annotate(agreed=Exists(Reaction.objects.filter(comment=OuterRef("pk"), user=user)))
    comments = list(qs.order_by("created_at", "pk"))
    by_id = {c.pk: c for c in comments}
    roots = []
    for c in comments:
        c.children = []
        if not hasattr(c, "agreed"):
            c.agreed = False
    for c in comments:
        parent = by_id.get(c.parent_id)
        (parent.children if parent else roots).append(c)
    ordered: list[Comment] = []

    def walk(nodes: list[Comment]) -> None:
        for node in nodes:
            ordered.append(node)
            walk(node.children)

    walk(roots)
    return ordered


def stance_counts_from(comments: list[Comment]) -> dict[str, int]:
    counts = {s: 0 for s in Stance.values}
    for c in comments:
        if (
            c.parent_id is None
            and c.stance
            and not c.is_deleted
            and c.moderation == ModerationState.VISIBLE
        ):
            counts[c.stance] += 1
    return counts


def moderation_queue(*, hall: Hall) -> list[dict[str, Any]]:
    """Hidden proposals and comments of a hall awaiting a moderator, oldest first."""
    items: list[dict[str, Any]] = []
    for p in (
        Proposal.objects.filter(hall=hall, moderation=ModerationState.HIDDEN)
        .select_related("author")
        .prefetch_related("reports__reporter")
    ):
        items.append(
            {"kind": "proposal", "obj": p, "proposal": p, "reports": list(p.reports.all())}
        )
    for c in (
        Comment.objects.filter(proposal__hall=hall, moderation=ModerationState.HIDDEN)
        .select_related("author", "proposal")
        .prefetch_related("reports__reporter")
    ):
        items.append(
            {"kind": "comment", "obj": c, "proposal": c.proposal, "reports": list(c.reports.all())}
        )
    items.sort(key=lambda i: i["reports"][0].at if i["reports"] else i["obj"].created_at)
    return items


def notifications_of(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor", "proposal")


# --- 待我处理（community.needs） -------------------------------------------------------------------

NEEDS_LIMIT = 5
# Others' proposals are "near" the threshold when at most this many seconds are missing.
NEAR_SECONDS = 2


def needs_of(*, user, now) -> list[NeedItem]:
    """Proposals collecting seconds: mine still waiting, and others' near the hall's threshold
    that I have not seconded (in the halls where I am an active member); two queries."""
    collecting = Proposal.objects.filter(
        state=ProposalState.COLLECTING, moderation=ModerationState.VISIBLE
    ).select_related("hall")
    mine = list(collecting.filter(author=user).order_by("-second_count", "pk")[:NEEDS_LIMIT])
    halls = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values("hall_id")
    seconded = Second.objects.filter(proposal=OuterRef("pk"), user=user)
    near = list(
        collecting.filter(hall_id__in=halls, second_count__gte=1)
        .exclude(author=user)
        .exclude(Exists(seconded))
        .filter(second_count__gte=F("hall__seconding_threshold") - NEAR_SECONDS)
        .order_by("-second_count", "-published_at", "-pk")[:NEEDS_LIMIT]
    )
    items = []
    for p in mine:
        missing = max(p.hall.seconding_threshold - p.second_count, 0)
        items.append(
            NeedItem(
                kind="proposal",
                icon="📣",
                title=_("我的议题在征集附议：%(title)s") % {"title": p.title},
                text=ngettext(
                    "已有 %(n)d 人附议，还差 %(m)d 人即可提交受理。请邀请邻居来附议。",
                    "已有 %(n)d 人附议，还差 %(m)d 人即可提交受理。请邀请邻居来附议。",
                    missing,
                )
                % {"n": p.second_count, "m": missing},
                action=_("查看议题"),
                url=reverse("proposal", args=[p.pk]),
                hall=p.hall.name,
                rank=missing,
            )
        )
    for p in near:
        missing = max(p.hall.seconding_threshold - p.second_count, 0)
        items.append(
            NeedItem(
                kind="proposal",
                icon="🤝",
                title=_("邻居的议题快够附议了：%(title)s") % {"title": p.title},
                text=ngettext(
                    "已有 %(n)d 人附议，还差 %(m)d 人。您赞成的话，可以附议。",
                    "已有 %(n)d 人附议，还差 %(m)d 人。您赞成的话，可以附议。",
                    missing,
                )
                % {"n": p.second_count, "m": missing},
                action=_("去看看并附议"),
                url=reverse("proposal", args=[p.pk]),
                hall=p.hall.name,
                rank=missing,
            )
        )
    return items
