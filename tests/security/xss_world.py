"""Write the XSS corpus into every field a person can fill, on top of the demo year.

The demo (`seed_demo`) gives every kind of record in every state; each writable text field is
then overwritten through the ORM with corpus vectors, as many per value as its length allows,
and rows are cloned where a field has too few of them to carry every vector once. Rendered
copies (`body_html`, `description_html`, `summary_html`) are rendered by `render_markdown`,
exactly as the services store them. Ledger payloads get vectors in their texts too: the ledger
page shows what was certified, which is what people wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import models, transaction

from community.markup import render_markdown
from community.models import (
    ApiToken,
    AuditAction,
    AuditEntry,
    Building,
    Hall,
    Membership,
    MembershipStatus,
    ServiceBrand,
    User,
)
from deliberation.models import (
    AgendaItem,
    Ballot,
    BallotOption,
    Evaluation,
    GovernanceTask,
    LedgerEntry,
    Meeting,
    MinutesVersion,
    Objection,
    ProgressReport,
    Resolution,
    ResultPublication,
    SubTask,
    TaskEvent,
)
from forum.models import Comment, Notification, Proposal, ProposalEvent, Report
from tests.security.xss_corpus import VECTORS, render, vector_id


@dataclass
class Field:
    """One writable field: where it lives, how its rendered copy is kept, how to add rows."""

    number: int
    model: type[models.Model]
    name: str
    html: str | None = None  # the stored rendering (render_markdown of the field)
    rows: Callable[[], models.QuerySet] | None = None
    clone: Callable[[models.Model, int], models.Model] | None = None
    covered: set[int] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.model.__name__}.{self.name}"

    @property
    def limit(self) -> int:
        return self.model._meta.get_field(self.name).max_length or 100_000

    @property
    def is_text(self) -> bool:
        return isinstance(self.model._meta.get_field(self.name), models.TextField)


def _pack(f: Field, start: int) -> tuple[str, list[int]]:
    """As many vectors as fit in the field from `start` on (cyclic); returns value and indexes."""
    sep = "\n\n" if f.is_text else " "
    parts: list[str] = []
    used: list[int] = []
    size = 0
    for k in range(len(VECTORS)):
        v = (start + k) % len(VECTORS)
        text = render(v, vector_id(f.number, v))
        extra = len(text) + (len(sep) if parts else 0)
        if size + extra > f.limit:
            if parts:
                break
            continue  # a vector longer than the field: try the next one
        parts.append(text)
        used.append(v)
        size += extra
    return sep.join(parts), used


def _write(f: Field) -> None:
    rows = list((f.rows() if f.rows else f.model.objects.all()).order_by("pk"))
    if not rows:
        return  # nothing of this kind in the demo: the coverage report shows it
    fitting = {v for v in range(len(VECTORS)) if len(render(v, vector_id(f.number, v))) <= f.limit}
    cursor, i = 0, 0
    changed = []
    while i < len(rows) or (f.clone and not fitting <= f.covered):
        if i >= len(rows):
            rows.append(f.clone(rows[i % max(1, len(rows) // 2)], i))
        value, used = _pack(f, cursor)
        cursor = (used[-1] + 1) if used else cursor + 1
        f.covered.update(used)
        row = rows[i]
        setattr(row, f.name, value)
        if f.html:
            setattr(row, f.html, str(render_markdown(value)))
        changed.append(row)
        i += 1
    fields = [f.name] + ([f.html] if f.html else [])
    f.model.objects.bulk_update(changed, fields, batch_size=200)


def _copy(obj: models.Model, **changes) -> models.Model:
    """Save a copy of `obj`'s row as a new row (with `changes`)."""
    obj = type(obj).objects.get(pk=obj.pk)
    obj.pk = None
    obj.id = None
    obj._state.adding = True
    for k, v in changes.items():
        setattr(obj, k, v)
    obj.save()
    return obj


def _clone_resolution(res: Resolution, i: int) -> Resolution:
    ballot = _copy(Ballot(pk=res.ballot_id))
    return _copy(res, ballot=ballot, ledger_seq=None)


def _clone_hall(hall: Hall, i: int) -> Hall:
    return _copy(hall, slug=f"xss{i}")


def _hall() -> Hall:
    return Hall.objects.get(slug="fanghua")


def _extra_people(count: int) -> None:
    """Residents with applications (for display names and membership notes)."""
    hall = _hall()
    template = User.objects.get(username="wangayi")
    for i in range(count):
        user = User.objects.create(
            username=f"xss{i}",
            display_name=f"居民{i}",
            password=template.password,
            building=template.building,
        )
        status = MembershipStatus.REQUESTED if i % 2 else MembershipStatus.ACTIVE
        Membership.objects.create(user=user, hall=hall, status=status)


