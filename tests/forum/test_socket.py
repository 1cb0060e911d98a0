"""The proposal room over the real ASGI stack: snapshot, live comments, commands, who gets in."""

import pytest
from asgiref.sync import sync_to_async

from forum import services
from forum.models import ProposalState
from tests.community.factories import HallFactory, UserFactory, member
from tests.forum.factories import proposal
from tests.wsclient import command, open_socket, receive, receive_until

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(db):
    hall = HallFactory(seconding_threshold=2)
    author = member(hall, display_name="黄秀芬")
    wang = member(hall, display_name="王阿姨")
    zhang = member(hall, display_name="张奶奶")
    p = proposal(hall, author)
    return hall, p, author, wang, zhang


async def test_snapshot_then_a_comment_arrives_live(scene):
    _hall, p, author, wang, zhang = scene
    await sync_to_async(services.comment_post)(author=zhang, proposal=p, body="先说一句")
    a, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", author)
    assert ok
    snap = await receive(a)
    assert snap["type"] == "snapshot" and snap["room"] == f"proposal.{p.pk}"
    assert [c["html"] for c in snap["data"]["comments"]] == ["<p>先说一句</p>"]
    assert snap["data"]["proposal"]["state"] == "collecting"
    assert [h["to_state"] for h in snap["data"]["history"]] == ["draft", "collecting"]

    await sync_to_async(services.comment_post)(
        author=wang, proposal=p, body="**赞成** <script>x</script>", stance="for"
    )
    added = await receive_until(a, "comment.added")
    c = added["data"]["comment"]
    assert c["author"]["name"] == "王阿姨" and c["stance"] == "for"
    assert c["html"].startswith("<p><strong>赞成</strong>") and "<script>" not in c["html"]
    changed = await receive_until(a, "proposal.changed")
    assert changed["data"]["proposal"]["comment_count"] == 2
    assert changed["data"]["proposal"]["stance_counts"]["for"] == 1
    assert changed["seq"] == added["seq"] + 1
    await a.disconnect()


async def test_commands_comment_react_second_and_errors(scene):
    _hall, p, author, wang, zhang = scene
    w, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", wang)
    assert ok
    await receive(w)
    reply = await command(w, "c1", "comment", {"body": "我来说两句", "stance": "suggestion"})
    assert reply["type"] == "ok"
    cid = reply["data"]["comment_id"]
    own = await command(w, "c2", "react", {"comment_id": cid, "agree": True})
    assert own["type"] == "error" and own["code"] == "invalid"
    z, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", zhang)
    await receive(z)
    agreed = await command(z, "c3", "react", {"comment_id": cid, "agree": True})
    assert agreed["type"] == "ok" and agreed["data"]["agree_count"] == 1
    event = await receive_until(w, "comment.changed")
    assert event["data"]["comment"]["agree_count"] == 1
    bad = await command(z, "c4", "comment", {"body": ""})
    assert bad["type"] == "error" and bad["code"] == "invalid"
    missing = await command(z, "c5", "react", {"comment_id": 999999})
    assert missing["code"] == "not_found"
    second = await command(z, "c6", "second", {})
    assert second["type"] == "ok" and second["data"]["second_count"] == 1
    mine = await command(await _author_socket(p, author), "c7", "second", {})
    assert mine["code"] == "forbidden"
    await w.disconnect()
    await z.disconnect()


async def _author_socket(p, author):
    a, _ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", author)
    await receive(a)
    return a


async def test_threshold_reached_live_moves_state_and_adds_history(scene):
    _hall, p, author, wang, zhang = scene
    a = await _author_socket(p, author)
    await sync_to_async(services.proposal_second)(user=wang, proposal=p)
    await sync_to_async(services.proposal_second)(user=zhang, proposal=p)
    history = await receive_until(a, "history.added")
    assert history["data"]["event"]["to_state"] == ProposalState.AWAITING_REVIEW
    state = await receive_until(a, "proposal.changed")
    assert state["data"]["proposal"]["state"] == "awaiting_review"
    await a.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_hall_member"])
async def test_non_members_are_refused_and_receive_nothing(scene, who):
    _hall, p, _author, _wang, _zhang = scene

    @sync_to_async
    def make():
        if who == "anonymous":
            return None
        if who == "outsider":
            return UserFactory()
        return member(HallFactory())

    comm, ok, code = await open_socket(f"/ws/proposals/{p.pk}/", await make())
    assert not ok and code == 4403
    await comm.disconnect()


async def test_a_draft_room_is_only_for_its_author(scene):
    hall, _p, author, wang, _zhang = scene
    draft = await sync_to_async(proposal)(hall, author, state=ProposalState.DRAFT)
    comm, ok, _ = await open_socket(f"/ws/proposals/{draft.pk}/", wang)
    assert not ok
    await comm.disconnect()
    mine, ok, _ = await open_socket(f"/ws/proposals/{draft.pk}/", author)
    assert ok
    await mine.disconnect()


async def test_other_rooms_hear_nothing(scene):
    hall, p, author, wang, _zhang = scene
    other = await sync_to_async(proposal)(hall, author, title="另一个议题")
    o = await _author_socket(other, author)
    await receive_until(o, "presence.changed")
    await sync_to_async(services.comment_post)(author=wang, proposal=p, body="只在这里")
    assert await o.receive_nothing(timeout=1)
    await o.disconnect()


async def test_unread_count_arrives_in_the_private_room(scene):
    _hall, p, author, wang, _zhang = scene
    me, ok, _ = await open_socket("/ws/me/", author)
    assert ok
    snap = await receive(me)
    assert snap["room"] == f"user.{author.pk}" and snap["data"] == {"unread": 0}
    other, ok, _ = await open_socket("/ws/me/", wang)
    await receive(other)
    await sync_to_async(services.comment_post)(author=wang, proposal=p, body="你好")
    frame = await receive_until(me, "notifications.changed")
    assert frame["data"]["unread"] == 1 and "评论" in frame["data"]["latest"]
    assert await other.receive_nothing(timeout=0.5)
    await me.disconnect()
    await other.disconnect()


async def test_snapshot_plus_deltas_equals_a_fresh_snapshot(scene):
    _hall, p, author, wang, zhang = scene
    a = await _author_socket(p, author)
    c = await sync_to_async(services.comment_post)(author=wang, proposal=p, body="一")
    await sync_to_async(services.comment_edit)(actor=wang, comment=c, body="二")
    await sync_to_async(services.comment_react)(user=zhang, comment=c, agree=True)
    comments: dict = {}
    proposal_state: dict = {}
    for _ in range(6):
        frame = await receive_until_any(a, {"comment.added", "comment.changed", "proposal.changed"})
        if frame["type"].startswith("comment"):
            comments[frame["data"]["comment"]["id"]] = frame["data"]["comment"]
        else:
            proposal_state = frame["data"]["proposal"]
        if len(comments) == 1 and comments[c.pk]["agree_count"] == 1 and proposal_state:
            break
    fresh = await _author_socket(p, author)
    snap = (await command_snapshot(fresh))["data"]
    assert {x["id"]: x for x in snap["comments"]} == comments
    assert snap["proposal"]["comment_count"] == proposal_state["comment_count"]
    await a.disconnect()
    await fresh.disconnect()


async def receive_until_any(comm, types: set, timeout: float = 3) -> dict:
    while True:
        frame = await receive(comm, timeout)
        if frame["type"] in types:
            return frame


async def command_snapshot(comm) -> dict:
    import json

    await comm.send_to(text_data=json.dumps({"id": "r1", "type": "resync", "data": {}}))
    return await receive_until(comm, "snapshot")
