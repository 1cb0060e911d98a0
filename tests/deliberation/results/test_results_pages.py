"""The result page (/results/<pk>/), rating in two steps, the notice board and a hall's list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from community.roles import Role
from deliberation.ledger import services as ledger
from deliberation.models import Evaluation, LedgerEntry, Rating, ResultState
from deliberation.results.evaluation import evaluation_close, evaluation_submit
from deliberation.results.services import result_summary_update
from tests.community.factories import BrowserClient, HallFactory, UserFactory, client_for, member
from tests.deliberation.results.factories import building, published_result, resident
from tests.deliberation.votes.factories import no_writes

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    hall = HallFactory(dissatisfaction_threshold="0.300", evaluation_min_ratings=2)
    b1, b2 = building(hall, "1栋"), building(hall, "2栋")
    head = member(hall, Role.HEAD)
    result = published_result(hall, places=[b1], head=head)
    return hall, b1, b2, head, result


def test_the_page_shows_resolution_summary_tasks_period_and_the_form_for_a_resident(setup):
    hall, b1, _, head, result = setup
    result_summary_update(
        actor=head, result=result, text="**喷泉**已修复 <script>alert(1)</script>"
    )
    page = client_for(resident(hall, b1)).get(f"/results/{result.pk}/").content.decode()
    assert result.resolution.title in page
    assert "<strong>喷泉</strong>已修复" in page and "<script>alert(1)" not in page
    assert "任务1" in page and "已完成" in page  # the task and its final state
    assert "评议进行中" in page and "评议期" in page
    assert "<fieldset" in page and "<legend" in page
    for value, label in Rating.choices:
        assert f'value="{value}"' in page and str(label) in page
    assert 'id="rating-satisfied"' in page and 'for="rating-satisfied"' in page
    assert "每人只能评议一次" in page
    assert "这是第一轮评议" in page  # the empty state of earlier rounds


def test_people_who_may_not_rate_are_told_why_and_see_no_form(setup):
    hall, _, b2, _, result = setup
    elsewhere = client_for(resident(hall, b2)).get(f"/results/{result.pk}/").content.decode()
    assert 'name="rating"' not in elsewhere and "只有住在那里的居民可以评议" in elsewhere
    outsider = client_for(UserFactory()).get(f"/results/{result.pk}/").content.decode()
    assert 'name="rating"' not in outsider and "只有本议事厅的成员可以评议" in outsider
    anonymous = BrowserClient().get(f"/results/{result.pk}/")
    assert anonymous.status_code == 200
    assert "登录后参加评议" in anonymous.content.decode()


def test_rating_takes_a_confirmation_then_says_thanks_and_shows_the_counts(setup):
    hall, b1, _, _, result = setup
    person = resident(hall, b1)
    c = client_for(person)
    before = c.get(f"/results/{result.pk}/").content.decode()
    assert "各项占比在您评议后或评议结束后显示" in before
    confirm = c.post(
        f"/results/{result.pk}/evaluate/", {"rating": "basically", "comment": "水压还不够"}
    )
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "确认评议" in body and "基本满意" in body and "提交后不能更改" in body
    assert not Evaluation.objects.exists()
    done = c.post(
        f"/results/{result.pk}/evaluate/",
        {"rating": "basically", "comment": "水压还不够", "confirm": "1"},
        follow=True,
    )
    page = done.content.decode()
    assert "谢谢您" in page and "您已于" in page
    assert "1 人 · 100.0%" in page  # the breakdown, now that this person has rated
    assert "水压还不够" in page and "一位居民" in page
    assert 'name="rating"' not in page
    ev = Evaluation.objects.get()
    assert (ev.user, ev.rating, ev.comment) == (person, "basically", "水压还不够")
    again = c.post(
        f"/results/{result.pk}/evaluate/", {"rating": "dissatisfied", "confirm": "1"}, follow=True
    )
    assert "每人只能评议一次" in again.content.decode()
    assert Evaluation.objects.get().rating == "basically"


def test_a_missing_rating_is_explained_on_the_page(setup):
    hall, b1, _, _, result = setup
    r = client_for(resident(hall, b1)).post(f"/results/{result.pk}/evaluate/", {"comment": "好"})
    assert r.status_code == 400 and "请选择" in r.content.decode()
    assert not Evaluation.objects.exists()


def test_someone_elsewhere_posting_anyway_is_refused(setup):
    hall, _, b2, _, result = setup
    r = client_for(resident(hall, b2)).post(
        f"/results/{result.pk}/evaluate/", {"rating": "satisfied", "confirm": "1"}, follow=True
    )
    assert "只有住在那里的居民可以评议" in r.content.decode()
    assert not Evaluation.objects.exists()


def test_counts_are_hidden_from_those_who_did_not_rate_until_closed(setup):
    hall, b1, _, head, result = setup
    evaluation_submit(user=resident(hall, b1), result=result, rating="satisfied")
    head_page = client_for(head).get(f"/results/{result.pk}/").content.decode()
    assert "1</span> 人已评议" in head_page and "100.0%" not in head_page
    evaluation_close(result=result, now=result.evaluation_ends_at)
    anonymous = BrowserClient().get(f"/results/{result.pk}/").content.decode()
    assert "1 人 · 100.0%" in anonymous and "评议通过" in anonymous


def test_a_round_past_its_end_is_shown_closed_without_a_write_and_cron_records_it(setup):
    hall, b1, _, _, _ = setup
    old = published_result(
        hall, places=[b1], now=timezone.now() - timedelta(days=hall.evaluation_days + 1)
    )
    with no_writes():
        page = BrowserClient().get(f"/results/{old.pk}/").content.decode()
        api = BrowserClient().get(f"/api/v1/results/{old.pk}").json()
        listed = BrowserClient().get(f"/api/v1/halls/{hall.pk}/results").json()
        hall_page = BrowserClient().get(f"/halls/{hall.slug}/results/").content.decode()
        story = BrowserClient().get(f"/api/v1/proposals/{old.resolution.proposal_id}/story").json()
    assert "评议已结束" in page and "评议进行中" not in page
    steps = {step["key"]: step for step in story["steps"]}
    assert steps["result"]["data"]["results"][-1]["state"] == ResultState.ACCEPTED
    assert steps["evaluation"]["state"] == "done"
    assert api["state"] == ResultState.ACCEPTED and api["open"] is False
    assert api["closed_at"] is not None
    assert {r["id"]: r["state"] for r in listed}[old.pk] == ResultState.ACCEPTED
    assert "评议通过" in hall_page
    old.refresh_from_db()
    assert old.state == ResultState.EVALUATING  # a read wrote nothing
    assert not LedgerEntry.objects.filter(kind=ledger.EVALUATION_CLOSED).exists()
    call_command("close_evaluations", verbosity=0)
    call_command("close_evaluations", verbosity=0)
    old.refresh_from_db()
    assert old.state == ResultState.ACCEPTED and old.closed_at == old.evaluation_ends_at
    assert LedgerEntry.objects.filter(kind=ledger.EVALUATION_CLOSED).count() == 1


def test_a_round_past_its_end_over_the_threshold_is_shown_reopened_and_the_next_write_records_it(
    setup,
):
    hall, b1, _, head, _ = setup
    old = published_result(
        hall, places=[b1], now=timezone.now() - timedelta(days=hall.evaluation_days + 1)
    )
    for _ in range(2):
        Evaluation.objects.create(result=old, user=resident(hall, b1), rating=Rating.DISSATISFIED)
    head_client = client_for(head)
    with no_writes():
        page = head_client.get(f"/results/{old.pk}/").content.decode()
        api = BrowserClient().get(f"/api/v1/results/{old.pk}").json()
    assert "不满意，重新落实" in page and api["state"] == ResultState.REOPENED
    assert [c["count"] for c in api["counts"]] == [0, 0, 2]  # closed: the breakdown is public
    old.refresh_from_db()
    assert old.state == ResultState.EVALUATING
    # The next write to the round (a head's addendum) records the close first, once.
    result_summary_update(actor=head, result=old, text="已联系物业。", append=True)
    old.refresh_from_db()
    assert old.state == ResultState.REOPENED
    assert LedgerEntry.objects.filter(kind=ledger.EVALUATION_CLOSED).count() == 1
    call_command("close_evaluations", verbosity=0)
    assert LedgerEntry.objects.filter(kind=ledger.EVALUATION_CLOSED).count() == 1


def test_notice_board_lists_results_being_evaluated_and_closed(setup):
    hall, b1, _, _, result = setup
    old = published_result(
        hall,
        places=[b1],
        now=timezone.now() - timedelta(days=hall.evaluation_days + 1),
        title="清洁楼道",
    )
    with no_writes():
        page = BrowserClient().get(f"/halls/{hall.slug}/notices/").content.decode()
    assert "实施结果公开" in page
    evaluating, closed = page.split("评议中</h3>")[1].split("评议结束</h3>")
    assert f"/results/{result.pk}/" in evaluating and f"/results/{old.pk}/" in closed
    assert "已有 0 人评议" in evaluating
    old.refresh_from_db()
    assert old.state == ResultState.EVALUATING  # shown closed; recorded by close_evaluations


def test_notice_board_and_hall_list_empty_states():
    hall = HallFactory()
    board = BrowserClient().get(f"/halls/{hall.slug}/notices/").content.decode()
    assert "目前没有正在评议的实施结果" in board and "还没有评议结束的实施结果" in board
    listing = BrowserClient().get(f"/halls/{hall.slug}/results/").content.decode()
    assert "还没有公开的实施结果" in listing


def test_hall_list_shows_every_round(setup):
    hall, _, _, _, result = setup
    page = BrowserClient().get(f"/halls/{hall.slug}/results/").content.decode()
    assert f"/results/{result.pk}/" in page and result.resolution.title in page


def test_earlier_rounds_are_linked_from_the_new_round(setup):
    from deliberation.models import GovernanceTask, TaskState
    from deliberation.results.services import result_publish_if_complete
    from deliberation.tasks.workflow import task_transition

    hall, b1, _, _, result = setup
    for rating in ("dissatisfied", "dissatisfied"):
        evaluation_submit(user=resident(hall, b1), result=result, rating=rating)
    evaluation_close(result=result, now=result.evaluation_ends_at)
    result.refresh_from_db()
    assert result.state == ResultState.REOPENED
    reopened_page = BrowserClient().get(f"/results/{result.pk}/").content.decode()
    assert "不满意占 100.0%" in reopened_page and "治理任务已重新落实" in reopened_page
    assert "进行中" in reopened_page
    for task in GovernanceTask.objects.filter(resolution=result.resolution):
        task_transition(task=task, to=TaskState.DONE)
    second = result_publish_if_complete(resolution=result.resolution)
    page = BrowserClient().get(f"/results/{second.pk}/").content.decode()
    assert "第 2 轮" in page
    assert f"/results/{result.pk}/" in page and "不满意 2" in page


def test_a_head_edits_and_appends_to_the_summary_on_the_page(setup):
    hall, b1, _, head, result = setup
    c = client_for(head)
    page = c.get(f"/results/{result.pk}/").content.decode()
    assert "修改实施结果说明" in page and "补充说明" in page
    c.post(f"/results/{result.pk}/summary/", {"text": "喷泉已修复并试运行。"})
    c.post(f"/results/{result.pk}/summary/", {"text": "保修一年。", "append": "1"})
    result.refresh_from_db()
    assert result.summary.startswith("喷泉已修复并试运行。") and "保修一年。" in result.summary
    resident_page = client_for(resident(hall, b1)).get(f"/results/{result.pk}/").content.decode()
    assert "修改实施结果说明" not in resident_page
    assert (
        client_for(resident(hall, b1))
        .post(f"/results/{result.pk}/summary/", {"text": "乱改"})
        .status_code
        == 403
    )


def test_the_result_page_has_a_constant_query_count(setup, django_assert_max_num_queries):
    hall, b1, _, _, result = setup
    for _ in range(5):
        evaluation_submit(user=resident(hall, b1), result=result, rating="satisfied", comment="好")
    c = client_for(resident(hall, b1))
    with django_assert_max_num_queries(30):
        assert c.get(f"/results/{result.pk}/").status_code == 200


def test_unknown_result_is_404():
    assert BrowserClient().get("/results/999999/").status_code == 404


def test_the_notice_board_costs_the_same_with_more_results(setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hall, b1, _, _, _ = setup

    def board_queries() -> int:
        with CaptureQueriesContext(connection) as q:
            assert BrowserClient().get(f"/halls/{hall.slug}/notices/").status_code == 200
        return len(q)

    few = board_queries()
    for title in ("清洁楼道", "加装扶手"):
        published_result(hall, places=[b1], title=title)
    old = published_result(
        hall, places=[b1], now=timezone.now() - timedelta(days=60), title="补种花草"
    )
    evaluation_close(result=old, now=timezone.now())
    assert board_queries() == few
