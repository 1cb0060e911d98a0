import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community import services
from community.models import Membership, MembershipStatus, User
from community.roles import Role
from tests.community.factories import PASSWORD, BuildingFactory, HallFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(settings):
    hall = HallFactory(slug="fanghua")
    settings.FANGHUA = {**settings.FANGHUA, "HOME_HALL": "fanghua"}
    return hall


def register(client, **overrides):
    data = {
        "username": "wangayi",
        "display_name": "王阿姨",
        "password1": "huaman-mingyuan-88",
        "password2": "huaman-mingyuan-88",
        "building": "",
        "accept_privacy": "on",
        **overrides,
    }
    return client.post(reverse("register"), data)


def test_register_logs_in_and_records_the_building(client, home):
    building = BuildingFactory(compound=home.compound, name="3栋")
    response = register(client, building=building.pk)
    assert response.status_code == 302
    user = User.objects.get(username="wangayi")
    assert user.display_name == "王阿姨" and user.building == building
    assert client.get(reverse("my_memberships")).status_code == 200


def test_register_refuses_a_duplicate_username_whatever_its_case(client, home):
    UserFactory(username="WangAyi")
    response = register(client)
    assert response.status_code == 200
    assert "该用户名已被使用" in response.content.decode()
    assert User.objects.filter(username__iexact="wangayi").count() == 1


def test_a_fullwidth_username_is_stored_as_it_signs_in(client, home):
    """ａｄｍｉｎ is admin to the login form (NFKC): taken if admin exists, else stored as admin."""
    UserFactory(username="admin")
    response = register(client, username="ａｄｍｉｎ")
    assert "该用户名已被使用" in response.content.decode()
    assert register(client, username="ｗａｎｇａｙｉ").status_code == 302
    client.logout()
    signed_in = client.post(
        reverse("login"), {"username": "ｗａｎｇａｙｉ", "password": "huaman-mingyuan-88"}
    )
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session


def test_nobody_registers_under_the_name_of_an_office_holder(client, home):
    member(home, Role.HEAD, display_name="黄秀芬")
    response = register(client, display_name=" 黄 秀芬 ")
    assert response.status_code == 200 and "重名" in response.content.decode()
    assert not User.objects.filter(username="wangayi").exists()
    with pytest.raises(ValidationError):
        services.user_register(username="x1", display_name="黄秀芬", password="huaman-mingyuan-88")
    # An ordinary resident's name may be shared (many 王阿姨 live in one compound).
    member(home, Role.RESIDENT, display_name="王阿姨")
    assert register(client).status_code == 302


@pytest.mark.parametrize("weak", ["12345678", "password", "abc"])
def test_register_refuses_a_weak_password(client, home, weak):
    response = register(client, password1=weak, password2=weak)
    assert response.status_code == 200
    assert not User.objects.filter(username="wangayi").exists()


def test_register_refuses_mismatched_passwords(client, home):
    response = register(client, password2="something-else-99")
    assert "两次输入的密码不一致" in response.content.decode()
    assert not User.objects.exists()


def test_register_refuses_a_building_of_another_compound(client, home):
    foreign = BuildingFactory()
    response = register(client, building=foreign.pk)
    assert response.status_code == 200
    assert not User.objects.filter(username="wangayi").exists()


def test_login_logout_and_password_change(client, home):
    user = UserFactory(username="zhang")
    assert (
        client.post(reverse("login"), {"username": "zhang", "password": PASSWORD}).status_code
        == 302
    )
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "new-secret-mingyuan",
            "new_password2": "new-secret-mingyuan",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("new-secret-mingyuan")
    client.post(reverse("logout"))
    assert client.get(reverse("my_memberships")).status_code == 302  # back to login


def test_join_approve_and_assign_roles_through_the_pages(client, home):
    head = member(home, Role.HEAD)
    applicant = UserFactory(display_name="李阿姨")
    client.force_login(applicant)
    client.post(reverse("join_hall", args=[home.slug]), {"message": "我住3栋"})
    membership = Membership.objects.get(user=applicant, hall=home)
    assert membership.status == MembershipStatus.REQUESTED
    assert "加入申请审核中" in client.get(reverse("hall", args=[home.slug])).content.decode()

    client.force_login(head)
    page = client.get(reverse("manage_members", args=[home.slug])).content.decode()
    assert "李阿姨" in page and "我住3栋" in page
    client.post(reverse("decide_membership", args=[membership.pk, "approve"]))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    client.post(
        reverse("set_roles", args=[membership.pk]),
        {f"m{membership.pk}-roles": ["resident", "volunteer"]},
    )
    assert set(membership.role_list) == {"resident", "volunteer"}

    client.force_login(applicant)
    mine = client.get(reverse("my_memberships")).content.decode()
    assert "巾帼志愿者" in mine and "已加入" in mine


