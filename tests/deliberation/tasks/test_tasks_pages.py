"""Task pages: the list with filters and 督办，the task page, forms, server-side permissions."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from deliberation.models import GovernanceTask, ProgressReport, TaskState
from deliberation.tasks import services
from tests.community.factories import client_for
from tests.community.factories import page_queries as queries
from tests.deliberation.tasks.factories import n_tasks

pytestmark = pytest.mark.django_db


def make_overdue(task, days=3):
    GovernanceTask.objects.filter(pk=task.pk).update(
        due_on=timezone.localdate() - timedelta(days=days)
    )


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, format="PNG")
    return out.getvalue()


# --- the list


def test_list_shows_open_and_overdue_before_finished_and_last_years_finished_last(w):
    """Issue 12: the list showed last February's finished tasks first (it sorted by due date)."""
    today = timezone.localdate()
    later = w.task(title="下个月到期", due_on=today + timedelta(days=30))
    soon = w.task(title="三天后到期", due_on=today + timedelta(days=3))
    overdue = w.task(title="已逾期的")
    make_overdue(overdue, days=5)
    cancelled = w.task(title="已取消的")
    services.task_cancel(actor=w.head, task=cancelled, reason="物业已处理")
    old_done = w.task(title="去年二月已完成")
    recent_done = w.task(title="上周已完成")
    for task, days_ago in ((old_done, 300), (recent_done, 7)):
        services.task_start(actor=w.owner, task=task)
        services.task_complete(
            actor=w.owner, task=task, now=timezone.now() - timedelta(days=days_ago)
        )
        GovernanceTask.objects.filter(pk=task.pk).update(
            due_on=today - timedelta(days=days_ago + 10)
        )
    html = client_for(w.member).get(f"/halls/{w.hall.slug}/tasks/").content.decode()
    titles = [later, soon, overdue, recent_done, old_done, cancelled]
    order = sorted(titles, key=lambda t: html.index(t.title))
    assert [t.title for t in order] == [
        "已逾期的",
        "三天后到期",
        "下个月到期",
        "上周已完成",
        "去年二月已完成",
        "已取消的",
    ]


def test_list_filters_and_flags_overdue(w):
    a = w.task(title="清洗喷泉池")
    b = w.task(title="更换水泵", brand=None)
    make_overdue(b)
    services.task_start(actor=w.owner, task=a)
    url = f"/halls/{w.hall.slug}/tasks/"
    page = client_for(None).get(url).content.decode()  # public：居务公开
    assert "清洗喷泉池" in page and "更换水泵" in page
    assert "已逾期 3 天" in page and "督办：1 项任务已逾期" in page
    page = client_for(None).get(url + "?overdue=1").content.decode()
    assert "更换水泵" in page and "清洗喷泉池" not in page
    page = client_for(None).get(url + "?state=in_progress").content.decode()
    assert "清洗喷泉池" in page and "更换水泵" not in page
    page = client_for(None).get(url + f"?brand={w.brand.pk}").content.decode()
    assert "清洗喷泉池" in page and "更换水泵" not in page
    page = client_for(None).get(url + "?state=done").content.decode()
    assert "没有符合条件的任务" in page
    assert client_for(None).get(url + "?state=nonsense&brand=x&page=zz").status_code == 200


def test_empty_list_says_how_tasks_come(w):
    page = client_for(None).get(f"/halls/{w.hall.slug}/tasks/").content.decode()
    assert "还没有治理任务" in page


def test_list_paginates_with_constant_queries(w):
    client = client_for(w.member)
    url = f"/halls/{w.hall.slug}/tasks/"
    n_tasks(w, 2)
    client.get(url)  # warm the session
    few = queries(client, url)
    make_overdue(n_tasks(w, 23)[0])
    assert queries(client, url) == few
    page = client.get(url).content.decode()
    assert "第 1 / 2 页" in page and "page=2" in page
    page2 = client.get(url + "?page=2").content.decode()
    assert "任务22" in page2 and "第 2 / 2 页" in page2


