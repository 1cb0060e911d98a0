"""What people see: the ballot page, confirming a vote, the receipt, results, notice, print, API."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from community.roles import Role
from deliberation.models import Objection, Participation, Resolution, VoteRecord
from deliberation.votes import services as sv
from tests.community.factories import BrowserClient, UserFactory, client_for, member
from tests.deliberation.votes.factories import make_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(hall):
    return member(hall, Role.MODERATOR, display_name="主持人李姐")


@pytest.fixture
def resident(hall):
    return member(hall, display_name="王阿姨")


def test_resident_is_told_a_vote_cannot_be_changed_then_confirms(hall, mod, resident):
    ballot = make_ballot(hall, mod)
    c = client_for(resident)
    page = c.get(reverse("ballot", args=[ballot.pk])).content.decode()
    assert "票一经投出就不能更改或撤回" in page
    assert 'value="for"' in page and 'value="abstain"' in page
    # step 1: choice → a confirmation page; nothing stored yet
    confirm = c.post(reverse("ballot_cast", args=[ballot.pk]), {"choice": "for"})
    assert "确认投出，不再更改" in confirm.content.decode()
    assert "赞成" in confirm.content.decode()
    assert not Participation.objects.exists()
    # step 2: confirmed → receipt shown once
    done = c.post(reverse("ballot_cast", args=[ballot.pk]), {"choice": "for", "confirm": "1"})
    receipt = re.search(r'id="receipt">([A-Z0-9-]+)<', done.content.decode()).group(1)
    assert VoteRecord.objects.get(ballot=ballot).receipt == receipt
    # afterwards the page says so and offers no form
    page = c.get(reverse("ballot", args=[ballot.pk])).content.decode()
    assert "您已于" in page and "下一步：确认投票" not in page
    again = c.post(
        reverse("ballot_cast", args=[ballot.pk]), {"choice": "against", "confirm": "1"}, follow=True
    )
    assert "已经投过票了" in again.content.decode()
    assert VoteRecord.objects.filter(ballot=ballot).count() == 1


def test_outsiders_cannot_see_a_ballot(hall, mod):
    ballot = make_ballot(hall, mod)
    assert client_for(UserFactory()).get(reverse("ballot", args=[ballot.pk])).status_code == 403
    anonymous = BrowserClient().get(reverse("ballot", args=[ballot.pk]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_moderator_creates_opens_and_closes_from_the_pages(hall, mod, resident):
    c = client_for(mod)
    r = c.post(
        reverse("ballot_new", args=[hall.slug]),
        {
            "title": "选出本月最美楼道",
            "kind": "single_choice",
            "options": "1栋\n2栋\n3栋",
            "max_choices": 1,
            "mode": "live",
            "secret": "0",
            "results_live": "on",
            "electorate_scope": "members",
            "majority_rule": "for_gt_against",
            "quorum_fraction": "0.1",
            "proxy_cap": 1,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ballot = sv.Ballot.objects.get(title="选出本月最美楼道")
    assert [o.label for o in ballot.options.all()] == ["1栋", "2栋", "3栋"]
    c.post(reverse("ballot_open", args=[ballot.pk]))
    ballot.refresh_from_db()
    assert ballot.state == "open" and ballot.secret is False
    client_for(resident).post(
        reverse("ballot_cast", args=[ballot.pk]), {"choice": "o2", "confirm": "1"}
    )
    page = c.get(reverse("ballot", args=[ballot.pk])).content.decode()
    assert "录入现场举手表决" in page
    # named + live results: the counts are on the page while open
    assert "2栋" in page and "<strong>1</strong>" in page
    c.post(reverse("ballot_close", args=[ballot.pk]))
    ballot.refresh_from_db()
    assert ballot.state == "closed" and ballot.outcome["winners"] == ["o2"]
    results = c.get(reverse("ballot_results", args=[ballot.pk])).content.decode()
    assert "王阿姨" in results  # named ballot: who voted what is public


def test_a_resident_cannot_open_or_close(hall, mod, resident):
    ballot = make_ballot(hall, mod)
    r = client_for(resident).post(reverse("ballot_close", args=[ballot.pk]))
    assert r.status_code == 403
    ballot.refresh_from_db()
    assert ballot.state == "open"


def test_results_publish_receipts_sorted_and_a_voter_can_check_theirs(hall, mod):
    people = [member(hall) for _ in range(3)]
    ballot = make_ballot(hall, mod, quorum_fraction="0.1")
    receipts = [
        sv.ballot_cast(voter=p, ballot=ballot, choices=[c])
        for p, c in zip(people, ["for", "against", "for"], strict=True)
    ]
    sv.ballot_close(actor=mod, ballot=ballot)
    c = client_for(people[0])
    page = c.get(
        reverse("ballot_results", args=[ballot.pk]), {"receipt": receipts[0].lower()}
    ).content.decode()
    shown = re.findall(r"<li(?: class=\"mine\")?>([A-Z0-9]{5}-[A-Z0-9]{5}) ·", page)
    assert shown == sorted(receipts)
    assert f"回执码 {receipts[0]} 已计入" in page
    assert "王阿姨" not in page


def test_notice_resolution_objection_and_print(hall, mod):
    head = member(hall, Role.HEAD)
    voter = member(hall)
    ballot = make_ballot(hall, mod, quorum_fraction="0.1")
    sv.ballot_cast(voter=voter, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    hc = client_for(head)
    r = hc.post(
        reverse("resolution_new", args=[ballot.pk]),
        {"title": "楼道加装扶手", "text": "在 **3 栋** 加装扶手。"},
    )
    res = Resolution.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("resolution", args=[res.pk])
    board = BrowserClient().get(reverse("notice_board", args=[hall.slug])).content.decode()
    assert "楼道加装扶手" in board and "公示至" in board
    vc = client_for(voter)
    vc.post(reverse("objection_lodge", args=[res.pk]), {"reason": "扶手会挡住电表箱。"})
    obj = Objection.objects.get()
    page = BrowserClient().get(reverse("resolution", args=[res.pk])).content.decode()
    assert "扶手会挡住电表箱" in page and "<strong>3 栋</strong>" in page
    assert "待答复" in page
    hc.post(reverse("objection_answer", args=[obj.pk]), {"answer": "已改到对面墙。", "upheld": "0"})
    obj.refresh_from_db()
    assert obj.upheld is False and obj.answered_by == head
    printed = BrowserClient().get(reverse("resolution_print", args=[res.pk])).content.decode()
    assert printed.count("<svg") == 2
    assert res.chain_head_hash in printed
    assert "决议公示" in printed and "赞成" in printed


# --- API ------------------------------------------------------------------------------------


def test_api_ballot_flow(hall, mod, resident):
    m = client_for(mod)
    r = m.post(
        f"/api/v1/halls/{hall.pk}/ballots",
        json.dumps(
            {"title": "是否开放活动室", "ends_at": "2099-01-01T00:00:00Z", "quorum_fraction": "0.1"}
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    bid = r.json()["id"]
    assert m.post(f"/api/v1/ballots/{bid}/open").json()["state"] == "open"
    rc = client_for(resident)
    cast = rc.post(
        f"/api/v1/ballots/{bid}/cast",
        json.dumps({"choices": ["for"]}),
        content_type="application/json",
    )
    assert cast.status_code == 201
    receipt = cast.json()["receipt"]
    twice = rc.post(
        f"/api/v1/ballots/{bid}/cast",
        json.dumps({"choices": ["against"]}),
        content_type="application/json",
    )
    assert twice.status_code == 400 and "不能更改" in twice.json()["detail"]
    assert rc.get(f"/api/v1/ballots/{bid}").json()["my_vote"]["voted"] is True
    assert rc.get(f"/api/v1/ballots/{bid}/results").json()["outcome"] is None  # secret: hidden
    assert rc.post(f"/api/v1/ballots/{bid}/close").status_code == 403
    closed = m.post(f"/api/v1/ballots/{bid}/close").json()
    assert closed["result"] == "passed"
    results = rc.get(f"/api/v1/ballots/{bid}/results").json()
    assert results["receipts"] == [{"receipt": receipt, "choices": ["for"]}]
    assert results["outcome"]["totals"]["for"] == 1
    outsider = client_for(UserFactory())
    assert outsider.get(f"/api/v1/ballots/{bid}").status_code == 403


def test_api_resolution_and_objections(hall, mod, resident):
    head = member(hall, Role.HEAD)
    ballot = make_ballot(hall, mod, quorum_fraction="0.1")
    sv.ballot_cast(voter=resident, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    h = client_for(head)
    r = h.post(
        f"/api/v1/ballots/{ballot.pk}/resolution",
        json.dumps({"title": "开放活动室", "text": "每周六开放。"}),
        content_type="application/json",
    )
    assert r.status_code == 201
    rid = r.json()["id"]
    assert BrowserClient().get(f"/api/v1/halls/{hall.pk}/resolutions").json()[0]["id"] == rid
    o = client_for(resident).post(
        f"/api/v1/resolutions/{rid}/objections",
        json.dumps({"reason": "周六有人要休息。"}),
        content_type="application/json",
    )
    assert o.status_code == 201
    a = h.post(
        f"/api/v1/objections/{o.json()['id']}/answer",
        json.dumps({"answer": "改为下午开放。", "upheld": False}),
        content_type="application/json",
    )
    assert a.status_code == 200 and a.json()["upheld"] is False
    assert (
        BrowserClient().get(f"/api/v1/resolutions/{rid}").json()["objections"][0]["answer"]
        == "改为下午开放。"
    )


def test_openapi_lists_the_vote_endpoints(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").json()
    validate(spec)
    for path in (
        "/api/v1/ballots/{pk}/cast",
        "/api/v1/resolutions/{pk}/objections",
        "/api/v1/halls/{hall_id}/ballots",
    ):
        assert path in spec["paths"]


def test_residents_do_not_see_drafts_moderators_do(hall, mod, resident):
    draft = make_ballot(hall, mod, open_=False, title="草稿中的表决")
    make_ballot(hall, mod, title="进行中的表决")
    listing = client_for(resident).get(reverse("ballot_list", args=[hall.slug])).content.decode()
    assert "进行中的表决" in listing and draft.title not in listing
    assert (
        draft.title
        in client_for(mod).get(reverse("ballot_list", args=[hall.slug])).content.decode()
    )


def test_every_page_renders_in_each_state(hall, mod, resident):
    head = member(hall, Role.HEAD)
    hc, mc = client_for(head), client_for(mod)
    assert mc.get(reverse("ballot_new", args=[hall.slug])).status_code == 200
    draft = make_ballot(hall, mod, open_=False)
    assert "开始投票" in mc.get(reverse("ballot", args=[draft.pk])).content.decode()
    live = make_ballot(
        hall, mod, mode="live", kind="multiple_choice", options=["甲", "乙", "丙"], max_choices=2
    )
    page = mc.get(reverse("ballot", args=[live.pk])).content.decode()
    assert 'type="checkbox"' in page and "结束投票并计票" in page
    sv.ballot_cast(voter=resident, ballot=live, choices=["o1"])
    sv.ballot_close(actor=mod, ballot=live)
    assert hc.get(reverse("ballot", args=[live.pk])).status_code == 200
    assert hc.get(reverse("ballot_results", args=[live.pk])).status_code == 200
    assert hc.get(reverse("resolution_new", args=[live.pk])).status_code == 302  # not passed
    passed = make_ballot(hall, mod, quorum_fraction="0.1")
    sv.ballot_cast(voter=resident, ballot=passed, choices=["for"])
    sv.ballot_close(actor=mod, ballot=passed)
    assert "形成决议并公示" in hc.get(reverse("resolution_new", args=[passed.pk])).content.decode()
    assert client_for(resident).get(reverse("resolution_new", args=[passed.pk])).status_code == 403


def test_labels_come_from_the_choices_one_wording_each(hall, mod, resident):
    """Sources, results and the abstention read as their TextChoices labels on every page."""
    from deliberation.votes.choices import BallotKind, BallotResult, OptionKey, Source

    poll = make_ballot(hall, mod, kind=BallotKind.SINGLE_CHOICE, options=["种花", "修椅"])
    page = client_for(resident).get(reverse("ballot", args=[poll.pk])).content.decode()
    assert "空白票" in page and "弃权（空白票）" not in page
    grantor, holder = member(hall), member(hall)
    motion = make_ballot(hall, mod, secret=False, quorum_fraction="0.1")
    sv.ballot_authorize_proxy(actor=mod, ballot=motion, grantor=grantor, holder=holder)
    sv.ballot_cast(voter=holder, ballot=motion, choices=["for"], on_behalf_of=grantor)
    sv.ballot_cast(voter=resident, ballot=motion, choices=["abstain"])
    sv.ballot_close(actor=mod, ballot=motion)
    html = client_for(resident).get(reverse("ballot_results", args=[motion.pk])).content.decode()
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert str(Source.ONLINE.label) in headers and str(Source.PROXY.label) in headers
    assert f">{BallotResult.PASSED.label}</p>" in html
    assert str(OptionKey.ABSTAIN.label) in html
