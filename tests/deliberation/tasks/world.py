"""A hall with an effective resolution and the people governance tasks involve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from community.models import AdminAssignment, Building, Hall, ServiceBrand, User
from community.roles import Role
from deliberation.models import GovernanceTask, Resolution
from deliberation.tasks import services
from tests.deliberation.tasks.factories import effective_resolution
from tests.factories import BuildingFactory, HallFactory, ServiceBrandFactory, UserFactory, member


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
        building=BuildingFactory(compound=hall.compound, name="3栋"),
        brand=ServiceBrandFactory(hall=hall, name="花满名苑"),
    )


def n_tasks(world: TaskWorld, n: int) -> list[GovernanceTask]:
    return [world.task(title=f"任务{i}", subtasks=[("准备", 1), ("实施", 3)]) for i in range(n)]
