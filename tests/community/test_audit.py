"""The audit log: sign-ins and failures, membership and role changes, moderation, exports."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from community import services
from community.models import AuditAction, AuditEntry, Membership
from community.roles import Role
from forum import services as forum_services
from forum.models import ModerationState, Proposal
from tests.community.factories import PASSWORD, BrowserClient, UserFactory, member
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_sign_ins_and_failures_are_logged_with_the_address_never_the_password():
    user = UserFactory(username="wangayi")
    c = BrowserClient(REMOTE_ADDR="192.0.2.7")
    c.post("/accounts/login/", {"username": "wangayi", "password": "wrong-password-1"})
    c.post("/accounts/login/", {"username": "wangayi", "password": PASSWORD})
    assert actions() == [AuditAction.LOGIN_FAILED, AuditAction.LOGIN]
    failed, ok = AuditEntry.objects.order_by("pk")
    assert failed.target == "wangayi" and failed.ip_address == "192.0.2.7"
    assert ok.actor == user and "wrong-password" not in failed.detail + failed.target


def test_membership_and_role_changes_are_logged_for_the_hall(hall):
    head = member(hall, Role.HEAD, display_name="黄秀芬")
    applicant = UserFactory(display_name="美玲")
    m = services.membership_request(user=applicant, hall=hall, message="我是新住户")
    services.membership_approve(actor=head, membership=m)
    services.membership_set_roles(
        actor=head, membership=Membership.objects.get(pk=m.pk), roles=[Role.VOLUNTEER]
    )
    entries = AuditEntry.objects.filter(hall=hall).order_by("pk")
    assert [e.action for e in entries] == ["membership", "membership", "roles"]
    assert (
        entries[1].actor == head and "美玲" in entries[1].target and "已加入" in entries[1].detail
    )


def test_moderation_by_a_superuser_on_anothers_content_is_flagged(hall):
    root = UserFactory(is_superuser=True)
    p = proposal(hall, title="楼道杂物")
    Proposal.objects.filter(pk=p.pk).update(moderation=ModerationState.HIDDEN)
    forum_services.moderation_decide(actor=root, decision="remove", reason="广告", proposal=p)
    entry = AuditEntry.objects.get(action=AuditAction.MODERATION)
    assert entry.superuser_acting and entry.hall == hall and "广告" in entry.detail


def test_heads_read_the_log_others_are_refused(hall):
    head = member(hall, Role.HEAD)
    services.membership_request(user=UserFactory(display_name="美玲"), hall=hall)
    c = BrowserClient()
    c.force_login(head)
    page = c.get(f"/halls/{hall.slug}/audit/")
    assert page.status_code == 200 and "美玲" in page.content.decode()
    c.force_login(member(hall, Role.MODERATOR))
    assert c.get(f"/halls/{hall.slug}/audit/").status_code == 403


def test_the_taizhang_export_is_logged(hall):
    head = member(hall, Role.HEAD)
    c = BrowserClient()
    c.force_login(head)
    assert c.get(f"/halls/{hall.slug}/taizhang/xlsx/", {"month": "2026-10"}).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == head and "2026-10" in entry.target


def test_entries_are_kept_six_months_and_pruned_after(hall, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # below the floor: six months are kept anyway
    old = AuditEntry.objects.create(
        action=AuditAction.LOGIN, at=timezone.now() - timedelta(days=190)
    )
    recent = AuditEntry.objects.create(
        action=AuditAction.LOGIN, at=timezone.now() - timedelta(days=170)
    )
    call_command("prune_audit")
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


def test_the_admin_cannot_change_or_delete_entries(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    e = AuditEntry.objects.create(action=AuditAction.LOGIN, actor_label="x")
    assert client.get(f"/admin/community/auditentry/{e.pk}/delete/").status_code == 403
    assert client.get("/admin/community/auditentry/").status_code == 200
