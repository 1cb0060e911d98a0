"""An author can rewrite a draft before publishing it; nobody else can, and a published text stays."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forum import services
from forum.models import Proposal, ProposalState
from tests.community.factories import (
    BrowserClient,
    BuildingFactory,
    ServiceBrandFactory,
    UserFactory,
    member,
)
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db
S = ProposalState


def test_author_rewrites_a_draft(hall):
    author = member(hall)
    draft = proposal(hall, author, state=S.DRAFT)
    brand = ServiceBrandFactory(hall=hall)
    services.proposal_edit(
        actor=author, proposal=draft, title=" 喷泉修好了吗 ", body="新的内容", brand=brand
    )
    draft.refresh_from_db()
    assert (draft.title, draft.body, draft.brand) == ("喷泉修好了吗", "新的内容", brand)


@pytest.mark.parametrize("state", [S.COLLECTING, S.ACCEPTED])
def test_a_published_proposal_cannot_be_rewritten(hall, state):
    author = member(hall)
    p = proposal(hall, author, state=state)
    with pytest.raises(PermissionDenied):
        services.proposal_edit(actor=author, proposal=p, title="改了", body="改了")
    p.refresh_from_db()
    assert p.title != "改了"


def test_someone_else_cannot_edit_a_draft(hall):
    draft = proposal(hall, state=S.DRAFT)
    with pytest.raises(PermissionDenied):
        services.proposal_edit(actor=member(hall), proposal=draft, title="改了", body="改了")


def test_bad_input_changes_nothing(hall):
    author = member(hall)
    draft = proposal(hall, author, state=S.DRAFT, title="原标题")
    other_compound_building = BuildingFactory()
    with pytest.raises(ValidationError) as exc:
        services.proposal_edit(
            actor=author, proposal=draft, title="", body="x", building=other_compound_building
        )
    assert set(exc.value.message_dict) == {"title", "building"}
    draft.refresh_from_db()
    assert draft.title == "原标题"


def test_edit_page_saves_and_publishes(hall):
    author = member(hall)
    draft = proposal(hall, author, state=S.DRAFT)
    c = BrowserClient()
    c.force_login(author)
    page = c.get(f"/proposals/{draft.pk}/")
    assert f"/proposals/{draft.pk}/edit/" in page.content.decode()
    form = c.get(f"/proposals/{draft.pk}/edit/")
    assert "修改草稿" in form.content.decode() and draft.title in form.content.decode()
    r = c.post(
        f"/proposals/{draft.pk}/edit/",
        {"title": "加装楼道扶手", "body": "三栋老人多", "action": "publish"},
    )
    assert r.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.state) == ("加装楼道扶手", S.COLLECTING)
    # Once published, the page refuses.
    assert c.get(f"/proposals/{draft.pk}/edit/").status_code == 403


def test_edit_page_error_keeps_the_draft(hall):
    author = member(hall)
    draft = proposal(hall, author, state=S.DRAFT, title="原标题")
    c = BrowserClient()
    c.force_login(author)
    r = c.post(f"/proposals/{draft.pk}/edit/", {"title": "", "body": "x", "action": "publish"})
    assert r.status_code == 200 and "必填" in r.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.state) == ("原标题", S.DRAFT)


def test_api_rewrites_a_draft(hall):
    author = member(hall)
    draft = proposal(hall, author, state=S.DRAFT)
    c = BrowserClient()
    c.force_login(author)
    r = c.put(
        f"/api/v1/proposals/{draft.pk}",
        {"title": "新标题", "body": "新内容", "publish": True},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert Proposal.objects.get(pk=draft.pk).state == S.COLLECTING
    r = c.put(
        f"/api/v1/proposals/{draft.pk}",
        {"title": "再改", "body": "再改"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_a_superuser_can_neither_rewrite_nor_publish_a_residents_draft(hall):
    """Author-only is author-only for everyone: the superuser holds every role, not authorship."""
    author = member(hall)
    draft = proposal(hall, author, state=S.DRAFT, title="我的草稿")
    root = UserFactory(is_superuser=True, is_staff=True)
    c = BrowserClient()
    c.force_login(root)
    assert c.get(f"/proposals/{draft.pk}/edit/").status_code == 403
    c.post(f"/proposals/{draft.pk}/edit/", {"title": "被改写", "body": "x", "action": "publish"})
    c.post(f"/proposals/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert (draft.title, draft.state) == ("我的草稿", S.DRAFT)
    with pytest.raises(PermissionDenied):
        services.proposal_publish(actor=root, proposal=draft)
    # What a superuser does hold: reviewing, as a federation admin of every hall.
    assert root.has_perm("forum.review_proposal", draft)
    assert root.has_perm("community.change_hall")  # Django's model permissions are unchanged
