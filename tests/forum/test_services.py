"""Review, merge, discussion, moderation, rate limits and notifications through the services."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.roles import Role
from forum import services
from forum.models import (
    Comment,
    CommentRevision,
    Follow,
    ModerationState,
    Notification,
    NotificationPreference,
    Proposal,
    ProposalState,
    Second,
)
from forum.notifications import notifications_mark_read, unread_count
from tests.community.factories import ServiceBrandFactory, jpeg_with_gps, member
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db
S = ProposalState


# --- proposals


def test_a_resident_writes_a_draft_with_photos_then_publishes(hall):
    brand = ServiceBrandFactory(hall=hall, name="花满名苑")
    author = member(hall)  # a resident, not a member: residents may propose (domain.md)
    p = services.proposal_create(
        author=author,
        hall=hall,
        title="修复中心花园喷泉",
        body="喷泉**坏了**",
        brand=brand,
        images=[
            SimpleUploadedFile("a.jpg", jpeg_with_gps()),
            SimpleUploadedFile("b.jpg", jpeg_with_gps()),
        ],
    )
    assert p.state == S.DRAFT and p.published_at is None
    assert p.images.count() == 2
    stored = Image.open(p.images.first().image.path)
    assert len(stored.getexif()) == 0
    services.proposal_publish(actor=author, proposal=p)
    p.refresh_from_db()
    assert p.state == S.COLLECTING and p.published_at is not None
    assert list(p.events.values_list("to_state", flat=True)) == [S.DRAFT, S.COLLECTING]


def test_proposal_input_is_checked(hall):
    author = member(hall)
    with pytest.raises(ValidationError) as exc:
        services.proposal_create(author=author, hall=hall, title="", body="")
    assert set(exc.value.message_dict) == {"title", "body"}
    with pytest.raises(ValidationError) as exc:
        services.proposal_create(
            author=author, hall=hall, title="t", body="b",
            images=[SimpleUploadedFile(f"{i}.jpg", jpeg_with_gps()) for i in range(7)],
        )  # fmt: skip
    assert "images" in exc.value.message_dict
    with pytest.raises(ValidationError, match="不是有效的图片"):
        services.proposal_create(
            author=author, hall=hall, title="t", body="b",
            images=[SimpleUploadedFile("x.jpg", b"not an image at all" * 10)],
        )  # fmt: skip
    assert not Proposal.objects.exists()


def test_outsiders_cannot_propose(hall, people):
    for who in ("outsider", "applicant"):
        with pytest.raises(PermissionDenied):
            services.proposal_create(author=people[who], hall=hall, title="t", body="b")


def test_accept_and_reject_notify_author_and_followers(hall, people):
    author, fan = member(hall), member(hall)
    p = proposal(hall, author)
    services.proposal_second(user=fan, proposal=p)
    with pytest.raises(ValidationError, match="理由"):
        services.proposal_review(actor=people["executive"], proposal=p, decision="reject")
    with pytest.raises(PermissionDenied):
        services.proposal_review(actor=people["member"], proposal=p, decision="reject", reason="x")
    services.proposal_review(
        actor=people["head"], proposal=p, decision="reject", reason="属于物业维修范围，已转物业。"
    )
    p.refresh_from_db()
    assert p.state == S.REJECTED and p.review_reason == "属于物业维修范围，已转物业。"
    for person in (author, fan):
        n = Notification.objects.filter(recipient=person, kind="state_changed", proposal=p).latest(
            "pk"
        )
        assert "不予受理" in n.text and "物业" in n.text
    q = proposal(hall, author, state=S.AWAITING_REVIEW)
    services.proposal_review(actor=people["executive"], proposal=q, decision="accept")
    assert Proposal.objects.get(pk=q.pk).state == S.ACCEPTED


def test_accepting_a_collecting_proposal_is_refused_clearly(hall, people):
    p = proposal(hall)
    with pytest.raises(ValidationError, match="征集中"):
        services.proposal_review(actor=people["head"], proposal=p, decision="accept")
    assert Proposal.objects.get(pk=p.pk).state == S.COLLECTING


def test_merge_carries_seconds_and_followers(hall, people):
    hall.seconding_threshold = 4
    hall.save()
    a_author, b_author = member(hall), member(hall)
    a, b = proposal(hall, a_author, title="楼道杂物"), proposal(hall, b_author, title="楼道堆物")
    x, y, z = member(hall), member(hall), member(hall)
    services.proposal_second(user=x, proposal=a)
    services.proposal_second(user=y, proposal=a)
    services.proposal_second(user=x, proposal=b)  # seconds both: counts once on the target
    services.proposal_second(user=z, proposal=b)
    services.proposal_merge(actor=people["executive"], proposal=b, into=a, note="同一件事")
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.state == S.MERGED and b.merged_into_id == a.pk
    # x, y, z, and b's author now second a → 4 reaches the threshold
    assert set(Second.objects.filter(proposal=a).values_list("user_id", flat=True)) == {
        x.pk,
        y.pk,
        z.pk,
        b_author.pk,
    }
    assert a.second_count == 4 and a.state == S.AWAITING_REVIEW
    assert Follow.objects.filter(proposal=a, user=b_author).exists()
    assert Notification.objects.filter(
        recipient=b_author, proposal=b, kind="state_changed"
    ).exists()
    assert "合并" in a.events.filter(from_state=S.COLLECTING, to_state=S.COLLECTING).get().note
    with pytest.raises(ValidationError):
        services.proposal_merge(actor=people["head"], proposal=a, into=a)


# --- discussion


def test_comments_nest_to_a_readable_depth_and_stance_is_top_level_only(hall):
    p = proposal(hall)
    a, b = member(hall), member(hall)
    top = services.comment_post(author=a, proposal=p, body="赞成", stance="for")
    r1 = services.comment_post(author=b, proposal=p, body="r1", parent=top, stance="against")
    r2 = services.comment_post(author=a, proposal=p, body="r2", parent=r1)
    r3 = services.comment_post(author=b, proposal=p, body="r3", parent=r2)
    assert (top.depth, r1.depth, r2.depth, r3.depth) == (0, 1, 2, 2)
    assert r3.parent_id == r1.pk  # attached at the deepest level
    assert r1.stance == ""
    p.refresh_from_db()
    assert p.comment_count == 4


def test_replies_and_mentions_notify_once_each(hall):
    author = member(hall, display_name="黄秀芬")
    wang = member(hall, display_name="王阿姨")
    zhang = member(hall, display_name="张奶奶")
    p = proposal(hall, author)
    c = services.comment_post(author=wang, proposal=p, body="我同意")
    assert Notification.objects.get(recipient=author).kind == "commented"
    services.comment_post(author=zhang, proposal=p, body="@王阿姨说得对，@黄秀芬你看呢", parent=c)
    kinds = {n.recipient_id: n.kind for n in Notification.objects.filter(comment__author=zhang)}
    assert kinds == {wang.pk: "mentioned", author.pk: "mentioned"}
    services.comment_post(author=zhang, proposal=p, body="补充一句", parent=c)
    assert Notification.objects.filter(recipient=wang, kind="replied").count() == 1


def test_edit_keeps_history_and_delete_keeps_replies(hall):
    p = proposal(hall)
    a, b = member(hall), member(hall)
    c = services.comment_post(author=a, proposal=p, body="第一版")
    reply = services.comment_post(author=b, proposal=p, body="回复", parent=c)
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=b, comment=c, body="改别人的")
    services.comment_edit(actor=a, comment=c, body="第二版")
    c.refresh_from_db()
    assert c.body == "第二版" and c.edited_at is not None
    assert list(CommentRevision.objects.filter(comment=c).values_list("body", flat=True)) == [
        "第一版"
    ]
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=b, comment=c)
    services.comment_delete(actor=a, comment=c)
    c.refresh_from_db()
    assert c.is_deleted and Comment.objects.filter(pk=reply.pk).exists()


def test_agree_once_and_take_back(hall):
    p = proposal(hall)
    a, b, c = member(hall), member(hall), member(hall)
    comment = services.comment_post(author=a, proposal=p, body="好主意")
    services.comment_react(user=b, comment=comment, agree=True)
    services.comment_react(user=b, comment=comment, agree=True)
    services.comment_react(user=c, comment=comment, agree=True)
    assert Comment.objects.get(pk=comment.pk).agree_count == 2
    services.comment_react(user=b, comment=comment, agree=False)
    assert Comment.objects.get(pk=comment.pk).agree_count == 1
    with pytest.raises(ValidationError):
        services.comment_react(user=a, comment=comment)


def test_a_hidden_proposals_comments_take_no_reactions_nor_edits(hall):
    p = proposal(hall)
    a, b = member(hall), member(hall)
    comment = services.comment_post(author=a, proposal=p, body="好主意")
    Proposal.objects.filter(pk=p.pk).update(moderation=ModerationState.HIDDEN)
    with pytest.raises(ValidationError, match="审核中"):
        services.comment_react(user=b, comment=comment, agree=True)
    with pytest.raises(ValidationError, match="审核中"):
        services.comment_edit(actor=a, comment=comment, body="改过的")
    comment.refresh_from_db()
    assert (comment.agree_count, comment.body) == (0, "好主意")


def test_drafts_and_locked_threads_take_no_comments(hall, people):
    draft = proposal(hall, state=S.DRAFT)
    with pytest.raises(ValidationError, match="草稿"):
        services.comment_post(author=people["member"], proposal=draft, body="x")
    p = proposal(hall)
    with pytest.raises(PermissionDenied):
        services.thread_lock(actor=people["member"], proposal=p, locked=True)
    services.thread_lock(actor=people["moderator"], proposal=p, locked=True)
    with pytest.raises(ValidationError, match="锁定"):
        services.comment_post(author=people["member"], proposal=p, body="x")
    with pytest.raises(PermissionDenied):
        services.comment_post(author=people["outsider"], proposal=proposal(hall), body="x")


# --- moderation


def test_reports_hide_at_the_threshold_and_moderators_decide(hall, people):
    hall.report_hide_threshold = 2
    hall.save()
    author = member(hall)
    p = proposal(hall)
    c = services.comment_post(author=author, proposal=p, body="广告")
    r1, r2 = member(hall), member(hall)
    services.report_submit(reporter=r1, comment=c, reason="广告")
    with pytest.raises(ValidationError, match="已经举报"):
        services.report_submit(reporter=r1, comment=c, reason="广告")
    assert Comment.objects.get(pk=c.pk).moderation == ModerationState.VISIBLE
    services.report_submit(reporter=r2, comment=c, reason="广告")
    assert Comment.objects.get(pk=c.pk).moderation == ModerationState.HIDDEN
    with pytest.raises(PermissionDenied):
        services.moderation_decide(actor=people["member"], decision="remove", reason="x", comment=c)
    with pytest.raises(ValidationError, match="理由"):
        services.moderation_decide(actor=people["moderator"], decision="remove", comment=c)
    services.moderation_decide(
        actor=people["moderator"], decision="remove", reason="商业广告", comment=c
    )
    assert Comment.objects.get(pk=c.pk).moderation == ModerationState.REMOVED
    n = Notification.objects.get(recipient=author, kind="moderation")
    assert "商业广告" in n.text
    with pytest.raises(ValidationError, match="不在待审核"):
        services.moderation_decide(actor=people["head"], decision="restore", comment=c)


def test_a_hidden_proposal_leaves_the_list_and_can_be_restored(hall, people):
    from forum.selectors import proposal_list

    hall.report_hide_threshold = 1
    hall.save()
    p = proposal(hall)
    services.report_submit(reporter=people["member"], proposal=p, reason="重复")
    assert not proposal_list(user=people["resident"], hall=hall).filter(pk=p.pk).exists()
    services.moderation_decide(actor=people["head"], decision="restore", proposal=p)
    assert proposal_list(user=people["resident"], hall=hall).filter(pk=p.pk).exists()


# --- rate limits


def test_posting_seconding_reporting_are_rate_limited(hall, settings):
    settings.FORUM_RATE_LIMITS = {"comment": (2, 60), "proposal": (1, 3600), "second": (1, 60)}
    a = member(hall)
    p = proposal(hall)
    services.comment_post(author=a, proposal=p, body="1")
    services.comment_post(author=a, proposal=p, body="2")
    with pytest.raises(ValidationError, match="太频繁") as exc:
        services.comment_post(author=a, proposal=p, body="3")
    assert exc.value.code == "rate_limited"
    services.proposal_create(author=a, hall=hall, title="t", body="b")
    with pytest.raises(ValidationError, match="太频繁"):
        services.proposal_create(author=a, hall=hall, title="t2", body="b")
    services.proposal_second(user=a, proposal=p)
    with pytest.raises(ValidationError, match="太频繁"):
        services.proposal_second(user=a, proposal=proposal(hall))


# --- notifications


def test_notification_centre_preferences_and_email(hall):
    author = member(hall)
    author.email = "author@example.com"
    author.save()
    fan = member(hall)
    p = proposal(hall, author)
    mail.outbox.clear()
    services.proposal_second(user=fan, proposal=p)
    assert unread_count(author) == 1
    assert len(mail.outbox) == 0  # sent on commit; the test transaction never commits
    NotificationPreference.objects.create(user=author, kind="commented", in_app=False, email=False)
    services.comment_post(author=fan, proposal=p, body="x")
    assert unread_count(author) == 1  # commented notifications turned off
    assert notifications_mark_read(user=author) == 1
    assert unread_count(author) == 0


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_after_commit_to_people_with_an_address(hall):
    author = member(hall, Role.MEMBER, email="author@example.com")
    no_mail = member(hall)
    fan = member(hall)
    p = proposal(hall, author)
    q = proposal(hall, no_mail)
    mail.outbox.clear()
    services.proposal_second(user=fan, proposal=p)
    services.proposal_second(user=fan, proposal=q)
    assert [m.to for m in mail.outbox] == [["author@example.com"]]
    assert "附议" in mail.outbox[0].subject
