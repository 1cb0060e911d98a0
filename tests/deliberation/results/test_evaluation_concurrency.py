"""Once each, even under races: the database constraint is the final word on double ratings."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from deliberation.models import Evaluation
from deliberation.results import evaluation as ev
from tests.community.factories import HallFactory
from tests.conftest import need_service
from tests.deliberation.results.factories import published_result, resident


@pytest.mark.django_db
def test_a_race_past_the_check_is_refused_by_the_constraint(monkeypatch):
    hall = HallFactory()
    result = published_result(hall)
    person = resident(hall)
    ev.evaluation_submit(user=person, result=result, rating="satisfied")
    # As if the second request had checked before the first one committed.
    monkeypatch.setattr(ev, "evaluation_refusal", lambda **kwargs: None)
    with pytest.raises(ValidationError, match="每人只能评议一次"):
        ev.evaluation_submit(user=person, result=result, rating="dissatisfied")
    assert list(Evaluation.objects.values_list("rating", flat=True)) == ["satisfied"]
    # The transaction is still usable after the refused insert (it ran in a savepoint).
    assert Evaluation.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submits_record_one_rating_each():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL: runs under `make test-pg` (DATABASE_URL=postgres://…)")
    parsed = urlparse(url)
    need_service("PostgreSQL", parsed.hostname or "127.0.0.1", parsed.port or 5432)
    assert connection.vendor == "postgresql"
    hall = HallFactory()
    result = published_result(hall)
    people = [resident(hall) for _ in range(10)]
    attempts = [(p, r) for p in people for r in ("satisfied", "dissatisfied", "basically")]
    barrier = threading.Barrier(15)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit(person, rating):
        try:
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
            ev.evaluation_submit(user=person, result=result, rating=rating)
            outcome = "ok"
        except ValidationError as exc:
            outcome = "refused" if "每人只能评议一次" in " ".join(exc.messages) else f"other: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    with ThreadPoolExecutor(max_workers=15) as pool:
        list(pool.map(lambda a: submit(*a), attempts))
    assert outcomes.count("ok") == 10, outcomes
    assert outcomes.count("refused") == 20
    assert sorted(Evaluation.objects.values_list("user_id", flat=True)) == sorted(
        p.pk for p in people
    )
