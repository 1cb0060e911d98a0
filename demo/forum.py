"""Demo proposals of 名苑小区（added by `seed_demo`）；idempotent, keyed on title + hall."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from community.models import Building, ServiceBrand
from forum import services
from forum.models import Proposal, ProposalEvent, ProposalState

S = ProposalState
FOUNTAIN_TITLE = "修复中心花园喷泉"  # taken all the way by demo/year.py

# title, author, brand, building (None = whole compound), body, seconders, comments, end state
# comments: (author, stance, text, reply_to index or None)
PROPOSALS = [
    {
        "title": FOUNTAIN_TITLE,
        "author": "zhangnainai",
        "brand": "花满名苑",
        "building": None,
        "days_ago": 12,
        "body": (
            "中心花园的喷泉停了快一年了，池底积水发臭，夏天蚊子很多。\n\n"
            "建议：\n- 请物业检修水泵和管道\n- 池边加一圈儿童安全护栏\n- 周边补种一些耐晒的花\n\n"
            "孩子们和老人晚饭后都爱在这里散步，修好了大家都受益。"
        ),
        "seconds": ["wangayi", "liushushu", "liping"],
        "comments": [
            ("wangayi", "for", "支持！我家孙子每天都问喷泉什么时候有水。", None),
            (
                "liushushu",
                "suggestion",
                "护栏高度建议 1.1 米以上，@黄秀芬 可以问问物业有没有标准。",
                None,
            ),
            ("huangxiufen", "", "好的，我下周约物业经理到现场看看。", 1),
        ],
        "end": S.ACCEPTED,
        "review": ("huangxiufen", "列入下次议事会议程，邀请物业列席。"),
    },
    {
        "title": "四点半课堂",
        "author": "linfang",
        "brand": "爱聚乐园",
        "building": None,
        "days_ago": 9,
        "body": (
            "双职工家庭的孩子放学后没人看管。想在妇女微家活动室办「四点半课堂」："
            "志愿者轮流陪孩子写作业、读绘本，每周一到周五 16:30–18:00。"
        ),
        "seconds": ["wangayi", "zhangnainai", "liping"],
        "comments": [
            ("liping", "for", "我可以每周二、周四来值班。", None),
            ("zhangnainai", "against", "活动室晚上还要办长者活动，时间会不会冲突？", None),
            ("linfang", "", "长者活动在 19:00 以后，不冲突。", 1),
        ],
        "end": S.ACCEPTED,
        "review": ("zhaoxiuying", "同意受理，志愿者排班另行商议。"),
    },
    {
        "title": "长者助餐点",
        "author": "wangayi",
        "brand": "情暖夕阳",
        "building": None,
        "days_ago": 5,
        "body": (
            "小区里独居老人越来越多，买菜做饭很不方便。建议和社区食堂合作，"
            "在活动室设一个**长者助餐点**,中午统一配送，行动不便的由志愿者送上门。"
        ),
        "seconds": ["zhangnainai", "liushushu", "chenhong"],
        "comments": [
            ("zhangnainai", "for", "太需要了，我对门的李伯伯就是一个人住。", None),
            ("liushushu", "suggestion", "可以先做一个月试点，统计每天多少人用餐。", None),
        ],
        "end": S.AWAITING_REVIEW,
    },
    {
        "title": "楼道杂物清理",
        "author": "liushushu",
        "brand": "最美楼道",
        "building": "3栋",
        "days_ago": 3,
        "body": (
            "3 栋二到五楼楼道堆了纸箱、旧家具和电动车，晚上看不清很容易绊倒，也有消防隐患。"
            "建议开展一次「最美楼道」清理日，清理后评比。"
        ),
        "seconds": ["wangayi"],
        "comments": [
            ("wangayi", "for", "同意，电动车进楼道尤其危险。", None),
            ("zhangnainai", "against", "有些老人的东西没地方放，清理前要先商量好放哪里。", None),
            ("liushushu", "", "可以先统计，地下室腾一块地方统一存放。", 1),
        ],
        "end": S.COLLECTING,
    },
    {
        "title": "红色书屋开放时间",
        "author": "liping",
        "brand": "党建阵地",
        "building": None,
        "days_ago": 1,
        "body": "红色书屋现在只在周六上午开放，上班族很难去。建议增加周三晚上 19:00–21:00 的开放时段，由志愿者值守。",
        "seconds": [],
        "comments": [("chenhong", "suggestion", "可以先试行两个月，看看来的人多不多。", None)],
        "end": S.COLLECTING,
    },
    {
        "title": "地下车库增设电动车充电桩",
        "author": "zhangnainai",
        "brand": None,
        "building": None,
        "days_ago": 0,
        "body": "草稿：先收集一下各栋需要充电的电动车数量，再正式提出。",
        "seconds": [],
        "comments": [],
        "end": S.DRAFT,
    },
]


@transaction.atomic
def seed(*, hall, users) -> None:
    """Create the demo proposals, seconds, comments and reviews (skipping those already there)."""
    now = timezone.now()
    for spec in PROPOSALS:
        if Proposal.objects.filter(hall=hall, title=spec["title"]).exists():
            continue
        brand = (
            ServiceBrand.objects.filter(hall=hall, name=spec["brand"]).first()
            if spec["brand"]
            else None
        )
        building = (
            Building.objects.filter(compound=hall.compound, name=spec["building"]).first()
            if spec["building"]
            else None
        )
        p = services.proposal_create(
            author=users[spec["author"]],
            hall=hall,
            title=spec["title"],
            body=spec["body"],
            brand=brand,
            building=building,
            publish_now=spec["end"] != S.DRAFT,
        )
        created = []
        for author, stance, text, reply_to in spec["comments"]:
            parent = created[reply_to] if reply_to is not None else None
            created.append(
                services.comment_post(
                    author=users[author], proposal=p, body=text, parent=parent, stance=stance
                )
            )
        for name in spec["seconds"]:
            services.proposal_second(user=users[name], proposal=p)
        if spec["end"] == S.ACCEPTED:
            reviewer, reason = spec["review"]
            services.proposal_review(
                actor=users[reviewer], proposal=p, decision="accept", reason=reason
            )
        if created:
            services.comment_react(user=users[spec["author"]], comment=created[0])
        _backdate(p, now - timedelta(days=spec["days_ago"]))


def _backdate(p: Proposal, start) -> None:
    """Spread the demo history over the days since `start` so the timeline reads naturally."""
    events = list(ProposalEvent.objects.filter(proposal=p).order_by("pk"))
    span = (timezone.now() - start) / max(len(events), 1)
    for i, event in enumerate(events):
        ProposalEvent.objects.filter(pk=event.pk).update(at=start + span * i)
    Proposal.objects.filter(pk=p.pk).update(
        created_at=start, published_at=start if p.published_at else None
    )
    for i, c in enumerate(p.comments.order_by("pk")):
        type(c).objects.filter(pk=c.pk).update(created_at=start + span * 0.5 + timedelta(hours=i))
