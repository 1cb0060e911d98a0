"""One proposal from posting to evaluation, through the services: who was told what, and how.

The author and the seconders hear of every step (with the link); a member who took no part hears
of the meeting and its reminder, never of the proposal; e-mails and texts follow each person's
choices after commit; nobody is told twice, whatever is called again.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from community import sms
from community.roles import Role
from deliberation.meetings import ballots as mv
from deliberation.meetings import notifications as meeting_notices
from deliberation.meetings import services as ms
from deliberation.models import Meeting, Rating, ResultPublication
from deliberation.results import evaluation
from deliberation.tasks import services as task_services
from deliberation.votes import services as sv
from forum import services as fs
from forum.models import Notification, NotificationKind, NotificationPreference, ProposalEvent
from forum.notifications import proposal_state_notice
from tests.community.factories import BuildingFactory, member

pytestmark = pytest.mark.django_db

STEPS = ["待受理", "已受理", "列入议程", "议事中", "已表决", "公示中", "落实中", "已办结", "已评议"]


@pytest.fixture
def locmem_sms(settings):
    settings.SMS_BACKEND = "locmem"
    settings.NOTIFY_SMS_DAILY_CAP = 50
    sms.outbox.clear()
    mail.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _states(user, proposal) -> list[str]:
    return list(
        Notification.objects.filter(
            recipient=user, proposal=proposal, kind=NotificationKind.STATE_CHANGED
        )
        .order_by("pk")
        .values_list("text", flat=True)
    )


def _walk(hall, django_capture_on_commit_callbacks):
    hall.seconding_threshold = 2
    hall.save(update_fields=["seconding_threshold"])
    building = BuildingFactory(compound=hall.compound, name="3栋")
    p = {
        "head": member(hall, Role.HEAD, display_name="黄秀芬"),
        "moderator": member(hall, Role.MODERATOR, display_name="陈红"),
        "recorder": member(hall, Role.RECORDER, display_name="林芳"),
        "author": member(
            hall,
            display_name="张奶奶",
            email="zhang@example.com",
            phone="13800000001",
            phone_verified_at=timezone.now(),
        ),
        "wang": member(
            hall,
            display_name="王阿姨",
            email="wang@example.com",
            phone="13800000002",
            phone_verified_at=timezone.now(),
        ),
        "liu": member(hall, display_name="刘叔叔"),
        "li": member(
            hall,
            Role.VOLUNTEER,
            display_name="李萍",
            phone="13800000003",
            phone_verified_at=timezone.now(),
        ),
        "bystander": member(
            hall,
            display_name="赵大爷",
            email="zhao@example.com",
            phone="13800000004",
            phone_verified_at=timezone.now(),
        ),
    }
    hall.memberships.filter(user__in=[p["author"], p["wang"], p["liu"]]).update(building=building)
    # 王阿姨 wants a text at every step of the proposals she backs.
    NotificationPreference.objects.create(
        user=p["wang"], kind=NotificationKind.STATE_CHANGED, in_app=True, email=False, sms=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        proposal = fs.proposal_create(
            author=p["author"], hall=hall, title="修复小区喷泉", body="喷泉坏了两年。",
            building=building, publish_now=True,
        )  # fmt: skip
        fs.proposal_second(user=p["wang"], proposal=proposal)
        fs.proposal_second(user=p["liu"], proposal=proposal)
        fs.proposal_review(actor=p["head"], proposal=proposal, decision="accept")
        tomorrow = timezone.localdate() + timedelta(days=1)
        meeting = ms.meeting_schedule(
            actor=p["head"], hall=hall, title="十月议事会",
            starts_at=timezone.make_aware(datetime.combine(tomorrow, time(19, 0))),
            venue="妇女微家活动室", moderator=p["moderator"], recorder=p["recorder"],
            proposals=[proposal],
        )  # fmt: skip
    # The next morning's cron: the meeting was scheduled yesterday, it is tomorrow.
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_notices.meeting_reminders_send() == [meeting]
        assert meeting_notices.meeting_reminders_send() == []  # sent once
        mod = p["moderator"]
        ms.meeting_open(actor=mod, meeting=meeting)
        for name in ("wang", "liu", "li", "author", "head", "bystander", "recorder"):
            ms.meeting_check_in_member(actor=mod, meeting=meeting, user_id=p[name].pk)
        ms.meeting_open_item(actor=mod, meeting=meeting)
        mv.meeting_ballot_open(actor=mod, meeting=meeting, secret=True)
        for name, choice in (("wang", "for"), ("li", "for"), ("author", "for"), ("liu", "for")):
            mv.meeting_ballot_cast(voter=p[name], meeting=meeting, choices=[choice])
        ballot = mv.meeting_ballot_close(actor=mod, meeting=meeting)
        ms.meeting_close(actor=mod, meeting=meeting)
        now = timezone.now()
        published = now - timedelta(days=hall.notice_period_days + 1)
        resolution = sv.resolution_publish(
            actor=p["head"], ballot=ballot, title="修复喷泉", text="由物业维修。", now=published
        )
        sv.resolution_settle(resolution=resolution, now=now)
        resolution.refresh_from_db()
        task = task_services.task_create(
            actor=p["head"], resolution=resolution, title="更换喷泉水泵", owner=p["li"],
            building=building, due_on=date.today() + timedelta(days=10),
        )  # fmt: skip
        task_services.task_start(actor=p["li"], task=task)
        task_services.task_report_progress(actor=p["li"], task=task, body="水泵已到货。")
        task_services.task_complete(actor=p["li"], task=task)
        result = ResultPublication.objects.get(resolution=resolution)
        for name in ("wang", "liu", "author"):
            evaluation.evaluation_submit(user=p[name], result=result, rating=Rating.SATISFIED)
        evaluation.evaluation_close(
            result=result, now=result.evaluation_ends_at + timedelta(seconds=1)
        )
    proposal.refresh_from_db()
    return p, proposal, meeting, task, result


def test_every_step_tells_the_author_and_seconders_and_no_one_else(
    hall, locmem_sms, django_capture_on_commit_callbacks
):
    p, proposal, meeting, _task, _result = _walk(hall, django_capture_on_commit_callbacks)
    assert proposal.state == "archived"
    link = f"/proposals/{proposal.pk}/"
    for who in ("author", "wang", "liu"):
        texts = _states(p[who], proposal)
        found = [step for step in STEPS if any(f"状态变为：{step}" in t for t in texts)]
        assert found == STEPS, (who, texts)
        assert all(
            n.url == link for n in Notification.objects.filter(recipient=p[who], proposal=proposal)
        )
    voted = next(t for t in _states(p["author"], proposal) if "已表决" in t)
    assert "结果：通过" in voted
    # The author was told of the seconds too; the bystander of nothing about the proposal.
    assert Notification.objects.filter(recipient=p["author"], kind="seconded").count() == 2
    assert not Notification.objects.filter(recipient=p["bystander"], proposal=proposal).exists()
    # Every member heard of the meeting and was reminded the day before, the bystander too.
    for who in ("author", "wang", "liu", "li", "bystander"):
        kinds = Counter(
            Notification.objects.filter(
                recipient=p[who], url=f"/meetings/{meeting.pk}/"
            ).values_list("kind", flat=True)
        )
        assert kinds == {"meeting": 1, "meeting_reminder": 1}, who
    assert not Notification.objects.filter(
        recipient=p["head"], kind="meeting"
    ).exists()  # she scheduled it
    # The task owner heard of the assignment; the residents of 3栋 of the published result.
    assert Notification.objects.filter(recipient=p["li"], kind="task", text__contains="执行负责人")
    for who in ("author", "wang", "liu"):
        assert Notification.objects.filter(recipient=p[who], kind="result").count() == 1
    assert not Notification.objects.filter(recipient=p["bystander"], kind="result").exists()


def test_channels_follow_each_persons_choice_after_commit(
    hall, locmem_sms, django_capture_on_commit_callbacks
):
    p, _proposal, _meeting, _task, _result = _walk(hall, django_capture_on_commit_callbacks)
    texts = Counter(m.to for m in locmem_sms)
    # Texts by default only for the meeting and its reminder (the author and the bystander);
    # 王阿姨 chose texts for her proposals' steps as well.
    by_author = [m.text for m in locmem_sms if m.to == "13800000001"]
    assert len(by_author) == 2 and all("十月议事会" in t for t in by_author)
    assert any("开会提醒" in t and "明天" in t for t in by_author)
    assert texts["13800000004"] == 2
    wang = [m.text for m in locmem_sms if m.to == "13800000002"]
    assert all(any(f"状态变为：{step}" in t for t in wang) for step in STEPS)
    assert all(t.startswith("【芳华议事厅】") for t in wang)
    # E-mails by default for every kind, to people with an address; not to 王阿姨 for steps.
    to_author = [m.subject for m in mail.outbox if m.to == ["zhang@example.com"]]
    assert any("列入议程" in s for s in to_author) and any("附议" in s for s in to_author)
    assert not any("状态变为" in m.subject for m in mail.outbox if m.to == ["wang@example.com"])
    # Every row says what became of it.
    row = Notification.objects.get(recipient=p["author"], kind="meeting")
    assert (row.email, row.sms) == ("sent", "sent")
    quiet = Notification.objects.filter(recipient=p["liu"]).first()
    assert (quiet.email, quiet.sms) == ("", "")


def test_repeated_calls_tell_nobody_twice(hall, locmem_sms, django_capture_on_commit_callbacks):
    p, proposal, meeting, _task, _result = _walk(hall, django_capture_on_commit_callbacks)
    seconded = ProposalEvent.objects.get(proposal=proposal, to_state="awaiting_review")
    before, sent = Notification.objects.count(), len(locmem_sms)
    with django_capture_on_commit_callbacks(execute=True):
        # (the steps since the seconds: the seconders followed the proposal from then on)
        for event in ProposalEvent.objects.filter(proposal=proposal, pk__gte=seconded.pk):
            proposal_state_notice(proposal=proposal, event=event, actor=event.actor)
        meeting_notices.meeting_scheduled_notice(meeting=meeting, actor=p["head"])
        meeting_notices.meeting_reminders_send()
    assert Notification.objects.count() == before and len(locmem_sms) == sent
    keys = Notification.objects.exclude(key="").values_list("recipient_id", "key")
    assert len(keys) == len(set(keys))
