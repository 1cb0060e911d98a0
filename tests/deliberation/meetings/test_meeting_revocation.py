"""The meeting room re-authorises a person's open socket when her powers change (issue 11, #3).

"Done when": a demoted head's open socket is refused on its next command.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from community import services as community_services
from community.models import AdminAssignment, Membership, MembershipRole
from community.roles import Role
from deliberation.models import Meeting
from tests.community.factories import HallFactory, UserFactory
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting
from tests.realtime.test_revocation import revoked, until_closed
from tests.wsclient import command, open_socket, receive, receive_until

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ctx(db):
    hall = HallFactory(name="芳华议事厅")
    people = meeting_people(hall)
    admin = UserFactory(display_name="街道妇联")
    AdminAssignment.objects.create(user=admin, community=hall.compound.community)
    people["admin"] = admin
    meeting = scheduled_meeting(hall, people)
    return hall, people, meeting


async def checkin_open(meeting) -> bool:
    return (await sync_to_async(Meeting.objects.get)(pk=meeting.pk)).checkin_open


async def test_a_head_demoted_by_an_admin_is_refused_on_her_next_set_checkin(ctx):
    hall, people, meeting = ctx
    head, path = people["head"], f"/ws/meetings/{meeting.pk}/"
    sock, ok, _ = await open_socket(path, head)
    assert ok
    await receive(sock)
    assert (await command(sock, "c1", "open_meeting"))["type"] == "ok"
    assert (await command(sock, "c2", "set_checkin", {"open": False}))["type"] == "ok"

    membership = await sync_to_async(Membership.objects.get)(user=head, hall=hall)
    await sync_to_async(community_services.membership_set_roles)(
        actor=people["admin"], membership=membership, roles=[Role.RESIDENT]
    )
    reply = await command(sock, "c3", "set_checkin", {"open": True})
    assert reply["type"] == "error" and reply["code"] == "forbidden"
    assert "没有权限" in reply["message"] and "角色或成员身份刚刚变更" in reply["message"]
    assert await checkin_open(meeting) is False  # nothing changed
    # still a member of the hall: the room stays open to her, as a resident
    assert (await command(sock, "c4", "ping"))["type"] == "ok"
    await sock.disconnect()


async def test_a_head_whose_role_is_taken_away_in_the_admin_is_refused_too(ctx):
    _hall, people, meeting = ctx
    head, path = people["head"], f"/ws/meetings/{meeting.pk}/"
    sock, ok, _ = await open_socket(path, head)
    assert ok
    await receive(sock)
    assert (await command(sock, "c1", "open_meeting"))["type"] == "ok"

    @sync_to_async
    def delete_head_role_in_admin():
        role = MembershipRole.objects.get(membership__user=head, role=Role.HEAD)
        staff = Client()
        staff.force_login(UserFactory(is_staff=True, is_superuser=True))
        response = staff.post(f"/admin/community/membershiprole/{role.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302

    await delete_head_role_in_admin()
    reply = await command(sock, "c2", "set_checkin", {"open": False})
    assert reply["type"] == "error" and reply["code"] == "forbidden"
    assert await checkin_open(meeting) is True
    await sock.disconnect()


async def test_a_removed_members_meeting_socket_is_closed_with_4403(ctx):
    hall, people, meeting = ctx
    path = f"/ws/meetings/{meeting.pk}/"
    wang, ok, _ = await open_socket(path, people["wang"])
    assert ok
    await receive(wang)
    mod, ok, _ = await open_socket(path, people["moderator"])
    assert ok
    await receive(mod)
    online = await receive_until(mod, "presence.changed")
    assert online["data"]["online"] == 2

    membership = await sync_to_async(Membership.objects.get)(user=people["wang"], hall=hall)
    await sync_to_async(community_services.membership_leave)(
        user=people["wang"], membership=membership
    )
    frames, code = await until_closed(wang)
    assert code == 4403
    message = revoked(frames)["message"]
    assert message.startswith("您已不再是本议事厅的成员") and "会议室" in message
    # she is gone from the room at once: the others see one person online
    while (frame := await receive_until(mod, "presence.changed"))["data"]["online"] != 1:
        pass
    assert frame["data"]["left"] == [people["wang"].pk]
    # and the room's events no longer reach her
    assert (await command(mod, "m1", "open_meeting"))["type"] == "ok"
    assert await wang.receive_nothing(timeout=0.3)
    await wang.disconnect()
    await mod.disconnect()
