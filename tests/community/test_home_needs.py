"""The home page's 待我处理：what needs a member now, most urgent first (community/needs.py).

community asks the providers forum and deliberation register; these tests build one real item of
each kind through the services and read the page as the member would.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from community.needs import NeedItem, needs_of, when_words
from community.roles import Role
from deliberation.models import Ballot, GovernanceTask, Meeting, ResultPublication
from deliberation.votes import services as sv
from tests.community.factories import HallFactory, UserFactory, client_for, member, page_queries
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting
from tests.deliberation.results.factories import published_result
from tests.deliberation.tasks.factories import task_world
from tests.deliberation.votes.factories import make_ballot, proposal_in
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db

TITLE = re.compile(r'<strong class="need-title">(.*?)</strong>')
WHEN = re.compile(r'<p class="need-when">⏰ (.*?)</p>')


def local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


@pytest.fixture
def hall(settings):
    hall = HallFactory()
    settings.FANGHUA = {**settings.FANGHUA, "HOME_HALL": hall.slug}
    return hall


def one_of_each(hall, me, *, copies: int = 1) -> None:
    """For `me`: an overdue task, a ballot closing today, a result to rate in two days, the
    meeting in three days and my own proposal collecting seconds (`copies` of the repeatable)."""
    today = timezone.localdate()
    world = task_world(hall)
    for i in range(copies):
        task = world.task(title=f"清理楼道{i}", owner=me)
        GovernanceTask.objects.filter(pk=task.pk).update(due_on=today - timedelta(days=1))
    mod = member(hall, Role.MODERATOR)
    for i in range(copies):
        make_ballot(
            hall,
            mod,
            title=f"是否加装扶手{i}",
            proposal=proposal_in(hall),
            ends_at=local(today, time(23, 59, 59)),
        )
    for i in range(copies):
        result = published_result(hall, title=f"修好喷泉{i}")
        ResultPublication.objects.filter(pk=result.pk).update(
            evaluation_ends_at=local(today + timedelta(days=2), time(12))
        )
    meeting = scheduled_meeting(hall, meeting_people(hall))
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=local(today + timedelta(days=3), time(19, 30))
    )
    for i in range(copies):
        proposal(hall, author=me, title=f"增设座椅{i}")


def test_a_member_with_one_of_each_sees_them_most_urgent_first(hall):
    me = member(hall, Role.VOLUNTEER, display_name="张奶奶")
    one_of_each(hall, me)
    html = client_for(me).get("/").content.decode()
    assert "待我处理" in html
    assert TITLE.findall(html) == [
        "我的任务：清理楼道0",
        "请投票：是否加装扶手0",
        "请评议：修好喷泉0",
        "下次会议：十月议事会",
        "我的议题在征集附议：增设座椅0",
    ]
    assert WHEN.findall(html) == ["已逾期 1 天", "今天截止", "还剩 2 天", "还有 3 天"]
    # Each card has one main action, and the section comes before the hall's own news.
    assert html.count("need-action") == 5
    assert html.index("待我处理") < html.index("五大服务品牌")


def test_a_member_with_nothing_to_do_is_told_so(hall):
    me = member(hall)
    html = client_for(me).get("/").content.decode()
    assert "待我处理" in html
    assert "暂时没有需要您处理的事" in html
    assert TITLE.findall(html) == []


def test_anonymous_visitors_and_non_members_see_the_public_home(hall):
    me = member(hall, Role.VOLUNTEER)
    one_of_each(hall, me)
    for visitor in (None, UserFactory()):
        html = client_for(visitor).get("/").content.decode()
        assert hall.name in html
        assert "待我处理" not in html and "暂时没有需要您处理的事" not in html
        assert TITLE.findall(html) == []
    # The hall's own page (not the home page) stays as it was, even for the member.
    assert "待我处理" not in client_for(me).get(f"/halls/{hall.slug}/").content.decode()


def test_a_member_who_is_not_an_elector_does_not_see_the_ballot(hall):
    mod = member(hall, Role.MODERATOR)
    make_ballot(hall, mod, title="是否加装扶手", proposal=proposal_in(hall))
    latecomer = member(hall)  # joined after the ballot opened: not on its roll
    html = client_for(latecomer).get("/").content.decode()
    assert "是否加装扶手" not in html
    assert "暂时没有需要您处理的事" in html


def test_after_voting_the_ballot_leaves_the_list(hall):
    me = member(hall)
    mod = member(hall, Role.MODERATOR)
    ballot = make_ballot(hall, mod, title="是否加装扶手", proposal=proposal_in(hall))
    client = client_for(me)
    assert TITLE.findall(client.get("/").content.decode()) == ["请投票：是否加装扶手"]
    sv.ballot_cast(voter=me, ballot=Ballot.objects.get(pk=ballot.pk), choices=["for"])
    assert TITLE.findall(client.get("/").content.decode()) == []


def test_a_result_of_another_building_is_not_mine_to_rate(hall):
    from tests.deliberation.results.factories import building

    mine, theirs = building(hall, "1栋"), building(hall, "8栋")
    me = member(hall, building=mine)
    published_result(hall, places=(theirs,), title="8栋垃圾点")
    assert [n.item.kind for n in needs_of(me)] == []
    published_result(hall, places=(mine,), title="1栋路灯")
    assert [n.item.title for n in needs_of(me)] == ["请评议：1栋路灯"]


def test_a_neighbours_proposal_near_the_threshold_until_i_second_it(hall):
    from forum import services as forum_services

    hall.seconding_threshold = 3
    hall.save()
    me = member(hall)
    near = proposal(hall, title="楼道杂物清理")
    forum_services.proposal_second(user=member(hall), proposal=near)
    proposal(hall, title="没人附议的议题")  # 0 seconds: not near
    assert [n.item.title for n in needs_of(me)] == ["邻居的议题快够附议了：楼道杂物清理"]
    forum_services.proposal_second(user=me, proposal=near)
    assert needs_of(me) == []


def test_queries_do_not_grow_with_the_number_of_items(hall, django_assert_max_num_queries):
    me = member(hall, Role.VOLUNTEER)
    one_of_each(hall, me)
    client = client_for(me)
    few = page_queries(client, "/")
    one_of_each(hall, me, copies=4)
    assert len(needs_of(me)) >= 13
    with django_assert_max_num_queries(7):  # votes 1, results 2, meeting 1, tasks 1, forum 2
        needs_of(me)
    assert page_queries(client, "/") == few


def test_deadlines_in_plain_chinese():
    now = local(date(2026, 3, 10), time(9))
    today = now.date()

    def words(**kw):
        return when_words(NeedItem("x", "", "", "", "", "/", **kw), now)

    assert words(due=local(today, time(18))) == ("今天截止", True)
    assert words(due=local(today + timedelta(days=1), time(8))) == ("明天截止", False)
    assert words(due=local(today + timedelta(days=2), time(8))) == ("还剩 2 天", False)
    assert words(due=today) == ("今天截止", True)  # a date is due at the end of that day
    assert words(due=today - timedelta(days=3)) == ("已逾期 3 天", True)
    assert words(due=local(today, time(20)), starts=True) == ("今天 20:00 开始", True)
    assert words(due=local(today + timedelta(days=1), time(19, 30)), starts=True) == (
        "明天 19:30 开始",
        False,
    )
    assert words(live=True, live_words="正在签到") == ("正在签到", True)
    assert words() == ("", False)


def test_an_open_meeting_comes_first_and_check_in_stays_at_the_venue(hall):
    from deliberation.meetings import services as ms

    people = meeting_people(hall)
    me = people["zhang"]
    meeting = scheduled_meeting(hall, people)
    make_ballot(hall, people["moderator"], title="是否加装扶手", proposal=proposal_in(hall))
    ms.meeting_open(actor=people["moderator"], meeting=meeting)
    html = client_for(me).get("/").content.decode()
    assert TITLE.findall(html)[0] == "会议正在签到：十月议事会"
    assert WHEN.findall(html)[0] == "正在签到"
    assert "扫描大屏上的二维码签到" in html
    # The card leads to the room, never to the QR code's check-in link: nobody checks in from home.
    assert meeting.checkin_token not in html
    assert f'href="/meetings/{meeting.pk}/"' in html
    ms.meeting_check_in_member(actor=people["moderator"], meeting=meeting, user_id=me.pk)
    html = client_for(me).get("/").content.decode()
    assert TITLE.findall(html)[0] == "会议进行中：十月议事会"
