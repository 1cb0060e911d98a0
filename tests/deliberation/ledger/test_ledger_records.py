"""The ledger protects what it certifies (issue 11, finding 9).

Each test edits a live table directly, as someone with database access would — a ballot's
outcome, a vote row, a resolution's text, an objection's answer, a rating, a participation, a
check-in — and shows that `verify_ledger` then exits non-zero naming the record (kind, id,
field), and that the public page of the resolution or result warns its readers. Untouched data,
and data after an account is deleted, verify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.privacy import account_delete
from community.roles import Role
from deliberation.ledger import services as ledger
from deliberation.ledger.selectors import ledger_verify, records_differ
from deliberation.models import (
    Ballot,
    CheckIn,
    Evaluation,
    HandCount,
    LedgerEntry,
    Objection,
    Participation,
    Rating,
    Resolution,
    ResultPublication,
    VoteRecord,
)
from deliberation.models.votes import BallotMode
from deliberation.votes import services as sv
from tests.community.factories import PASSWORD, HallFactory, client_for, member
from tests.deliberation.story.factories import Flow, full_flow
from tests.deliberation.votes.factories import make_ballot, no_writes, voters

WARNING = "此记录与台账链登记的内容不一致"


@pytest.fixture
def flow(hall) -> Flow:
    """A proposal all the way through: a secret vote in a meeting, a resolution with an answered
    objection, a task, a published result rated by three residents and closed."""
    return full_flow(hall)


def failure(**options) -> str:
    """Run verify_ledger; it must exit non-zero. Return what it said."""
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_ledger", stderr=err, **options)
    assert exc.value.returncode != 0
    return f"{exc.value}\n{err.getvalue()}"


def page(url: str, user=None) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def resolution_url(flow: Flow) -> str:
    return reverse("resolution", args=[flow.resolution.pk])


def result_url(flow: Flow) -> str:
    return reverse("result", args=[flow.result.pk])


# --- untouched data ---------------------------------------------------------------------------


def test_untouched_records_verify_and_the_pages_show_no_warning(flow):
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    entries = LedgerEntry.objects.filter(hall=flow.hall).count()
    assert entries == 13  # every kind of the flow: opened … evaluation_closed
    assert f"{entries} entries' records match what they certify" in out.getvalue()
    assert "not certifiable" not in out.getvalue()
    for url in (resolution_url(flow), result_url(flow)):
        assert WARNING not in page(url)
    assert WARNING not in page(reverse("resolution_print", args=[flow.resolution.pk]))


def test_checking_the_records_writes_nothing(flow):
    with no_writes():
        assert ledger_verify().ok
        assert records_differ(
            hall_id=flow.hall.pk,
            ballot=flow.resolution.ballot_id,
            resolution=flow.resolution.pk,
        ).ok


def test_a_deleted_account_still_verifies(flow):
    """Ledger entries name people by number only: deleting an account (its name erased) changes
    nothing the ledger certified — the voter, the objector and a rater all delete theirs."""
    for name in ("liu", "wang", "author"):
        account_delete(user=flow.people[name], password=PASSWORD)
    call_command("verify_ledger")
    assert WARNING not in page(resolution_url(flow))
    assert WARNING not in page(result_url(flow))
    # …and no entry carries a name in clear.
    payloads = str(list(LedgerEntry.objects.values_list("payload", flat=True)))
    for person in flow.people.values():
        person.refresh_from_db()
        assert person.display_name not in payloads
    for name in ("黄秀芬", "陈红", "张奶奶", "王阿姨", "刘叔叔", "李萍"):
        assert name not in payloads


# --- each certified kind, edited in the database --------------------------------------------


@dataclass
class Case:
    """An edit of a live table, what verify_ledger must name, and which page must warn."""

    edit: Callable[[Flow], None]
    names: Callable[[Flow], str]  # "<record> <id> field <field>"
    kind: str
    pages: tuple[str, ...] = ("resolution",)
    says: str = ""  # what the warning on the page says of the record, in words


def _ballot(flow: Flow) -> Ballot:
    return flow.resolution.ballot


def _record(flow: Flow) -> VoteRecord:
    return VoteRecord.objects.filter(ballot=_ballot(flow)).order_by("receipt").first()


def _objection(flow: Flow) -> Objection:
    return flow.resolution.objections.get()


def _flip_outcome_total(flow: Flow) -> None:
    ballot = _ballot(flow)
    outcome = dict(ballot.outcome)
    outcome["totals"] = {**outcome["totals"], "against": outcome["totals"]["against"] + 5}
    Ballot.objects.filter(pk=ballot.pk).update(outcome=outcome)


CASES = {
    "ballot outcome": Case(
        edit=lambda f: Ballot.objects.filter(pk=_ballot(f).pk).update(result="failed"),
        names=lambda f: f"ballot {_ballot(f).pk} field result",
        kind=ledger.OUTCOME_RECORDED,
        says="表决（编号 {ballot}）的「结果」",
    ),
    "ballot tally": Case(
        edit=_flip_outcome_total,
        names=lambda f: f"ballot {_ballot(f).pk} field outcome.totals",
        kind=ledger.OUTCOME_RECORDED,
    ),
    "vote row changed": Case(
        edit=lambda f: VoteRecord.objects.filter(pk=_record(f).pk).update(
            choices=["against"] if _record(f).choices == ["for"] else ["for"]
        ),
        names=lambda f: f"vote {_record(f).receipt} field choices",
        kind=ledger.BALLOT_CAST,
    ),
    "vote row deleted": Case(
        edit=lambda f: VoteRecord.objects.filter(receipt=_record(f).receipt).delete(),
        names=lambda f: "field row: certified 'exists', live '<deleted>'",
        kind=ledger.BALLOT_CAST,
        says="已从数据库中删除",
    ),
    "participation deleted": Case(
        edit=lambda f: Participation.objects.filter(
            ballot=_ballot(f), user=f.people["wang"]
        ).delete(),
        names=lambda f: f"ballot {_ballot(f).pk} field participants: certified 4, live 3",
        kind=ledger.BALLOT_CLOSED,
    ),
    "check-in deleted": Case(
        # The head was present but did not vote: one fewer present, and the recount no longer
        # meets the quorum the vote was counted under.
        edit=lambda f: CheckIn.objects.filter(meeting=f.meeting, user=f.people["head"]).delete(),
        names=lambda f: (
            f"ballot {_ballot(f).pk} field recount.result: certified 'passed', live 'no_quorum'"
        ),
        kind=ledger.OUTCOME_RECORDED,
    ),
    "resolution text": Case(
        edit=lambda f: Resolution.objects.filter(pk=f.resolution.pk).update(
            text="由居民自费维修。"
        ),
        names=lambda f: f"resolution {f.resolution.pk} field text_sha256",
        kind=ledger.RESOLUTION_PUBLISHED,
        says="决议（编号 {resolution}）的「正文」",
    ),
    "resolution title": Case(
        edit=lambda f: Resolution.objects.filter(pk=f.resolution.pk).update(title="拆除喷泉"),
        names=lambda f: f"resolution {f.resolution.pk} field title",
        kind=ledger.RESOLUTION_PUBLISHED,
    ),
    "objection reason": Case(
        edit=lambda f: Objection.objects.filter(pk=_objection(f).pk).update(reason="没有意见。"),
        names=lambda f: f"objection {_objection(f).pk} field reason_sha256",
        kind=ledger.OBJECTION_LODGED,
    ),
    "objection answer": Case(
        edit=lambda f: Objection.objects.filter(pk=_objection(f).pk).update(answer="不予答复。"),
        names=lambda f: f"objection {_objection(f).pk} field answer_sha256",
        kind=ledger.OBJECTION_ANSWERED,
        says="异议（编号 {objection}）的「答复」",
    ),
    "objection deleted": Case(
        edit=lambda f: Objection.objects.filter(resolution=f.resolution).delete(),
        names=lambda f: "objection",
        kind=ledger.OBJECTION_LODGED,
    ),
    "rating changed": Case(
        edit=lambda f: Evaluation.objects.filter(result=f.result, user=f.people["liu"]).update(
            rating=Rating.DISSATISFIED
        ),
        names=lambda f: f"result {f.result.pk} field basically: certified 1, live 0",
        kind=ledger.EVALUATION_CLOSED,
        pages=("result", "resolution"),
    ),
    "rating deleted": Case(
        edit=lambda f: Evaluation.objects.filter(result=f.result, user=f.people["wang"]).delete(),
        names=lambda f: f"result {f.result.pk} field ratings: certified 3, live 2",
        kind=ledger.EVALUATION_CLOSED,
        says="实施结果（编号 {result}）的「评议人数」",
        pages=("result", "resolution"),
    ),
    "result outcome": Case(
        edit=lambda f: ResultPublication.objects.filter(pk=f.result.pk).update(state="reopened"),
        names=lambda f: f"result {f.result.pk} field state: certified 'accepted', live 'reopened'",
        kind=ledger.EVALUATION_CLOSED,
        pages=("result",),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_edited_record_fails_verification_and_the_page_warns(flow, name):
    case = CASES[name]
    named = case.names(flow)  # before the edit: the record may be deleted
    objection_id = _objection(flow).pk
    case.edit(flow)

    said = failure()
    assert "records differ from the ledger" in said
    assert f"hall {flow.hall.slug}" in said
    assert f"({case.kind})" in said, said
    assert named in said, said
    if name == "objection deleted":
        assert f"objection {objection_id} field row" in said
    # The chain itself is intact: only the records changed.
    assert ledger_verify(records=False).ok
    call_command("verify_ledger", chain_only=True)

    urls = {"resolution": resolution_url(flow), "result": result_url(flow)}
    says = case.says.format(
        ballot=_ballot(flow).pk,
        resolution=flow.resolution.pk,
        objection=objection_id,
        result=flow.result.pk,
    )
    for which in case.pages:
        html = page(urls[which])
        assert WARNING in html, which
        assert "台账链第" in html
        assert says in html, (which, says)
    if "resolution" in case.pages:
        assert WARNING in page(reverse("resolution_print", args=[flow.resolution.pk]))


def test_the_first_record_that_differs_is_named_for_each_hall(flow):
    """Two records edited: the earlier entry is named; a hall left alone is not reported."""
    other = full_flow(HallFactory(), title="修路")
    Resolution.objects.filter(pk=flow.resolution.pk).update(text="改过的决议。")
    Evaluation.objects.filter(result=flow.result).delete()
    result = ledger_verify()
    assert not result.ok
    assert len(result.differences) == 1
    first = result.first_difference
    assert (first.record, first.record_id, first.field) == (
        "resolution",
        flow.resolution.pk,
        "text_sha256",
    )
    assert first.kind == ledger.RESOLUTION_PUBLISHED
    assert first.hall == flow.hall.pk != other.hall.pk
    call_command("verify_ledger", hall=other.hall.slug)


# --- named ballots, proxies and hand counts ------------------------------------------------------


@pytest.fixture
def named(hall):
    """A named （记名） live ballot: two online votes, one by proxy, and a show of hands; closed."""
    mod = member(hall, Role.MODERATOR)
    people = voters(hall, 5)
    ballot = make_ballot(
        hall,
        mod,
        secret=False,
        mode=BallotMode.LIVE,
        quorum_basis="present",
        quorum_fraction="0.01",
    )
    sv.ballot_authorize_proxy(actor=mod, ballot=ballot, grantor=people[3], holder=people[0])
    sv.ballot_cast(voter=people[0], ballot=ballot, choices=["for"])
    sv.ballot_cast(voter=people[1], ballot=ballot, choices=["against"])
    sv.ballot_cast(voter=people[0], ballot=ballot, choices=["for"], on_behalf_of=people[3])
    present = {people[2].pk, people[4].pk}
    sv.ballot_enter_hand_count(
        actor=mod, ballot=ballot, voters=1, votes={"for": 1}, present_user_ids=present
    )
    # A correction: the later entry is the one the record must match.
    sv.ballot_enter_hand_count(
        actor=mod, ballot=ballot, voters=2, votes={"for": 1, "against": 1}, present_user_ids=present
    )
    sv.ballot_close(actor=mod, ballot=ballot)
    return ballot, people, mod


def test_a_named_ballot_with_proxy_and_hand_count_verifies(named):
    ballot, _people, mod = named
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "not certifiable" not in out.getvalue()
    assert WARNING not in page(reverse("ballot_results", args=[ballot.pk]), mod)


@pytest.mark.parametrize(
    ("edit", "named_as"),
    [
        (
            lambda b, p: Participation.objects.filter(ballot=b, user=p[1]).update(
                named_choices=["for"]
            ),
            lambda b, p: f"participation {b.pk}:{p[1].pk} field named_choices",
        ),
        (
            lambda b, p: Participation.objects.filter(ballot=b, user=p[1]).delete(),
            lambda b, p: f"participation {b.pk}:{p[1].pk} field row",
        ),
        (
            lambda b, p: Participation.objects.filter(ballot=b, user=p[3]).update(cast_by=p[1]),
            lambda b, p: f"participation {b.pk}:{p[3].pk} field cast_by",
        ),
        (
            lambda b, p: HandCount.objects.filter(ballot=b).update(votes={"for": 2}),
            lambda b, p: f"hand_count {b.pk} field votes",
        ),
        (
            lambda b, p: Ballot.objects.filter(pk=b.pk).update(title="是否拆除扶手"),
            lambda b, p: f"ballot {b.pk} field title",
        ),
    ],
    ids=[
        "named choice",
        "participation deleted",
        "proxy holder",
        "hand count",
        "ballot title",
    ],
)
def test_an_edited_named_vote_fails_verification_and_the_ballot_page_warns(named, edit, named_as):
    ballot, people, mod = named
    expected = named_as(ballot, people)
    edit(ballot, people)
    assert expected in failure(hall=ballot.hall.slug)
    assert WARNING in page(reverse("ballot_results", args=[ballot.pk]), mod)


def test_rows_the_check_cannot_read_fail_it_rather_than_pass_or_crash(named):
    """A hand count edited into a list: the recount cannot read it. Verification fails closed,
    naming the edited row, and the selector a page uses answers instead of raising."""
    ballot, _people, _mod = named
    HandCount.objects.filter(ballot=ballot).update(votes=["for", "for"])
    assert f"hand_count {ballot.pk} field votes" in failure()
    found = records_differ(hall_id=ballot.hall_id, ballot=ballot.pk)
    assert not found.ok
    assert any(d.field == "check" and "cannot check" in d.live for d in found.differences)


# --- older entries, and what a page costs ------------------------------------------------------


def test_an_older_entry_without_a_digest_is_not_certifiable_rather_than_failing(flow):
    """An entry written before its kind carried a digest (here: an objection without the reason's
    SHA-256) cannot be recomputed: it is counted as not certifiable, not reported as a failure."""
    objection = _objection(flow)
    ledger.ledger_append(
        hall=flow.hall,
        kind=ledger.OBJECTION_LODGED,
        payload={"resolution": flow.resolution.pk, "objection": objection.pk},
    )
    Objection.objects.filter(pk=objection.pk).update(reason="改过的理由。")
    # The current entry of the objection still names the edit…
    assert f"objection {objection.pk} field reason_sha256" in failure()
    Objection.objects.filter(pk=objection.pk).update(reason="费用应当公开明细。")
    # …and with the text restored, the old-format entry is only counted.
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "1 older entries carry too little to recompute (not certifiable)" in out.getvalue()


def test_the_check_on_a_page_does_not_grow_with_the_number_of_votes(hall):
    """The records of a ballot are read in a fixed number of queries, however many voted."""
    mod = member(hall, Role.MODERATOR)

    def queries_for(n: int) -> int:
        people = voters(hall, n)
        ballot = make_ballot(hall, mod, secret=False, quorum_fraction="0.01")
        for person in people:
            sv.ballot_cast(voter=person, ballot=ballot, choices=["for"])
        sv.ballot_close(actor=mod, ballot=ballot)
        with CaptureQueriesContext(connection) as ctx:
            found = records_differ(hall_id=hall.pk, ballot=ballot.pk)
        assert found.ok and found.certified == n + 3  # opened, n casts, closed, outcome
        return len(ctx.captured_queries)

    assert queries_for(3) == queries_for(12)


def test_the_cron_run_is_silent_when_all_verifies_and_names_the_record_when_not(flow):
    out = StringIO()
    call_command("verify_ledger", verbosity=0, stdout=out)
    assert out.getvalue() == ""
    Resolution.objects.filter(pk=flow.resolution.pk).update(text="改过的决议。")
    said = failure(verbosity=0)
    assert f"DIFFERS hall {flow.hall.slug}" in said
    assert f"resolution {flow.resolution.pk} field text_sha256" in said
