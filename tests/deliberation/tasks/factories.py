"""Builders of governance tasks: an effective resolution, and a hall with the people tasks involve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from community.models import AdminAssignment, Building, Hall, ServiceBrand, User
from community.roles import Role
from deliberation.models import GovernanceTask, Resolution
from deliberation.tasks import services
from deliberation.votes import services as sv
from tests.community.factories import (
    HallFactory,
    UserFactory,
    member,
)
from tests.deliberation.votes.factories import resolution_on_notice


def effective_resolution(hall, head=None, *, title: str = "修复小区喷泉", now=None) -> Resolution:
    """A proposal voted through, published and past its notice period: ready for tasks.

    The proposal is left 公示中（ON_NOTICE）：creating the first task moves it to 落实中.
    """
    now = now or timezone.now()
    resolution = resolution_on_notice(hall, head, title=title, now=now)
    sv.resolution_settle(resolution=resolution, now=now)
    resolution.refresh_from_db()
    return resolution


@dataclass
class TaskWorld:
    hall: Hall
    resolution: Resolution
    head: User
    owner: User
    volunteer: User
    member: User
    resident: User
    outsider: User
    admin: User
    building: Building
    brand: ServiceBrand

    def task(self, *, title: str = "清洗喷泉池", subtasks=(), due_on: date | None = None, **kw):
        return services.task_create(
            actor=self.head,
            resolution=self.resolution,
            title=title,
            description=kw.pop("description", "先**放水**,再清洗。"),
            brand=kw.pop("brand", self.brand),
            owner=kw.pop("owner", self.owner),
            volunteers=kw.pop("volunteers", [self.volunteer]),
            building=kw.pop("building", self.building),
            due_on=due_on or timezone.localdate() + timedelta(days=10),
            subtasks=subtasks,
            **kw,
        )


def task_world(hall: Hall | None = None) -> TaskWorld:
    """A hall with an effective resolution and the people governance tasks involve."""
    hall = hall or HallFactory()
    head = member(hall, Role.HEAD, display_name="李主任")
    resolution = effective_resolution(hall, head)
    admin = UserFactory(display_name="妇联小王")
    AdminAssignment.objects.create(user=admin, community=hall.compound.community)
    return TaskWorld(
        hall=hall,
        resolution=resolution,
        head=head,
        owner=member(hall, Role.VOLUNTEER, display_name="陈阿姨"),
        volunteer=member(hall, Role.VOLUNTEER, display_name="黄姐"),
        member=member(hall, Role.MEMBER, display_name="何姐"),
        resident=member(hall, display_name="林伯"),
        outsider=UserFactory(display_name="路人"),
        admin=admin,
        # get_or_create: the hall may already have them (e.g. from story's full_flow).
        building=Building.objects.get_or_create(compound=hall.compound, name="3栋")[0],
        brand=ServiceBrand.objects.get_or_create(hall=hall, name="花满名苑")[0],
    )


def n_tasks(world: TaskWorld, n: int) -> list[GovernanceTask]:
    return [world.task(title=f"任务{i}", subtasks=[("准备", 1), ("实施", 3)]) for i in range(n)]
