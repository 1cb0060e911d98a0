"""Issue 13: proxies are registered by choosing both people from the ballot's roll by name
(not by typing usernames); only those who register proxies see the roll; never a phone number;
each refusal is said in words next to the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.roles import Role
from deliberation.models import ProxyAuthorization
from deliberation.votes import selectors as sel
from deliberation.votes import services as sv
from deliberation.votes.forms import ProxyForm
from tests.community.factories import HallFactory, client_for, member
from tests.deliberation.votes.factories import make_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(hall):
    class W:
        mod = member(hall, Role.MODERATOR, display_name="主持人李姐")
        wang = member(hall, display_name="王阿姨", phone="13800138000")
        zhang = member(hall, display_name="张奶奶")
        liu = member(hall, display_name="刘叔叔")
        ballot = None

    W.ballot = make_ballot(hall, W.mod, proxy_cap=1)
    return W


def post(client, ballot, **data):
    return client.post(reverse("ballot_proxy", args=[ballot.pk]), data, follow=True)


def test_the_moderator_chooses_both_people_by_name_and_is_told_it_is_done(w):
    c = client_for(w.mod)
    page = c.get(reverse("ballot", args=[w.ballot.pk])).content.decode()
    assert '<select id="px-g" name="grantor"' in page and '<select id="px-h" name="holder"' in page
    assert f'<option value="{w.wang.pk}">王阿姨</option>' in page
    assert "13800138000" not in page  # never a phone number
    assert "用户名" not in page
    r = post(c, w.ballot, grantor=str(w.wang.pk), holder=str(w.zhang.pk), note="书面委托")
    assert "已登记 王阿姨 委托 张奶奶 代投。" in r.content.decode()
    proxy = ProxyAuthorization.objects.get(ballot=w.ballot)
    assert (proxy.grantor, proxy.holder, proxy.note) == (w.wang, w.zhang, "书面委托")
    # Now the list says who can no longer grant or hold (and the server still refuses them).
    page = c.get(reverse("ballot", args=[w.ballot.pk])).content.decode()
    assert f'<option value="{w.wang.pk}" disabled>王阿姨（已委托他人）</option>' in page
    assert f'<option value="{w.zhang.pk}" disabled>张奶奶（代投已满）</option>' in page


@pytest.mark.parametrize(
    ("pick", "said"),
    [
        (("wang", "wang"), "委托人和受托人不能是同一个人，请另选受托人。"),
        (("outsider", "zhang"), "请从名单中选择委托人（本次表决的投票人）。"),
        (("wang", ""), "请选择受托人。"),
        (("voted", "zhang"), "刘叔叔 已经投过票，不能再委托。"),
        (("granted", "liu"), "王阿姨 已经委托了别人，每人只能委托一次。"),
        (("liu", "full"), "张奶奶 已代投 1 人，达到每人最多代投 1 人的上限，请另选受托人。"),
    ],
)
def test_each_refusal_is_said_next_to_the_field_and_nothing_is_written(w, hall, pick, said):
    outsider = member(HallFactory())  # a member of another hall: not on this ballot's roll
    if "voted" in pick:
        sv.ballot_cast(voter=w.liu, ballot=w.ballot, choices=["for"])
    if "granted" in pick or "full" in pick:
        sv.ballot_authorize_proxy(actor=w.mod, ballot=w.ballot, grantor=w.wang, holder=w.zhang)
    who = {
        "wang": w.wang,
        "zhang": w.zhang,
        "liu": w.liu,
        "outsider": outsider,
        "voted": w.liu,
        "granted": w.wang,
        "full": w.zhang,
    }
    data = {
        k: (str(who[v].pk) if v else "") for k, v in zip(("grantor", "holder"), pick, strict=True)
    }
    before = ProxyAuthorization.objects.count()
    r = post(client_for(w.mod), w.ballot, **data)
    page = r.content.decode()
    assert r.status_code == 200 and said in page and 'role="alert"' in page
    assert '<details class="card proxy-form" id="proxy-h" open>' in page  # shown open again
    assert ProxyAuthorization.objects.count() == before


def test_only_those_who_register_proxies_see_the_roll_or_may_post(w, hall):
    resident_page = client_for(w.liu).get(reverse("ballot", args=[w.ballot.pk])).content.decode()
    assert 'name="grantor"' not in resident_page and "张奶奶" not in resident_page
    r = client_for(w.liu).post(
        reverse("ballot_proxy", args=[w.ballot.pk]),
        {"grantor": str(w.wang.pk), "holder": str(w.zhang.pk)},
    )
    assert r.status_code == 403
    assert not ProxyAuthorization.objects.exists()
    head = member(hall, Role.HEAD, display_name="黄秀芬")
    assert (
        'name="grantor"'
        in client_for(head).get(reverse("ballot", args=[w.ballot.pk])).content.decode()
    )


def test_the_roll_is_the_ballots_electorate_with_same_names_told_apart(w, hall):
    twin = member(hall, display_name="王阿姨")
    late = make_ballot(hall, w.mod, open_=False)
    people = sel.proxy_people(ballot=w.ballot)
    labels = [p.label for p in people]
    assert twin.pk not in [p.id for p in people]  # joined after the vote opened: not on its roll
    assert "王阿姨" in labels
    draft = {p.id: p.label for p in sel.proxy_people(ballot=late)}
    assert draft[twin.pk] != draft[w.wang.pk] and draft[twin.pk].startswith("王阿姨 · ")
    form = ProxyForm({"grantor": str(twin.pk), "holder": str(w.zhang.pk)}, people=people, cap=1)
    assert not form.is_valid() and "请从名单中选择委托人" in str(form.errors)
