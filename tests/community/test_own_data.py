"""A resident's own data (PIPL Art. 44–50): see and download it, correct it, delete the account."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community import privacy
from community.models import Membership, MembershipStatus, PrivacyAcceptance, User
from community.roles import Role
from forum import services as forum_services
from forum.models import Comment, Notification
from tests.community.factories import PASSWORD, BrowserClient, BuildingFactory, member
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(hall):
    user = member(hall, Role.MEMBER, display_name="张奶奶", phone="13800000000")
    p = proposal(hall, user, title="楼道装扶手")
    other = proposal(hall, title="喷泉维修")
    forum_services.comment_post(author=user, proposal=other, body="我家孙子也说好")
    forum_services.proposal_second(user=user, proposal=other)
    return {"user": user, "proposal": p}


def test_a_resident_sees_and_downloads_everything_held_about_her(hall, zhang):
    c = BrowserClient()
    c.force_login(zhang["user"])
    page = c.get(reverse("my_data")).content.decode()
    for text in ("张奶奶", "13800000000", "楼道装扶手", "我家孙子也说好", "喷泉维修", hall.name):
        assert text in page
    r = c.get(reverse("my_data_json"))
    assert r["Content-Disposition"].startswith("attachment")
    data = json.loads(r.content)
    titles = [s["title"] for s in data["sections"]]
    assert "我提出的议题" in titles and "表决参与" in titles and "会议签到" in titles
    assert "我家孙子也说好" in r.content.decode()


def test_she_corrects_her_profile_and_bad_input_changes_nothing(hall, zhang):
    c = BrowserClient()
    c.force_login(zhang["user"])
    b3 = BuildingFactory(compound=hall.compound, name="3栋")
    r = c.post(
        reverse("my_profile"),
        {"display_name": "张秀兰", "phone": "13900000000", "email": "", "building": b3.pk},
    )
    assert r.status_code == 302
    user = User.objects.get(pk=zhang["user"].pk)
    assert (user.display_name, user.phone, user.building) == ("张秀兰", "13900000000", b3)
    bad = c.post(reverse("my_profile"), {"display_name": "张三", "phone": "abc"})
    assert bad.status_code == 200 and "手机号只能是" in bad.content.decode()
    assert User.objects.get(pk=user.pk).display_name == "张秀兰"


def test_deleting_the_account_erases_her_and_keeps_the_record_anonymous(hall, zhang):
    user = zhang["user"]
    c = BrowserClient()
    c.force_login(user)
    wrong = c.post(reverse("delete_account"), {"password": "not-it"})
    assert wrong.status_code == 200 and User.objects.get(pk=user.pk).is_active
    r = c.post(reverse("delete_account"), {"password": PASSWORD})
    assert r.status_code == 302
    gone = User.objects.get(pk=user.pk)
    assert gone.display_name == "已注销用户" and not gone.is_active
    assert gone.phone == "" and gone.building is None and "张" not in gone.username
    assert not gone.has_usable_password()
    assert Membership.objects.get(user=gone).status == MembershipStatus.LEFT
    assert not Notification.objects.filter(recipient=gone).exists()
    comment = Comment.objects.get(author=gone)
    page = BrowserClient().get(f"/proposals/{comment.proposal_id}/").content.decode()
    assert "我家孙子也说好" in page and "已注销用户" in page and "张奶奶" not in page
    again = BrowserClient().post(
        reverse("login"), {"username": user.username, "password": PASSWORD}
    )
    assert again.status_code == 200  # the form again: the account no longer signs in


def test_registration_records_the_privacy_notice_and_others_are_asked(hall, settings):
    settings.FANGHUA = {**settings.FANGHUA, "HOME_HALL": hall.slug}
    c = BrowserClient()
    data = {
        "username": "meiling",
        "display_name": "美玲",
        "password1": "huaman-mingyuan-88",
        "password2": "huaman-mingyuan-88",
    }
    refused = c.post(reverse("register"), data)
    assert "请先阅读并同意隐私说明" in refused.content.decode()
    assert c.post(reverse("register"), {**data, "accept_privacy": "on"}).status_code == 302
    meiling = User.objects.get(username="meiling")
    assert PrivacyAcceptance.objects.filter(user=meiling, version=settings.PRIVACY_NOTICE_VERSION)
    assert "隐私说明有新版本" not in c.get("/").content.decode()
    settings.PRIVACY_NOTICE_VERSION = "2027-01"
    assert "隐私说明有新版本" in c.get("/").content.decode()
    c.post(reverse("privacy_notice"))
    assert "隐私说明有新版本" not in c.get("/").content.decode()
    assert privacy.PrivacyAcceptance.objects.filter(user=meiling).count() == 2


def test_a_phone_number_in_other_digits_is_refused(hall, zhang):
    """`"²".isdigit()` is true: superscripts and other scripts' digits are no phone number."""
    with pytest.raises(ValidationError, match="手机号只能是"):
        privacy.profile_update(user=zhang["user"], display_name="张奶奶", phone="¹²³⁴⁵⁶")
