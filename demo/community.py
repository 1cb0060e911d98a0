"""The demo organisation of the seed article：桂城街道 / 叠二社区 / 名苑小区 / 芳华议事厅."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from community.models import (
    AdminAssignment,
    Building,
    Community,
    Compound,
    Hall,
    Membership,
    MembershipRole,
    MembershipStatus,
    ServiceBrand,
    Street,
    User,
)
from community.roles import Role

DEMO_PASSWORD = "fanghua2021"

BRANDS = [
    ("党建阵地", "红色教育平台", "#b3261e", "学党史、讲家风，把红色教育送到楼道里。"),
    ("爱聚乐园", "亲子成长平台", "#ba4a00", "周末亲子活动、四点半课堂，让孩子在小区里成长。"),
    ("花满名苑", "小区绿化行动", "#1e8449", "认领花坛、修复喷泉，一起把小区变成花园。"),
    ("情暖夕阳", "关怀长者行动", "#7d3c98", "探访独居长者，组织助餐、陪诊与生日会。"),
    ("最美楼道", "小区爱卫行动", "#1f618d", "清理楼道杂物，评选最美楼道，共建整洁家园。"),
]

BUILDINGS = [("1栋", "第一网格"), ("2栋", "第一网格"), ("3栋", "第二网格"), ("5栋", "第二网格"),
             ("6栋", "第三网格"), ("8栋", "第三网格")]  # fmt: skip

# username, display name, roles, building index; "admin" is the street federation's admin.
ACCOUNTS = [
    ("admin", "曹莉敏（街道妇联）", None, None),
    ("tangwankun", "唐婉坤（社区妇联）", None, None),
    ("huangxiufen", "黄秀芬", [Role.HEAD, Role.MEMBER], 0),
    ("zhaoxiuying", "赵秀英", [Role.EXECUTIVE], 1),
    ("chenhong", "陈红", [Role.MODERATOR], 2),
    ("linfang", "林芳", [Role.RECORDER], 3),
    ("liping", "李萍", [Role.VOLUNTEER], 4),
    ("wangayi", "王阿姨", [Role.MEMBER], 0),
    ("zhangnainai", "张奶奶", [Role.RESIDENT], 1),
    ("liushushu", "刘叔叔", [Role.RESIDENT], 2),
]

# Demo accounts with a verified mobile number: sign in at /accounts/login/ with the number and the
# code the server prints (SMS_BACKEND=console) or writes (file). docs/accounts.md, "Demo".
DEMO_PHONES = {"wangayi": "13800138000"}

ROLE_OF_ACCOUNT = {
    "admin": "妇联管理员（街道，超级用户）",
    "tangwankun": "妇联管理员（叠二社区）",
    "huangxiufen": "微家负责人",
    "zhaoxiuying": "妇联执委",
    "chenhong": "主持人",
    "linfang": "记录员",
    "liping": "巾帼志愿者",
    "wangayi": "微家成员",
    "zhangnainai": "居民",
    "liushushu": "居民",
}

PROFILE = {
    "venue": "名苑小区中心花园旁 妇女微家活动室（红色书屋）",
    "structure": (
        "- 指导：叠二社区党委、社区妇联（主席 唐婉坤）\n"
        "- 负责人：黄秀芬\n- 妇联执委、巾帼志愿者、妇女骨干\n"
        "- 与三级党建网格融合：社区党委 → 小区党支部 → 楼栋党小组"
    ),
    "rules_text": (
        "采用**南塘十三条**议事规则：主持人中立；围绕具体动议讨论；举手发言、向主持人发言；"
        "每次发言不超过 2 分钟、每人每项不超过 2 次；正反方轮流发言；先表明赞成或反对；"
        "不得人身攻击；发言完毕由主持人提请表决；赞成多于反对即通过，平票不通过。"
    ),
    "yearly_plan": (
        "1. 每月第二个周六召开「芳华议事厅」议事会\n2. 春季：花满名苑 花坛认领\n"
        "3. 夏季：喷泉修复与儿童安全护栏\n4. 秋季：最美楼道评选\n5. 重阳：情暖夕阳 长者生日会"
    ),
    "services": (
        "党建阵地 红色教育、爱聚乐园 亲子成长、花满名苑 绿化、情暖夕阳 关怀长者、最美楼道 爱卫行动"
    ),
}


@transaction.atomic
def seed_organisation() -> tuple[Hall, dict[str, User]]:
    """Create (or find) the demo street, community, compound, hall, brands and accounts."""
    street, _ = Street.objects.get_or_create(name="桂城街道", defaults={"district": "南海区"})
    community, _ = Community.objects.get_or_create(street=street, name="叠二社区")
    compound, _ = Compound.objects.get_or_create(
        community=community, name="名苑小区", defaults={"address": "佛山市南海区桂城街道叠二社区"}
    )
    buildings = []
    for order, (name, grid) in enumerate(BUILDINGS):
        b, _ = Building.objects.get_or_create(
            compound=compound, name=name, defaults={"grid_name": grid, "order": order}
        )
        buildings.append(b)
    hall, _ = Hall.objects.get_or_create(
        slug="fanghua",
        defaults={
            "compound": compound,
            "name": "芳华议事厅",
            "home_name": "名苑小区妇女微家",
            "theme": "红色教育主题妇女微家",
            "founded_on": date(2021, 10, 13),
            "seconding_threshold": 3,
            **PROFILE,
        },
    )
    for order, (name, subtitle, color, description) in enumerate(BRANDS):
        ServiceBrand.objects.get_or_create(
            hall=hall,
            name=name,
            defaults={
                "subtitle": subtitle,
                "color": color,
                "order": order,
                "description": description,
            },
        )
    users: dict[str, User] = {}
    encoded = None  # one hash for the shared demo password: PBKDF2 is slow by design
    for username, display_name, roles, building_index in ACCOUNTS:
        building = buildings[building_index] if building_index is not None else None
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display_name, building=building)
            encoded = encoded or make_password(DEMO_PASSWORD)
            user.password = encoded
            if username == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
        users[username] = user
        number = DEMO_PHONES.get(username)
        if (
            number
            and not User.objects.filter(phone=number, phone_verified_at__isnull=False).exists()
        ):
            user.phone, user.phone_verified_at = number, timezone.now()
            user.save(update_fields=["phone", "phone_verified_at"])
        if username == "admin":
            AdminAssignment.objects.get_or_create(user=user, street=street)
        elif username == "tangwankun":
            AdminAssignment.objects.get_or_create(user=user, community=community)
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if roles:
            membership, _ = Membership.objects.get_or_create(
                user=user,
                hall=hall,
                defaults={"status": MembershipStatus.ACTIVE, "building": building},
            )
            for role in {*roles, Role.RESIDENT}:
                MembershipRole.objects.get_or_create(membership=membership, role=role)
    return hall, users
