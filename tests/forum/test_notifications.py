"""The notification service: channels, the daily text cap, failures, the digest, and the events
of memberships, meetings and online ballots (who is told, once)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from community import services as community_services
from community import sms
from community.models import Membership, MembershipStatus
from community.roles import Role
from community.sms import SmsError
from deliberation.meetings import notifications as meeting_notices
from deliberation.models import Participation
from deliberation.votes import notifications as ballot_notices
from deliberation.votes import services as sv
from forum.models import Delivery, Notification, NotificationKind, NotificationSettings
from forum.notifications import digest_send, notify
from tests.community.factories import UserFactory, client_for, member
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting
from tests.deliberation.votes.factories import make_ballot

pytestmark = pytest.mark.django_db


class BrokenBackend:
    def send(self, message):
        raise SmsError("短信平台余额不足")


@pytest.fixture
def outbox(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    mail.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_texts_stop_at_the_daily_cap_and_the_rest_stay_in_app(
    hall, outbox, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_SMS_DAILY_CAP = 3
    person = member(hall, phone="13900000001", phone_verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            notify(recipients=[person], kind=NotificationKind.BALLOT, text=f"第{n}件", key=f"t:{n}")
    assert [m.text for m in outbox] == [f"【芳华议事厅】第{n}件" for n in range(3)]
    states = list(Notification.objects.filter(recipient=person).order_by("pk").values_list("sms"))
    assert states == [("sent",)] * 3 + [("capped",)] * 2
    assert Notification.objects.filter(recipient=person, read_at__isnull=True).count() == 5


def test_no_phone_no_text_and_a_failed_text_keeps_the_row(
    hall, outbox, settings, django_capture_on_commit_callbacks
):
    no_phone, phone = (
        member(hall),
        member(hall, phone="13900000002", phone_verified_at=timezone.now()),
    )
    settings.SMS_BACKEND = f"{__name__}.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[no_phone, phone], kind=NotificationKind.MEETING, text="开会", key="m:1")
    assert Notification.objects.get(recipient=no_phone).sms == ""
    row = Notification.objects.get(recipient=phone)
    assert row.sms == Delivery.FAILED and row.text == "开会" and row.read_at is None


def test_nothing_is_sent_for_a_rolled_back_transaction(hall, outbox):
    person = member(
        hall, phone="13900000003", phone_verified_at=timezone.now(), email="p@example.com"
    )
    notify(recipients=[person], kind=NotificationKind.MEETING, text="开会", key="m:2")
    # (the test's transaction never commits: no on-commit send)
    assert outbox == [] and mail.outbox == []
    assert Notification.objects.get(recipient=person).sms == Delivery.PENDING


def test_the_daily_digest_sends_one_mail_a_day_instead_of_single_ones(
    hall, outbox, django_capture_on_commit_callbacks
):
    person = member(hall, email="digest@example.com")
    NotificationSettings.objects.create(user=person, email_mode="digest")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            notify(
                recipients=[person], kind=NotificationKind.TASK, text=f"任务{n}", url="/tasks/1/"
            )
    assert mail.outbox == []
    call_command("send_digest", stdout=io.StringIO())
    (digest,) = mail.outbox
    assert digest.to == ["digest@example.com"] and "3 条" in digest.subject
    assert all(f"任务{n}" in digest.body for n in range(3))
    notify(recipients=[person], kind=NotificationKind.TASK, text="任务3")
    call_command("send_digest", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # once a day
    assert digest_send(user=person, today=timezone.localdate() + timedelta(days=1)) == 1
    assert "任务3" in mail.outbox[-1].body


def test_heads_hear_of_an_application_and_the_applicant_of_the_decision(hall):
    head = member(hall, Role.HEAD)
    applicant = UserFactory(display_name="新居民")
    m = community_services.membership_request(user=applicant, hall=hall, message="我住3栋")
    told = Notification.objects.get(recipient=head, kind=NotificationKind.MEMBERSHIP)
    assert "新居民" in told.text and "申请加入" in told.text
    assert told.url == f"/halls/{hall.slug}/members/"
    community_services.membership_approve(actor=head, membership=m)
    mine = Notification.objects.get(recipient=applicant, kind=NotificationKind.MEMBERSHIP)
    assert "已获批准" in mine.text
    other = UserFactory()
    m2 = community_services.membership_request(user=other, hall=hall)
    community_services.membership_decline(actor=head, membership=m2, reason="不住本小区")
    declined = Notification.objects.get(recipient=other, kind=NotificationKind.MEMBERSHIP)
    assert "未获通过" in declined.text and "不住本小区" in declined.text
    assert Membership.objects.get(pk=m2.pk).status == MembershipStatus.DECLINED


def test_members_hear_of_a_rescheduled_and_a_cancelled_meeting_once_each(hall):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    zhang = people["zhang"]
    assert Notification.objects.filter(recipient=zhang, kind="meeting").count() == 1
    was = meeting.starts_at
    meeting.starts_at = was + timedelta(days=7)
    for _ in range(2):
        meeting_notices.meeting_changed_notice(
            meeting=meeting, change="rescheduled", reason="活动室装修", was=was
        )
    moved = Notification.objects.filter(recipient=zhang, text__startswith="会议改期")
    assert moved.count() == 1 and "活动室装修" in moved.get().text
    meeting_notices.meeting_changed_notice(meeting=meeting, change="cancelled", reason="台风")
    meeting_notices.meeting_changed_notice(meeting=meeting, change="cancelled", reason="台风")
    assert Notification.objects.filter(recipient=zhang, text__startswith="会议取消").count() == 1


def test_electors_hear_of_an_online_ballot_and_those_who_have_not_voted_are_reminded_once(hall):
    mod = member(hall, Role.MODERATOR)
    voted, waiting = member(hall), member(hall)
    ballot = make_ballot(hall, mod)
    for person in (voted, waiting):
        n = Notification.objects.get(recipient=person, kind=NotificationKind.BALLOT)
        assert "可以投票了" in n.text and n.url == f"/ballots/{ballot.pk}/"
    assert not Notification.objects.filter(recipient=mod, kind=NotificationKind.BALLOT).exists()
    sv.ballot_cast(voter=voted, ballot=ballot, choices=["for"])
    assert Participation.objects.filter(ballot=ballot, user=voted).exists()
    soon = timezone.now() + timedelta(hours=13)  # opened 13 h ago, ends in 11 h
    assert ballot_notices.ballot_reminders_send(now=soon) == [ballot]
    assert ballot_notices.ballot_reminders_send(now=soon) == []
    reminded = Notification.objects.filter(kind=NotificationKind.BALLOT, text__contains="投票提醒")
    # (the moderator is an elector too, and has not voted)
    assert set(reminded.values_list("recipient_id", flat=True)) == {waiting.pk, mod.pk}


def test_the_settings_page_shows_the_text_column_and_saves_it(hall):
    person = member(hall)
    c = client_for(person)
    page = c.get("/notifications/settings/").content.decode()
    assert "短信：开" in page and "会议安排、改期与取消" in page and "每天汇总成一封邮件" in page
    assert 'name="meeting_reminder__sms" checked' in page.replace(
        ' id="id_meeting_reminder__sms"', ""
    )
    assert 'name="commented__sms" checked' not in page
    c.post(
        "/notifications/settings/",
        {"commented__sms": "on", "commented__in_app": "on", "email_mode": "digest"},
    )
    with_phone = person
    with_phone.phone, with_phone.phone_verified_at = "13900000009", timezone.now()
    with_phone.save()
    notify(recipients=[person], kind=NotificationKind.COMMENTED, text="有人评论")
    notify(recipients=[person], kind=NotificationKind.MEETING, text="开会")
    rows = dict(Notification.objects.filter(recipient=person).values_list("text", "sms"))
    assert rows == {"有人评论": "pending", "开会": ""}
    assert NotificationSettings.objects.get(user=person).email_mode == "digest"


def test_send_reminders_reminds_members_of_tomorrows_meeting_once(hall):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    tomorrow = timezone.localtime() + timedelta(days=1)
    type(meeting).objects.filter(pk=meeting.pk).update(
        starts_at=tomorrow.replace(hour=19, minute=0),
        created_at=timezone.now() - timedelta(days=2),
    )
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    call_command("send_reminders", stdout=out)
    reminded = Notification.objects.filter(kind=NotificationKind.MEETING_REMINDER)
    assert reminded.filter(recipient=people["zhang"]).count() == 1
    assert "明天" in reminded.filter(recipient=people["zhang"]).get().text
    assert reminded.count() == len(people)


def test_a_number_not_yet_verified_gets_no_text(hall, outbox, django_capture_on_commit_callbacks):
    """A number typed into an old profile, never proved with a code, is nobody's to text."""
    person = member(hall, phone="13900000077")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[person], kind=NotificationKind.MEETING, text="开会", key="m:unverified")
    assert outbox == []
    assert Notification.objects.get(recipient=person).sms == ""
