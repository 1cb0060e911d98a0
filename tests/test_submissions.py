"""Idempotent forms (issue 11 #15): a double-submitted create-form makes one record.

Each test takes the token from the page a person would see, posts the form twice as a double tap
or a resent form does, and checks one record, the same redirect, and no error shown.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.urls import reverse

from community.roles import Role
from community.submissions import PENDING, submission_key
from deliberation.models import Evaluation, Objection
from deliberation.votes import services as sv
from forum.models import Comment, Proposal, Second
from tests.community.factories import client_for, member
from tests.deliberation.results.factories import building, published_result, resident
from tests.deliberation.votes.factories import make_ballot
from tests.forum.factories import proposal as make_proposal

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
ERRORS = ("已经附议过", "已对这项决议提出过异议", "已经评议过", "msg-error")


def token_in(page: str, form_id: str | None = None) -> str:
    """The submission token of the form (by id) on a page, as the browser would send it."""
    if form_id is not None:
        page = page[page.index(f'id="{form_id}"') :]
    return re.search(r'name="submission_token" value="([^"]+)"', page)[1]


def twice(client, url: str, data: dict):
    """Post the same form twice; return both answers."""
    return client.post(url, data), client.post(url, data)


def assert_no_error_after(client, response) -> str:
    page = client.get(response["Location"]).content.decode()
    assert not any(e in page for e in ERRORS), page
    return page


def test_a_double_submitted_comment_makes_one_comment(hall):
    p = make_proposal(hall)
    c = client_for(member(hall))
    page = c.get(reverse("proposal", args=[p.pk])).content.decode()
    data = {"body": "同意，喷泉要修。", "stance": "", "parent": "",
            "submission_token": token_in(page, "comment-form")}  # fmt: skip
    first, again = twice(c, reverse("comment_create", args=[p.pk]), data)
    assert Comment.objects.filter(proposal=p).count() == 1
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    shown = assert_no_error_after(c, again)
    assert "这份表单已经提交过了，没有重复记录" in shown


def test_the_same_page_used_again_with_other_words_is_a_new_comment(hall):
    """The back button: the old page's token with a new text is a new submission."""
    p = make_proposal(hall)
    c = client_for(member(hall))
    token = token_in(c.get(reverse("proposal", args=[p.pk])).content.decode(), "comment-form")
    url = reverse("comment_create", args=[p.pk])
    c.post(url, {"body": "第一句。", "submission_token": token})
    c.post(url, {"body": "再补充一句。", "submission_token": token})
    assert Comment.objects.filter(proposal=p).count() == 2


def test_two_drawings_of_the_form_are_two_submissions(hall):
    """The same words sent from two page loads are meant twice (tokens differ)."""
    p = make_proposal(hall)
    c = client_for(member(hall))
    url = reverse("comment_create", args=[p.pk])
    for _ in range(2):
        token = token_in(c.get(reverse("proposal", args=[p.pk])).content.decode(), "comment-form")
        c.post(url, {"body": "赞成。", "submission_token": token})
    assert Comment.objects.filter(proposal=p).count() == 2


def test_the_same_token_from_another_person_is_not_their_submission(hall):
    p = make_proposal(hall)
    a, b = client_for(member(hall)), client_for(member(hall))
    token = token_in(a.get(reverse("proposal", args=[p.pk])).content.decode(), "comment-form")
    url = reverse("comment_create", args=[p.pk])
    a.post(url, {"body": "赞成。", "submission_token": token})
    b.post(url, {"body": "赞成。", "submission_token": token})
    assert Comment.objects.filter(proposal=p).count() == 2


def test_a_double_submitted_second_makes_one_second_and_no_error(hall):
    p = make_proposal(hall)
    c = client_for(member(hall))
    page = c.get(reverse("proposal", args=[p.pk])).content.decode()
    data = {"submission_token": token_in(page, "second-form")}
    first, again = twice(c, reverse("proposal_second", args=[p.pk]), data)
    assert Second.objects.filter(proposal=p).count() == 1
    assert again["Location"] == first["Location"]
    assert_no_error_after(c, again)


def test_a_double_submitted_proposal_makes_one_proposal(hall):
    c = client_for(member(hall))
    page = c.get(reverse("proposal_new", args=[hall.slug])).content.decode()
    data = {"title": "楼道加装扶手", "body": "三栋的老人上下楼不方便。", "action": "publish",
            "submission_token": token_in(page)}  # fmt: skip
    first, again = twice(c, reverse("proposal_new", args=[hall.slug]), data)
    assert Proposal.objects.filter(title="楼道加装扶手").count() == 1
    assert first.status_code == 302 and again["Location"] == first["Location"]


def test_a_form_shown_again_with_its_errors_is_not_remembered(hall):
    c = client_for(member(hall))
    page = c.get(reverse("proposal_new", args=[hall.slug])).content.decode()
    data = {"title": "", "body": "没有标题。", "submission_token": token_in(page)}
    first, again = twice(c, reverse("proposal_new", args=[hall.slug]), data)
    assert first.status_code == again.status_code == 200  # both times the errors, not a redirect
    fixed = c.post(reverse("proposal_new", args=[hall.slug]), {**data, "title": "补上标题"})
    assert fixed.status_code == 302 and Proposal.objects.filter(title="补上标题").count() == 1


