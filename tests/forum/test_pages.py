"""The forum's pages: what people see and do, and a constant number of queries per page."""

import io
import re

import pytest
from django.test import Client
from PIL import Image

from forum import services
from forum.models import Comment, Proposal, ProposalState
from tests.community.factories import BrowserClient, ServiceBrandFactory, member
from tests.community.factories import page_queries as queries
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db
S = ProposalState


def logged_in(user) -> Client:
    c = BrowserClient()
    c.force_login(user)
    return c


def add_comments(p, n: int, people) -> None:
    """Bulk-load n comments (a third of them replies) with a few agrees."""
    rows = [
        Comment(proposal=p, author=people[i % len(people)], body=f"第 {i} 条意见", stance="for")
        for i in range(n)
    ]
    Comment.objects.bulk_create(rows)
    tops = list(Comment.objects.filter(proposal=p).order_by("pk")[: n // 3])
    Comment.objects.bulk_create(
        [Comment(proposal=p, author=people[0], body="回复", parent=t, depth=1) for t in tops]
    )
    Proposal.objects.filter(pk=p.pk).update(comment_count=n + len(tops))


def test_proposal_page_runs_a_constant_number_of_queries(hall, django_assert_max_num_queries):
    people = [member(hall) for _ in range(5)]
    viewer = logged_in(people[1])
    small, big = proposal(hall, people[0]), proposal(hall, people[0])
    add_comments(small, 3, people)
    add_comments(big, 500, people)
    services.comment_react(user=people[1], comment=Comment.objects.filter(proposal=big).first())
    few = queries(viewer, f"/proposals/{small.pk}/")
    with django_assert_max_num_queries(few):
        r = viewer.get(f"/proposals/{big.pk}/")
    assert r.content.decode().count('class="comment depth-') == 666
    with django_assert_max_num_queries(20):
        viewer.get(f"/proposals/{big.pk}/")


def test_proposal_list_runs_a_constant_number_of_queries(hall, django_assert_max_num_queries):
    brand = ServiceBrandFactory(hall=hall)
    author = member(hall)
    proposal(hall, author, brand=brand)
    viewer = logged_in(member(hall))
    url = f"/halls/{hall.slug}/proposals/"
    few = queries(viewer, url)
    for i in range(30):
        Proposal.objects.create(
            hall=hall, author=author, title=f"议题{i}", body="x", brand=brand, state=S.COLLECTING
        )
    with django_assert_max_num_queries(few):
        r = viewer.get(url + "?sort=active")
    assert r.content.decode().count('class="card proposal-item"') == 20
    with django_assert_max_num_queries(few):
        viewer.get(url + "?q=议题1&page=1")


def test_write_a_proposal_with_a_photo_on_the_page(hall):
    brand = ServiceBrandFactory(hall=hall, name="花满名苑")
    author = member(hall)
    c = logged_in(author)
    assert c.get(f"/halls/{hall.slug}/proposals/new/").status_code == 200
    photo = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(photo, format="JPEG")
    photo.seek(0)
    photo.name = "fountain.jpg"
    r = c.post(
        f"/halls/{hall.slug}/proposals/new/",
        {"title": "修复中心花园喷泉", "body": "喷泉坏了", "brand": brand.pk, "images": [photo],
         "action": "publish"},
    )  # fmt: skip
    p = Proposal.objects.get()
    assert r.status_code == 302 and r.url == f"/proposals/{p.pk}/"
    assert p.state == S.COLLECTING and p.images.count() == 1
    page = c.get(r.url).content.decode()
    assert "修复中心花园喷泉" in page and "征集中" in page and "<img" in page


def test_a_renamed_file_is_refused_on_the_page(hall):
    c = logged_in(member(hall))
    fake = io.BytesIO(b"MZ\x90\x00 this is not a photo" * 10)
    fake.name = "photo.jpg"
    r = c.post(
        f"/halls/{hall.slug}/proposals/new/",
        {"title": "t", "body": "b", "images": [fake], "action": "publish"},
    )
    assert r.status_code == 200 and "不是有效的图片" in r.content.decode()
    assert not Proposal.objects.exists()


def test_outsiders_cannot_open_the_form_and_drafts_are_private(hall, people):
    c = logged_in(people["outsider"])
    assert c.get(f"/halls/{hall.slug}/proposals/new/").status_code == 403
    draft = proposal(hall, state=S.DRAFT)
    assert logged_in(people["head"]).get(f"/proposals/{draft.pk}/").status_code == 404
    assert logged_in(draft.author).get(f"/proposals/{draft.pk}/").status_code == 200


def test_second_review_and_history_on_the_page(hall, people):
    hall.seconding_threshold = 1
    hall.save()
    p = proposal(hall)
    r = logged_in(people["member"]).post(f"/proposals/{p.pk}/second/", follow=True)
    assert "附议成功" in r.content.decode()
    r = logged_in(people["member"]).post(f"/proposals/{p.pk}/second/", follow=True)
    assert "已经附议" in r.content.decode() or "不在征集附议" in r.content.decode()
    head = logged_in(people["head"])
    page = head.get(f"/proposals/{p.pk}/").content.decode()
    assert "受理审核" in page
    r = head.post(f"/proposals/{p.pk}/review/", {"decision": "reject"}, follow=True)
    assert "必须写明理由" in r.content.decode()
    r = head.post(
        f"/proposals/{p.pk}/review/",
        {"decision": "accept", "reason": "列入下次议事会"},
        follow=True,
    )
    html = r.content.decode()
    assert Proposal.objects.get(pk=p.pk).state == S.ACCEPTED
    timeline = html[html.index('id="history"') :]
    for label in ("草稿", "征集中", "待受理", "已受理", "列入下次议事会"):
        assert label in timeline


def test_comment_reply_edit_delete_and_report_on_the_page(hall):
    hall.report_hide_threshold = 1
    hall.save()
    p = proposal(hall)
    a, b = member(hall), member(hall)
    ca, cb = logged_in(a), logged_in(b)
    ca.post(f"/proposals/{p.pk}/comments/", {"body": "我赞成", "stance": "for"})
    top = Comment.objects.get()
    cb.post(f"/proposals/{p.pk}/comments/", {"body": "我也是", "parent": top.pk})
    ca.post(f"/comments/{top.pk}/edit/", {"body": "我非常赞成"})
    page = cb.get(f"/proposals/{p.pk}/").content.decode()
    assert "我非常赞成" in page and "（已编辑）" in page and "我也是" in page
    ca.post(f"/comments/{top.pk}/delete/")
    page = cb.get(f"/proposals/{p.pk}/").content.decode()
    assert "此评论已被作者删除" in page and "我也是" in page
    reply = Comment.objects.get(parent=top)
    ca.post(f"/comments/{reply.pk}/report/", {"reason": "人身攻击"})
    page = cb.get(f"/proposals/{p.pk}/").content.decode()
    assert "因被举报已隐藏" in page


def test_moderation_queue_and_notification_centre(hall, people):
    hall.report_hide_threshold = 1
    hall.save()
    author = member(hall)
    p = proposal(hall)
    c = services.comment_post(author=author, proposal=p, body="违规内容")
    services.report_submit(reporter=people["member"], comment=c, reason="广告")
    assert logged_in(people["member"]).get(f"/halls/{hall.slug}/moderation/").status_code == 403
    mod = logged_in(people["moderator"])
    assert "违规内容" in mod.get(f"/halls/{hall.slug}/moderation/").content.decode()
    mod.post(f"/moderation/comment/{c.pk}/", {"decision": "remove", "reason": "广告"})
    assert "没有待审核" in mod.get(f"/halls/{hall.slug}/moderation/").content.decode()
    mine = logged_in(author)
    header = mine.get("/notifications/").content.decode()
    assert re.search(r'class="notif-count"[^>]*>1<', header) and "经审核已被移除" in header
    mine.post("/notifications/read/")
    assert re.search(
        r'class="notif-count zero"[^>]*>0<', mine.get("/notifications/").content.decode()
    )


def test_notification_settings_turn_a_kind_off(hall):
    author = member(hall)
    c = logged_in(author)
    data = {f"{k}__in_app": "on" for k in ("seconded", "replied", "mentioned", "state_changed")}
    c.post("/notifications/settings/", data)
    p = proposal(hall, author)
    services.comment_post(author=member(hall), proposal=p, body="评论")
    assert "notif-count zero" in c.get("/notifications/").content.decode()


def test_markdown_preview_is_sanitised(hall):
    c = logged_in(member(hall))
    r = c.post("/forum/preview/", {"text": "**好** <img src=x onerror=alert(1)>"})
    assert r.content.decode().startswith("<p><strong>好</strong> &lt;img")


def test_a_refused_action_goes_back_to_the_page_and_never_off_site(hall):
    p = proposal(hall)
    c = logged_in(p.author)
    r = c.post(f"/proposals/{p.pk}/second/", HTTP_REFERER=f"http://testserver/proposals/{p.pk}/")
    assert r.status_code == 302 and r.url == f"http://testserver/proposals/{p.pk}/"
    r = c.post(f"/proposals/{p.pk}/second/", {"next": "https://evil.example/"})
    assert r.url == "/"
    r = c.post("/notifications/read/", {"go": "/\\evil.example"})
    assert r.url == "/notifications/"


def test_the_proposal_list_page_takes_filters_in_other_digits_without_a_500(hall):
    r = Client().get(f"/halls/{hall.slug}/proposals/", {"brand": "²", "building": "³"})
    assert r.status_code == 200


def test_a_search_with_a_nul_character_is_no_500(hall):
    """PostgreSQL refuses a NUL in a query (a 500 under `make test-pg` before)."""
    proposal(hall, title="修复小区喷泉")
    r = Client().get(f"/halls/{hall.slug}/proposals/", {"q": "喷泉\x00"})
    assert r.status_code == 200 and "修复小区喷泉" in r.content.decode()


def test_form_posts_without_the_socket_say_what_they_did(hall, people):
    """Issue 13: the plain-form fallbacks came back with no message; now each says it."""
    p = proposal(hall, people["member"], state=S.COLLECTING)
    c = logged_in(people["member"])
    r = c.post(
        f"/proposals/{p.pk}/comments/", {"body": "我同意这个建议", "stance": "for"}, follow=True
    )
    assert "评论已发表。" in r.content.decode()
    comment = Comment.objects.get(proposal=p)
    other = logged_in(people["resident"])
    r = other.post(f"/comments/{comment.pk}/agree/", {"agree": "1"}, follow=True)
    assert "已表示认同。" in r.content.decode()
    r = other.post(f"/comments/{comment.pk}/agree/", {"agree": "0"}, follow=True)
    assert "已取消认同。" in r.content.decode()
    mod = logged_in(people["moderator"])
    r = mod.post(f"/proposals/{p.pk}/lock/", {"locked": "1"}, follow=True)
    assert "讨论已锁定，成员暂时不能发表评论。" in r.content.decode()
    r = mod.post(f"/proposals/{p.pk}/lock/", {"locked": "0"}, follow=True)
    assert "讨论已重新开放。" in r.content.decode()
    r = c.post("/notifications/read/", {}, follow=True)
    assert "全部通知已标为已读。" in r.content.decode()


def test_a_comment_without_a_stance_shows_no_stance_pill(hall):
    p = proposal(hall)
    a, b = member(hall), member(hall)
    logged_in(a).post(f"/proposals/{p.pk}/comments/", {"body": "我赞成", "stance": "for"})
    top = Comment.objects.get()
    logged_in(b).post(f"/proposals/{p.pk}/comments/", {"body": "我也是", "parent": top.pk})
    reply = Comment.objects.get(parent=top)
    page = logged_in(b).get(f"/proposals/{p.pk}/").content.decode()

    def head(c):  # the comment's own header: name, stance, time
        start = page.index(f'id="c{c.pk}"')
        return page[start : page.index("</header>", start)]

    assert 'class="badge stance stance-for">赞成</span>' in head(top)
    assert "stance" not in head(reply)  # no empty (hidden) pill for a screen reader to trip on
