"""Photos are processed before the write transaction (SQLite's lock is not held meanwhile)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from community import images
from deliberation.models import ProgressReport
from deliberation.tasks import services as task_services
from forum import services
from forum.models import Proposal, ProposalState
from tests.community.factories import member
from tests.deliberation.tasks.factories import task_world
from tests.forum.factories import proposal


def jpeg(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def outside_transactions(monkeypatch):
    """Record, for each photo processed, whether a transaction was open."""
    seen = []
    real = images.clean_image

    def spy(upload, **kw):
        seen.append(connection.in_atomic_block)
        return real(upload, **kw)

    monkeypatch.setattr(images, "clean_image", spy)
    return seen


@pytest.mark.django_db(transaction=True)
def test_proposal_photos_are_processed_outside_the_transaction(hall, outside_transactions):
    author = member(hall)
    p = services.proposal_create(
        author=author, hall=hall, title="楼道灯坏了", body="三楼", images=[jpeg(), jpeg()]
    )
    draft = proposal(hall, author, state=ProposalState.DRAFT)
    services.proposal_add_images(actor=author, proposal=draft, images=[jpeg()])
    assert outside_transactions == [False, False, False]
    assert Proposal.objects.get(pk=p.pk).images.count() == 2 and draft.images.count() == 1


@pytest.mark.django_db(transaction=True)
def test_report_photos_are_processed_outside_the_transaction(hall, outside_transactions):
    world = task_world(hall)
    task = world.task()
    report = task_services.task_report_progress(
        actor=world.owner, task=task, body="已完成一半", images=[jpeg()]
    )
    assert outside_transactions == [False]
    assert ProgressReport.objects.get(pk=report.pk).images.count() == 1
