"""The result round's state table: every pair of states, allowed or refused."""

from __future__ import annotations

from itertools import product

import pytest
from django.core.exceptions import ValidationError

from deliberation.models import ResultPublication, ResultState
from deliberation.results import workflow
from tests.community.factories import HallFactory
from tests.deliberation.results.factories import building, published_result

pytestmark = pytest.mark.django_db


def test_the_table_names_exactly_the_documented_moves():
    assert workflow.TRANSITIONS == {
        (ResultState.EVALUATING, ResultState.ACCEPTED): "accept",
        (ResultState.EVALUATING, ResultState.REOPENED): "reopen",
    }


@pytest.mark.parametrize(("frm", "to"), list(product(ResultState.values, repeat=2)))
def test_every_round_move(frm, to):
    hall = HallFactory()
    result = published_result(hall, places=[building(hall)])
    ResultPublication.objects.filter(pk=result.pk).update(state=frm)
    locked = ResultPublication.objects.get(pk=result.pk)
    moment = result.evaluation_ends_at
    if (frm, to) in workflow.TRANSITIONS:
        workflow.result_transition(result=locked, to=to, closed_at=moment)
        result.refresh_from_db()
        assert (result.state, result.closed_at) == (to, moment)
    else:
        with pytest.raises(ValidationError, match=r"评议轮次当前为「.+」，不能变为「.+」"):
            workflow.result_transition(result=locked, to=to, closed_at=moment)
        result.refresh_from_db()
        assert (result.state, result.closed_at) == (frm, None)