# --- the task page


def test_task_page_shows_details_timeline_and_photos(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = w.task(subtasks=[("放水", 1), ("清洗", 3)])
    services.task_start(actor=w.owner, task=task)
    services.subtask_toggle(actor=w.owner, task=task, subtask=task.subtasks.last())
    services.task_report_progress(
        actor=w.owner,
        task=task,
        body="池底**已清洗**",
        images=[SimpleUploadedFile("a.png", png())],
    )
    page = client_for(w.resident).get(f"/tasks/{task.pk}/").content.decode()
    for text in ("清洗喷泉池", "陈阿姨", "黄姐", "3栋", "花满名苑", "75%", "进行中"):
        assert text in page, text
    assert "<strong>已清洗</strong>" in page and "当时进度 75%" in page
    assert "待开始 → 进行中" in page and "<img" in page
    # a resident sees no buttons
    for button in ("报告进展</a>", "开始落实", "取消任务", "修改任务", "添加子任务"):
        assert button not in page, button


def test_buttons_follow_permissions(w):
    task = w.task()
    owner_page = client_for(w.owner).get(f"/tasks/{task.pk}/").content.decode()
    assert "开始落实" in owner_page and "报告进展" in owner_page
    assert "取消任务" not in owner_page and "修改任务" not in owner_page
    volunteer_page = client_for(w.volunteer).get(f"/tasks/{task.pk}/").content.decode()
    assert "报告进展" in volunteer_page and "开始落实" not in volunteer_page
    anonymous = client_for(None).get(f"/tasks/{task.pk}/").content.decode()
    assert "清洗喷泉池" in anonymous and "报告进展" not in anonymous and "开始落实" not in anonymous
    head_page = client_for(w.head).get(f"/tasks/{task.pk}/").content.decode()
    assert "取消任务" in head_page and "修改任务" in head_page
    assert "data-confirm=" in head_page  # cancelling asks first (static/js/page.js)


def test_task_page_constant_queries(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = w.task(subtasks=[("甲", 1), ("乙", 1)])
    client = client_for(w.owner)
    url = f"/tasks/{task.pk}/"
    client.get(url)

    def report(i):
        services.task_report_progress(
            actor=w.owner, task=task, body=f"第{i}次", images=[SimpleUploadedFile("a.png", png())]
        )
        services.subtask_add(actor=w.owner, task=task, title=f"步骤{i}")

    report(0)
    few = queries(client, url)
    services.task_start(actor=w.owner, task=task)
    for i in range(1, 6):
        report(i)
    assert queries(client, url) == few


def test_unknown_task_is_404(w):
    assert client_for(None).get("/tasks/99999/").status_code == 404


# --- writes through the pages


def test_head_creates_a_task_from_the_resolution_page(w):
    res_page = client_for(w.head).get(f"/resolutions/{w.resolution.pk}/").content.decode()
    assert "分解为治理任务" in res_page and f"/resolutions/{w.resolution.pk}/tasks/new/" in res_page
    resident_page = client_for(w.resident).get(f"/resolutions/{w.resolution.pk}/").content.decode()
    assert "分解为治理任务" in resident_page and "tasks/new/" not in resident_page
    url = f"/resolutions/{w.resolution.pk}/tasks/new/"
    client = client_for(w.head)
    assert client.get(url).status_code == 200
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    response = client.post(
        url,
        {
            "title": "清洗喷泉池",
            "description": "先放水",
            "brand": w.brand.pk,
            "owner": w.owner.pk,
            "volunteers": [w.volunteer.pk],
            "building": w.building.pk,
            "due_on": due,
            "subtasks": "放水 | 1\n清洗 | 3\n\n验收",
        },
    )
    task = GovernanceTask.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert [(s.title, s.weight) for s in task.subtasks.all()] == [
        ("放水", 1),
        ("清洗", 3),
        ("验收", 1),
    ]
    res_page = client_for(w.resident).get(f"/resolutions/{w.resolution.pk}/").content.decode()
    assert "清洗喷泉池" in res_page


def test_bad_form_input_shows_errors_and_creates_nothing(w):
    client = client_for(w.head)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        f"/resolutions/{w.resolution.pk}/tasks/new/",
        {"title": "清洗", "owner": w.owner.pk, "due_on": past, "subtasks": "放水 | 0"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "完成期限不能早于今天" in page and "权重" in page
    assert not GovernanceTask.objects.exists()


def test_others_cannot_open_or_post_the_forms(w):
    task = w.task()
    for who in (w.resident, w.member, w.owner, w.outsider):
        c = client_for(who)
        assert c.get(f"/resolutions/{w.resolution.pk}/tasks/new/").status_code == 403
        assert c.get(f"/tasks/{task.pk}/edit/").status_code == 403
        assert c.post(f"/tasks/{task.pk}/do/cancel/", {"note": "x"}).status_code == 403
    for who in (w.resident, w.member, w.outsider):
        c = client_for(who)
        assert c.post(f"/tasks/{task.pk}/do/start/").status_code == 403
        assert c.post(f"/tasks/{task.pk}/report/", {"body": "x"}).status_code == 403
    assert client_for(None).post(f"/tasks/{task.pk}/do/start/").status_code == 302  # to login
    assert GovernanceTask.objects.get().state == TaskState.PENDING
    assert not ProgressReport.objects.exists()


def test_owner_moves_and_reports_through_the_pages(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = w.task()
    c = client_for(w.owner)
    assert c.post(f"/tasks/{task.pk}/do/start/").status_code == 302
    r = c.post(f"/tasks/{task.pk}/do/block/", {"note": ""}, follow=True)
    assert "请填写原因" in r.content.decode()
    c.post(f"/tasks/{task.pk}/do/block/", {"note": "等物业停水"})
    task.refresh_from_db()
    assert task.state == TaskState.BLOCKED and task.state_reason == "等物业停水"
    c.post(f"/tasks/{task.pk}/do/unblock/")
    assert c.get(f"/tasks/{task.pk}/report/").status_code == 200
    r = c.post(
        f"/tasks/{task.pk}/report/",
        {"body": "完成一半", "progress": "50", "images": [SimpleUploadedFile("a.png", png())]},
    )
    assert r.status_code == 302
    report = ProgressReport.objects.get()
    assert report.progress == 50 and report.images.count() == 1
    r = c.post(
        f"/tasks/{task.pk}/report/", {"body": "坏图", "images": [SimpleUploadedFile("a.png", b"x")]}
    )
    assert r.status_code == 200 and "不是有效的图片" in r.content.decode()
    assert ProgressReport.objects.count() == 1
    c.post(f"/tasks/{task.pk}/progress/", {"progress": "80"})
    c.post(f"/tasks/{task.pk}/subtasks/", {"title": "验收", "weight": "2"})
    step = task.subtasks.get()
    c.post(f"/tasks/{task.pk}/subtasks/{step.pk}/toggle/")
    assert task.subtasks.get().done
    c.post(f"/tasks/{task.pk}/do/complete/")
    task.refresh_from_db()
    assert task.state == TaskState.DONE


def test_head_edits_and_cancels(w):
    task = w.task()
    c = client_for(w.head)
    assert c.get(f"/tasks/{task.pk}/edit/").status_code == 200
    due = (task.due_on + timedelta(days=3)).isoformat()
    r = c.post(
        f"/tasks/{task.pk}/edit/",
        {"title": "清洗并消毒", "owner": w.owner.pk, "due_on": due, "building": ""},
    )
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.title == "清洗并消毒" and task.building is None and task.due_on.isoformat() == due
    c.post(f"/tasks/{task.pk}/do/cancel/", {"note": "改由物业负责"})
    task.refresh_from_db()
    assert task.state == TaskState.CANCELLED


# --- the hall's pages show 督办


def test_overdue_flagged_on_hall_home_and_notice_board(w):
    task = w.task(title="更换水泵")
    for url in (f"/halls/{w.hall.slug}/", f"/halls/{w.hall.slug}/notices/"):
        assert "已逾期" not in client_for(None).get(url).content.decode()
    make_overdue(task, days=2)
    for url in (f"/halls/{w.hall.slug}/", f"/halls/{w.hall.slug}/notices/"):
        page = client_for(None).get(url).content.decode()
        assert "督办：1 项治理任务已逾期" in page and "更换水泵" in page, url
        assert f"/halls/{w.hall.slug}/tasks/?overdue=1" in page


def test_nav_links_to_tasks(w, settings):
    settings.FANGHUA = {**settings.FANGHUA, "HOME_HALL": w.hall.slug}
    page = client_for(None).get(f"/halls/{w.hall.slug}/tasks/").content.decode()
    assert f'href="/halls/{w.hall.slug}/tasks/"' in page


def test_admin_shows_a_task_with_its_history(w, settings, tmp_path):
    from tests.community.factories import UserFactory

    settings.MEDIA_ROOT = tmp_path
    task = w.task(subtasks=[("放水", 1)])
    report = services.task_report_progress(
        actor=w.owner, task=task, body="进展", images=[SimpleUploadedFile("a.png", png())]
    )
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))
    page = staff.get(f"/admin/deliberation/governancetask/{task.pk}/change/").content.decode()
    assert "清洗喷泉池" in page and "放水" in page and "创建任务" in page
    assert staff.get(f"/admin/deliberation/progressreport/{report.pk}/change/").status_code == 200


def test_overdue_box_costs_the_same_for_many_tasks(w):
    client = client_for(w.resident)
    urls = (f"/halls/{w.hall.slug}/", f"/halls/{w.hall.slug}/notices/")
    make_overdue(w.task(title="甲"))
    client.get(urls[0])
    few = [queries(client, url) for url in urls]
    for task in n_tasks(w, 8):
        make_overdue(task)
    assert [queries(client, url) for url in urls] == few
    page = client.get(urls[0]).content.decode()
    assert "督办：9 项治理任务已逾期" in page and "查看全部逾期任务" in page


def test_task_page_links_the_published_result(w):
    task = w.task()
    services.task_start(actor=w.owner, task=task)
    services.task_complete(actor=w.owner, task=task)
    from deliberation.models import ResultPublication

    result = ResultPublication.objects.get()
    page = client_for(None).get(f"/tasks/{task.pk}/").content.decode()
    assert f'href="/results/{result.pk}/"' in page and "第 1 轮公开" in page and "评议中" in page


def test_progress_and_subtask_forms_say_what_they_did(w):
    """Issue 13: each form post comes back with a success message in words (none before)."""
    task = w.task()
    c = client_for(w.owner)
    c.post(f"/tasks/{task.pk}/do/start/")
    r = c.post(f"/tasks/{task.pk}/progress/", {"progress": "60"}, follow=True)
    page = r.content.decode()
    assert "进度已更新为 60%。" in page and "msg-success" in page
    r = c.post(f"/tasks/{task.pk}/subtasks/", {"title": "验收", "weight": "2"}, follow=True)
    assert "已添加子任务「验收」。" in r.content.decode()
    step = task.subtasks.get()
    r = c.post(f"/tasks/{task.pk}/subtasks/{step.pk}/toggle/", follow=True)
    assert "子任务「验收」已标记为完成。" in r.content.decode()
    r = c.post(f"/tasks/{task.pk}/subtasks/{step.pk}/toggle/", follow=True)
    assert "子任务「验收」已改为未完成。" in r.content.decode()
    r = c.post(f"/tasks/{task.pk}/subtasks/{step.pk}/remove/", follow=True)
    assert "子任务已删除。" in r.content.decode()
    # A refused value says why, and no success.
    r = c.post(f"/tasks/{task.pk}/progress/", {"progress": "120"}, follow=True)
    page = r.content.decode()
    assert "进度应为 0 到 100 之间的整数。" in page and "进度已更新" not in page
