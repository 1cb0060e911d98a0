"""/api/v1/: a result with its counts, rating it once, a hall's results."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from community.models import ApiToken
from deliberation.models import Evaluation
from deliberation.results.evaluation import evaluation_close, evaluation_submit
from tests.community.factories import HallFactory, UserFactory, client_for
from tests.deliberation.results.factories import building, published_result, resident

pytestmark = pytest.mark.django_db


def post_json(c: Client, url: str, data: dict, **headers):
    return c.post(url, json.dumps(data), content_type="application/json", **headers)


@pytest.fixture
def setup():
    hall = HallFactory()
    b1, b2 = building(hall, "1栋"), building(hall, "2栋")
    return hall, b1, b2, published_result(hall, places=[b1])


def test_get_a_result_with_counts_hidden_until_rated_or_closed(setup):
    hall, b1, _, result = setup
    evaluation_submit(user=resident(hall, b1), result=result, rating="dissatisfied")
    data = Client().get(f"/api/v1/results/{result.pk}").json()
    assert data["round"] == 1 and data["state"] == "evaluating" and data["open"] is True
    assert data["resolution_title"] == result.resolution.title
    assert data["place"] == "1栋" and data["building_ids"] == [b1.pk]
    assert data["ratings"] == 1 and data["counts_visible"] is False and data["counts"] == []
    assert data["can_evaluate"] is False and "登录" in data["refusal"]
    assert [t["state"] for t in data["tasks"]] == ["done"]
    evaluation_close(result=result, now=result.evaluation_ends_at)
    closed = Client().get(f"/api/v1/results/{result.pk}").json()
    assert closed["state"] == "accepted" and closed["counts_visible"] is True
    assert {c["rating"]: (c["count"], c["percent"]) for c in closed["counts"]} == {
        "satisfied": (0, "0.0"),
        "basically": (0, "0.0"),
        "dissatisfied": (1, "100.0"),
    }


def test_submit_once_through_the_api(setup):
    hall, b1, _, result = setup
    person = resident(hall, b1)
    c = client_for(person)
    assert c.get(f"/api/v1/results/{result.pk}").json()["can_evaluate"] is True
    r = post_json(
        c, f"/api/v1/results/{result.pk}/evaluations", {"rating": "satisfied", "comment": "好"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (
        body["my_evaluation"]["rating"] == "satisfied" and body["my_evaluation"]["comment"] == "好"
    )
    assert body["counts_visible"] is True and body["ratings"] == 1 and body["can_evaluate"] is False
    twice = post_json(c, f"/api/v1/results/{result.pk}/evaluations", {"rating": "dissatisfied"})
    assert twice.status_code == 400 and "每人只能评议一次" in twice.json()["detail"]
    bad = post_json(
        client_for(resident(hall, b1)),
        f"/api/v1/results/{result.pk}/evaluations",
        {"rating": "meh"},
    )
    assert bad.status_code == 422
    assert Evaluation.objects.count() == 1


def test_refusals_through_the_api(setup):
    hall, _, b2, result = setup
    url = f"/api/v1/results/{result.pk}/evaluations"
    assert post_json(Client(), url, {"rating": "satisfied"}).status_code == 401
    elsewhere = post_json(client_for(resident(hall, b2)), url, {"rating": "satisfied"})
    assert elsewhere.status_code == 403 and "1栋" in elsewhere.json()["detail"]
    outsider = post_json(client_for(UserFactory()), url, {"rating": "satisfied"})
    assert outsider.status_code == 403 and "成员" in outsider.json()["detail"]
    assert not Evaluation.objects.exists()
    missing = post_json(
        client_for(UserFactory()), "/api/v1/results/999999/evaluations", {"rating": "satisfied"}
    )
    assert missing.status_code == 404


def test_a_bearer_token_works_for_reading_and_rating(setup):
    hall, b1, _, result = setup
    person = resident(hall, b1)
    _, raw = ApiToken.issue(user=person, name="小程序")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert Client().get(f"/api/v1/results/{result.pk}", **auth).json()["can_evaluate"] is True
    r = post_json(
        Client(), f"/api/v1/results/{result.pk}/evaluations", {"rating": "basically"}, **auth
    )
    assert r.status_code == 201
    assert Client().get(f"/api/v1/results/{result.pk}", **auth).json()["my_evaluation"][
        "rating"
    ] == ("basically")


def test_list_a_halls_results(setup, django_assert_max_num_queries):
    hall, b1, b2, result = setup
    second = published_result(hall, places=[b2], title="清洁楼道")
    person = resident(hall, b1)
    evaluation_submit(user=person, result=result, rating="satisfied")
    c = client_for(person)
    with django_assert_max_num_queries(12):
        rows = c.get(f"/api/v1/halls/{hall.pk}/results").json()
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {result.pk, second.pk}
    assert by_id[result.pk]["my_evaluation"]["rating"] == "satisfied"
    assert by_id[result.pk]["counts_visible"] is True
    assert by_id[second.pk]["can_evaluate"] is False and by_id[second.pk]["place"] == "2栋"
    assert by_id[second.pk]["counts_visible"] is False
    assert Client().get(f"/api/v1/halls/{hall.pk}/results").status_code == 200
    assert Client().get("/api/v1/halls/999999/results").status_code == 404


@pytest.mark.parametrize(
    "params", [{"offset": -1}, {"limit": -5}, {"limit": 0}, {"offset": 2**64}, {"limit": 201}]
)
def test_paging_out_of_range_is_a_422_with_the_reason_not_a_500(setup, params):
    hall = setup[0]
    r = Client().get(f"/api/v1/halls/{hall.pk}/results", params)
    assert r.status_code == 422 and r.json()["detail"]
    ok = Client().get(f"/api/v1/halls/{hall.pk}/results", {"offset": 1, "limit": 1})
    assert ok.status_code == 200