def test_a_double_submitted_objection_makes_one_objection_and_no_error(hall):
    mod, head = member(hall, Role.MODERATOR), member(hall, Role.HEAD)
    voter = member(hall)
    ballot = make_ballot(hall, mod, quorum_fraction="0.1")
    sv.ballot_cast(voter=voter, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    res = sv.resolution_publish(actor=head, ballot=ballot, title="加装扶手", text="在 3 栋加装。")
    c = client_for(voter)
    page = c.get(reverse("resolution", args=[res.pk])).content.decode()
    data = {"reason": "扶手会挡住电表箱。", "submission_token": token_in(page)}
    first, again = twice(c, reverse("objection_lodge", args=[res.pk]), data)
    assert Objection.objects.filter(resolution=res).count() == 1
    assert again["Location"] == first["Location"]
    assert_no_error_after(c, again)


def test_a_double_submitted_rating_makes_one_rating_and_no_error():
    from tests.community.factories import HallFactory

    hall = HallFactory()
    result = published_result(hall, places=[None])
    c = client_for(resident(hall, building(hall)))
    step = c.post(reverse("result_evaluate", args=[result.pk]), {"rating": "satisfied"})
    data = {"rating": "satisfied", "comment": "", "confirm": "1",
            "submission_token": token_in(step.content.decode())}  # fmt: skip
    first, again = twice(c, reverse("result_evaluate", args=[result.pk]), data)
    assert Evaluation.objects.filter(result=result).count() == 1
    assert again["Location"] == first["Location"]
    assert_no_error_after(c, again)


def test_a_second_send_while_the_first_is_still_running_makes_nothing(hall, settings):
    """The first POST has claimed the token and not finished: the second waits, then goes back."""
    settings.SUBMISSION_WAIT_SECONDS = 0
    p = make_proposal(hall)
    person = member(hall)
    c = client_for(person)
    detail = reverse("proposal", args=[p.pk])
    token = token_in(c.get(detail).content.decode(), "comment-form")
    data = {"body": "同意。", "submission_token": token}
    post = QueryDict(mutable=True)
    post.update(data)
    cache.set(submission_key(user_id=person.pk, token=token, post=post), PENDING, 60)
    again = c.post(
        reverse("comment_create", args=[p.pk]), data, HTTP_REFERER="http://testserver" + detail
    )
    assert again.status_code == 302 and again["Location"].endswith(detail)
    assert not Comment.objects.filter(proposal=p).exists()
    assert "正在处理中" in c.get(detail).content.decode()


# Every form that creates a record in forum/ and deliberation/ carries the token (the ballot's
# cast form is left out on purpose: the database allows one vote, and its receipt must never be
# kept anywhere, the cache included).
CREATE_FORMS = {
    "forum/form.html": ["proposal-form"],
    "forum/detail.html": ["proposal_second", "comment_create", "proposal_report"],
    "forum/_comment.html": ["/report/"],
    "deliberation/votes/resolution.html": ["objection_lodge"],
    "deliberation/votes/ballot_form.html": ['class="card narrow"'],
    "deliberation/votes/resolution_form.html": ['class="card"'],
    "deliberation/results/result.html": ["evaluate-form"],
    "deliberation/results/result_confirm.html": ["result_evaluate"],
    "deliberation/tasks/task_form.html": ['class="card"'],
    "deliberation/tasks/task_report.html": ['class="card"'],
    "deliberation/tasks/task.html": ["subtask_add"],
    "deliberation/meetings/meeting_form.html": ['class="card narrow"'],
    "deliberation/meetings/meeting_checkin.html": ['<form method="post">'],
}


@pytest.mark.parametrize("template", sorted(CREATE_FORMS))
def test_every_create_form_carries_a_submission_token(template):
    source = (TEMPLATES / template).read_text()
    forms = re.findall(r"<form\b[^>]*>.*?</form>", source, re.S)
    for marker in CREATE_FORMS[template]:
        matching = [f for f in forms if marker in f.split(">", 1)[0] + ">"]
        assert matching, (template, marker)
        assert all("{% submission_token %}" in f for f in matching), (template, marker)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_comment_sent_eight_times_at_once_makes_one(hall):
    """Concurrent sends (a phone retrying on a poor line): one claims the token, the rest wait."""
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL: runs under `make test-pg` (DATABASE_URL=postgres://…)")
    p = make_proposal(hall)
    person = member(hall)
    token = token_in(
        client_for(person).get(reverse("proposal", args=[p.pk])).content.decode(), "comment-form"
    )
    data = {"body": "同意，尽快修。", "stance": "", "parent": "", "submission_token": token}
    barrier = threading.Barrier(8)

    def send(_):
        try:
            c = client_for(person)
            barrier.wait(timeout=10)
            response = c.post(reverse("comment_create", args=[p.pk]), data)
            return response.status_code, response["Location"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert Comment.objects.filter(proposal=p).count() == 1
    comment = Comment.objects.get(proposal=p)
    assert set(answers) == {(302, reverse("proposal", args=[p.pk]) + f"#c{comment.pk}")}