def test_approving_twice_is_refused_and_changes_nothing(hall):
    head = member(hall, Role.HEAD)
    m = services.membership_request(user=UserFactory(), hall=hall)
    services.membership_approve(actor=head, membership=m)
    with pytest.raises(ValidationError, match="已处理"):
        services.membership_approve(actor=head, membership=m)
    with pytest.raises(ValidationError):
        services.membership_decline(actor=head, membership=m)
    assert Membership.objects.get(pk=m.pk).status == MembershipStatus.ACTIVE
    assert m.events.count() == 2  # requested, approved


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.MEMBER, Role.EXECUTIVE, Role.MODERATOR])
def test_only_heads_and_admins_decide(hall, role):
    m = services.membership_request(user=UserFactory(), hall=hall)
    with pytest.raises(PermissionDenied):
        services.membership_approve(actor=member(hall, role), membership=m)
    assert Membership.objects.get(pk=m.pk).status == MembershipStatus.REQUESTED


def test_a_non_head_posting_to_the_approve_url_gets_403(client, hall):
    m = services.membership_request(user=UserFactory(), hall=hall)
    client.force_login(member(hall, Role.MEMBER))
    assert client.post(reverse("decide_membership", args=[m.pk, "approve"])).status_code == 403
    assert client.get(reverse("manage_members", args=[hall.slug])).status_code == 403
    assert Membership.objects.get(pk=m.pk).status == MembershipStatus.REQUESTED


def test_request_twice_or_as_member_is_refused(hall):
    user = UserFactory()
    services.membership_request(user=user, hall=hall)
    with pytest.raises(ValidationError, match="审核中"):
        services.membership_request(user=user, hall=hall)
    existing = member(hall)
    with pytest.raises(ValidationError, match="已经是"):
        services.membership_request(user=existing, hall=hall)


def test_declined_person_may_ask_again(hall):
    head = member(hall, Role.HEAD)
    user = UserFactory()
    m = services.membership_request(user=user, hall=hall)
    services.membership_decline(actor=head, membership=m, reason="不是本小区居民")
    again = services.membership_request(user=user, hall=hall)
    assert again.pk == m.pk and again.status == MembershipStatus.REQUESTED


def test_the_last_head_cannot_drop_their_own_head_role(hall):
    head = member(hall, Role.HEAD)
    m = Membership.objects.get(user=head, hall=hall)
    with pytest.raises(ValidationError, match="至少需要一位负责人"):
        services.membership_set_roles(actor=head, membership=m, roles=[Role.MEMBER])
    assert Role.HEAD in m.role_list


def test_unknown_roles_are_refused(hall):
    head = member(hall, Role.HEAD)
    m = Membership.objects.get(user=member(hall), hall=hall)
    with pytest.raises(ValidationError, match="未知角色"):
        services.membership_set_roles(actor=head, membership=m, roles=["emperor"])


def test_leaving_removes_roles_and_rights(hall):
    user = member(hall, Role.MODERATOR)
    m = Membership.objects.get(user=user, hall=hall)
    services.membership_leave(user=user, membership=m)
    fresh = User.objects.get(pk=user.pk)
    assert not fresh.has_perm("community.join_hall_room", hall)
    assert m.roles.count() == 0


def test_home_page_shows_the_hall_brands_and_members_by_role(client, home):
    from community.models import ServiceBrand

    for i, name in enumerate(["党建阵地", "爱聚乐园", "花满名苑", "情暖夕阳", "最美楼道"]):
        ServiceBrand.objects.create(hall=home, name=name, order=i)
    member(home, Role.HEAD, display_name="黄秀芬")
    page = client.get("/").content.decode()
    for text in ["党建阵地", "爱聚乐园", "花满名苑", "情暖夕阳", "最美楼道", "黄秀芬", "微家负责人",
                 "有阵地", "有架构", "有制度", "有计划", "有服务"]:  # fmt: skip
        assert text in page, text


def test_english_switch(client, home):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "Log in" in page


def test_chinese_by_default_whatever_the_browser_asks(client, home):
    page = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page


def test_the_head_approves_the_building_the_applicant_gave(client, home):
    """The building electorates read is the one on the membership, shown to the head to approve."""
    head = member(home, Role.HEAD)
    b3 = BuildingFactory(compound=home.compound, name="3栋")
    applicant = UserFactory(display_name="李阿姨", building=b3)
    services.membership_request(user=applicant, hall=home)
    client.force_login(head)
    page = client.get(reverse("manage_members", args=[home.slug])).content.decode()
    assert "自报楼栋：3栋" in page and "批准即确认" in page
    membership = Membership.objects.get(user=applicant, hall=home)
    client.post(reverse("decide_membership", args=[membership.pk, "approve"]))
    membership.refresh_from_db()
    assert (membership.status, membership.building, membership.decided_by) == (
        MembershipStatus.ACTIVE,
        b3,
        head,
    )
