"""The task API at /api/v1/: a round trip through the same services, errors as JSON."""

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from deliberation.models import GovernanceTask, ProgressReport, ResultPublication, TaskState
from forum.models import ProposalState
from tests.community.factories import client_for, jpeg_with_gps
from tests.deliberation.tasks.factories import task_world

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_round_trip(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = task_world()
    head, owner = client_for(w.head), client_for(w.owner)
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    body = {
        "title": "清洗喷泉池",
        "description": "先**放水**",
        "brand_id": w.brand.pk,
        "owner_id": w.owner.pk,
        "volunteer_ids": [w.volunteer.pk],
        "building_id": w.building.pk,
        "due_on": due,
        "subtasks": [["放水", 1], ["清洗", 3]],
    }
    r = post(head, f"/api/v1/resolutions/{w.resolution.pk}/tasks", body)
    assert r.status_code == 201, r.content
    task = r.json()
    assert (
        task["state"] == "pending" and task["progress"] == 0 and task["owner"]["id"] == w.owner.pk
    )
    assert [s["weight"] for s in task["subtasks"]] == [1, 3]
    assert task["events"][0]["to_state"] == "pending"
    tid = task["id"]

    listed = client_for(None).get(f"/api/v1/halls/{w.hall.pk}/tasks").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == tid
    assert (
        client_for(None).get(f"/api/v1/halls/{w.hall.pk}/tasks?overdue=true").json()["count"] == 0
    )

    r = post(owner, f"/api/v1/tasks/{tid}/transitions/start")
    assert r.status_code == 200 and r.json()["state"] == "in_progress"
    sid = task["subtasks"][1]["id"]
    r = post(client_for(w.volunteer), f"/api/v1/tasks/{tid}/subtasks/{sid}/toggle")
    assert r.json()["progress"] == 75
    r = post(owner, f"/api/v1/tasks/{tid}/reports", {"body": "清洗完毕"})
    assert r.status_code == 201 and r.json()["progress"] == 75
    r = owner.post(
        f"/api/v1/tasks/{tid}/reports/photos",
        {"body": "照片", "images": [io.BytesIO(jpeg_with_gps())]},
    )
    assert r.status_code == 201, r.content
    report = ProgressReport.objects.get(pk=r.json()["id"])
    assert report.images.count() == 1
    assert len(Image.open(report.images.get().image.path).getexif()) == 0

    r = post(owner, f"/api/v1/tasks/{tid}/transitions/block", {"note": ""})
    assert r.status_code == 400 and "原因" in r.json()["detail"]
    r = post(owner, f"/api/v1/tasks/{tid}/transitions/cancel", {"note": "不做了"})
    assert r.status_code == 403
    r = post(owner, f"/api/v1/tasks/{tid}/transitions/complete")
    assert r.json()["state"] == "done" and r.json()["progress"] == 100
    assert ResultPublication.objects.count() == 1
    w.resolution.proposal.refresh_from_db()
    assert w.resolution.proposal.state == ProposalState.COMPLETED

    detail = client_for(None).get(f"/api/v1/tasks/{tid}").json()
    assert [e["to_state"] for e in detail["events"]] == ["pending", "in_progress", "done"]
    assert len(detail["reports"]) == 2 and detail["reports"][1]["images"]


def test_patch_and_manual_progress():
    w = task_world()
    task = w.task()
    head = client_for(w.head)
    new_due = (task.due_on + timedelta(days=5)).isoformat()
    r = head.patch(
        f"/api/v1/tasks/{task.pk}",
        json.dumps({"title": "新名字", "due_on": new_due, "whole_compound": True}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["title"] == "新名字" and r.json()["building"] is None
    r = client_for(w.owner).put(
        f"/api/v1/tasks/{task.pk}/progress",
        json.dumps({"progress": 30}),
        content_type="application/json",
    )
    assert r.json()["progress"] == 30
    r = client_for(w.owner).put(
        f"/api/v1/tasks/{task.pk}/progress",
        json.dumps({"progress": 130}),
        content_type="application/json",
    )
    assert r.status_code == 400
    assert GovernanceTask.objects.get().manual_progress == 30


def test_refusals_change_nothing():
    w = task_world()
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    body = {"title": "越权", "owner_id": w.owner.pk, "due_on": due}
    r = post(client_for(w.owner), f"/api/v1/resolutions/{w.resolution.pk}/tasks", body)
    assert r.status_code == 403 and r.json()["detail"]
    r = post(client_for(None), f"/api/v1/resolutions/{w.resolution.pk}/tasks", body)
    assert r.status_code == 401
    body["owner_id"] = w.resident.pk
    r = post(client_for(w.head), f"/api/v1/resolutions/{w.resolution.pk}/tasks", body)
    assert r.status_code == 400 and "owner" in r.json()["errors"]
    assert not GovernanceTask.objects.exists()
    task = w.task()
    r = post(client_for(w.member), f"/api/v1/tasks/{task.pk}/reports", {"body": "路过"})
    assert r.status_code == 403
    r = post(client_for(w.owner), f"/api/v1/tasks/{task.pk}/transitions/explode")
    assert r.status_code == 400
    assert client_for(None).get("/api/v1/tasks/99999").status_code == 404
    assert GovernanceTask.objects.get().state == TaskState.PENDING
    assert not ProgressReport.objects.exists()
