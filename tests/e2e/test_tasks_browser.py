"""On phones: the head breaks a resolution into a task; the owner starts it, reports with a photo
and completes it; the proposal ends 已办结 and the result is published."""

import io

import pytest
from PIL import Image

from deliberation.models import GovernanceTask, ProgressReport, ResultPublication, TaskState
from forum.models import ProposalState
from tests.community.factories import PASSWORD
from tests.deliberation.tasks.factories import task_world
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_task_from_resolution_to_result(server_url, phone, tmp_path):
    w = task_world()
    resolution, owner = w.resolution, w.owner

    page = phone().new_page()
    log_in(page, server_url, w.head.username, PASSWORD)
    page.goto(f"{server_url}/resolutions/{resolution.pk}/")
    page.click("text=添加治理任务")
    page.fill("input[name=title]", "清洗喷泉池")
    page.select_option("select[name=owner]", str(owner.pk))
    page.fill("input[name=due_on]", "2099-12-31")
    page.fill("textarea[name=subtasks]", "放水 | 1\n清洗 | 3")
    page.click("button:has-text('创建任务')")
    page.wait_for_selector("h1:has-text('清洗喷泉池')")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    task = GovernanceTask.objects.get()

    me = phone().new_page()
    log_in(me, server_url, owner.username, PASSWORD)
    me.goto(f"{server_url}/tasks/{task.pk}/")
    me.click("button:has-text('开始落实')")
    me.wait_for_selector(".badge:has-text('进行中')")
    me.click("button[aria-label^='标记为已完成：清洗']")
    me.wait_for_selector(".progress strong:has-text('75%')")
    me.click("text=报告进展")
    photo = tmp_path / "fountain.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(buf, format="JPEG")
    photo.write_bytes(buf.getvalue())
    me.fill("textarea[name=body]", "池底已清洗，**水泵**运转正常。")
    me.set_input_files("input[name=images]", str(photo))
    me.click("button:has-text('发布报告')")
    me.wait_for_selector(".timeline img")
    assert ProgressReport.objects.get().images.count() == 1
    me.once("dialog", lambda d: d.accept())  # "确定这个任务已经完成了吗？"
    me.click("button:has-text('标记完成')")
    me.wait_for_selector(".badge:has-text('已完成')")

    task.refresh_from_db()
    resolution.proposal.refresh_from_db()
    assert task.state == TaskState.DONE
    assert resolution.proposal.state == ProposalState.COMPLETED
    assert ResultPublication.objects.filter(resolution=resolution).count() == 1