def fields() -> list[Field]:
    """Every field a person can fill (and the texts derived from them), numbered."""
    specs: list[tuple] = [
        # people and halls
        (User, "display_name", None, None, None),
        (Membership, "message", None, None, None),
        (ApiToken, "name", None, None, lambda o, i: ApiToken.issue(user=o.user, name="x")[0]),
        (Hall, "name", None, None, _clone_hall),
        (Hall, "home_name", None, None, _clone_hall),
        (Hall, "theme", None, None, _clone_hall),
        (Hall, "venue", None, None, _clone_hall),
        (Hall, "structure", None, None, None),
        (Hall, "rules_text", None, None, None),
        (Hall, "yearly_plan", None, None, None),
        (Hall, "services", None, None, None),
        (ServiceBrand, "name", None, None, lambda o, i: _copy(o, name=f"b{i}", order=100 + i)),
        (ServiceBrand, "subtitle", None, None, lambda o, i: _copy(o, name=f"s{i}", order=100 + i)),
        (ServiceBrand, "description", None, None, None),
        (Building, "name", None, None, lambda o, i: _copy(o, name=f"b{i}", order=100 + i)),
        # forum
        (Proposal, "title", None, None, lambda o, i: _copy(o)),
        (Proposal, "body", None, None, None),
        (Proposal, "review_reason", None, None, None),
        (ProposalEvent, "note", None, None, None),
        (Comment, "body", "body_html", None, lambda o, i: _copy(o)),
        (Report, "reason", None, None, None),
        (Notification, "text", None, None, None),
        # meetings
        (Meeting, "title", None, None, lambda o, i: _copy(o)),
        (Meeting, "venue", None, None, None),
        (Meeting, "notice", None, None, None),
        (Meeting, "minutes_body", None, None, None),
        (Meeting, "minutes_final", None, None, None),
        (MinutesVersion, "body", None, None, None),
        (AgendaItem, "title", None, None, lambda o, i: _copy(o, order=100 + i)),
        # votes
        (Ballot, "title", None, None, lambda o, i: _copy(o)),
        (Ballot, "description", None, None, None),
        (BallotOption, "label", None, None, lambda o, i: _copy(o, key=f"x{i}", order=100 + i)),
        (Resolution, "title", None, None, _clone_resolution),
        (Resolution, "text", None, None, None),
        (Objection, "reason", None, None, lambda o, i: _copy(o)),
        (Objection, "answer", None, None, None),
        # tasks and results
        (GovernanceTask, "title", None, None, lambda o, i: _copy(o)),
        (GovernanceTask, "description", "description_html", None, None),
        (GovernanceTask, "state_reason", None, None, None),
        (SubTask, "title", None, None, lambda o, i: _copy(o, order=100 + i)),
        (TaskEvent, "note", None, None, None),
        (ProgressReport, "body", "body_html", None, lambda o, i: _copy(o)),
        (ResultPublication, "summary", "summary_html", None, None),
        (Evaluation, "comment", None, None, None),
        # what the audit log recorded of people's words
        (AuditEntry, "actor_label", None, None, lambda o, i: _copy(o)),
        (AuditEntry, "target", None, None, lambda o, i: _copy(o)),
        (AuditEntry, "detail", None, None, lambda o, i: _copy(o)),
    ]
    return [
        Field(number=n, model=m, name=name, html=html, rows=rows, clone=clone)
        for n, (m, name, html, rows, clone) in enumerate(specs, start=1)
    ]


LEDGER_TEXT_KEYS = {"title", "text", "reason", "answer", "summary", "note", "label", "venue"}


def _ledger(number: int) -> set[int]:
    """Put vectors into the texts of every ledger payload (as if people had written them)."""
    covered: set[int] = set()
    cursor = 0
    entries = list(LedgerEntry.objects.order_by("pk"))

    def walk(value):
        nonlocal cursor
        if isinstance(value, dict):
            return {
                k: (_next() if k in LEDGER_TEXT_KEYS and isinstance(v, str) else walk(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    def _next() -> str:
        nonlocal cursor
        v = cursor % len(VECTORS)
        cursor += 1
        covered.add(v)
        return render(v, vector_id(number, v))

    for entry in entries:
        entry.payload = walk(entry.payload)
    LedgerEntry.objects.bulk_update(entries, ["payload"], batch_size=200)
    return covered


@dataclass
class World:
    fields: list[Field]
    ledger_covered: set[int]

    def coverage(self) -> dict[str, int]:
        return {f.label: len(f.covered) for f in self.fields}


def build() -> World:
    """Seed the demo, then write the corpus into every field; returns what went where."""
    call_command("seed_demo", quiet=True)
    with transaction.atomic():
        _extra_people(len(VECTORS) - User.objects.count() + 20)
        hall = _hall()
        Report.objects.bulk_create(
            Report(reporter=u, comment=c, reason="x")
            for u, c in zip(
                User.objects.filter(username__startswith="xss")[:40],
                Comment.objects.filter(proposal__hall=hall).order_by("pk")[:40],
                strict=False,
            )
        )
        head = User.objects.get(username="huangxiufen")
        ApiToken.issue(user=head, name="小程序")
        AuditEntry.objects.create(action=AuditAction.ROLES, actor=head, hall=hall)
        all_fields = fields()
        for f in all_fields:
            _write(f)
        ledger_covered = _ledger(len(all_fields) + 1)
    return World(fields=all_fields, ledger_covered=ledger_covered)
