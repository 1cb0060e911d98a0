"""Forms of governance tasks: input shapes only; the services hold every rule."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from community.models import Building, Hall, MembershipStatus, ServiceBrand, User
from community.roles import Role
from forum.forms import MultipleFileField, MultipleFileInput

# Roles that make someone a member （微家成员） and so eligible to own or help with a task.
MEMBER_ROLES = [r for r in Role.values if r != Role.RESIDENT]


def eligible_people(hall: Hall) -> QuerySet[User]:
    """Active members of the hall who may own a task or volunteer for it."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__hall=hall,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__roles__role__in=MEMBER_ROLES,
        )
        .distinct()
        .order_by("display_name", "pk")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


def parse_subtasks(text: str) -> list[tuple[str, str]]:
    """One step a line: "名称" or "名称 | 权重" (the service checks the weight)."""
    steps = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        title, sep, weight = line.rpartition("|")
        if not sep:
            title, weight = line, "1"
        steps.append((title.strip(), weight.strip() or "1"))
    return steps


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务名称"), max_length=80)
    description = forms.CharField(
        label=_("任务说明"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("支持 Markdown:**加粗**、- 列表。"),
    )
    brand = forms.ModelChoiceField(
        label=_("服务品牌"), queryset=ServiceBrand.objects.none(), required=False,
        empty_label=_("（不选）"),
    )  # fmt: skip
    owner = PersonChoiceField(
        label=_("执行负责人"), queryset=User.objects.none(), empty_label=_("请选择")
    )
    volunteers = PeopleChoiceField(
        label=_("志愿者"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
    )
    building = forms.ModelChoiceField(
        label=_("地点（楼栋/网格）"), queryset=Building.objects.none(), required=False,
        empty_label=_("全小区"),
    )  # fmt: skip
    due_on = forms.DateField(
        label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    subtasks = forms.CharField(
        label=_("子任务（可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("清理池底 | 2\n更换水泵 | 3")}),
        help_text=_("每行一项，“名称 | 权重”；进度按已完成的权重计算。不填则手动填写进度。"),
    )

    def __init__(self, *args, hall: Hall, with_subtasks: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        people = eligible_people(hall)
        self.fields["owner"].queryset = people
        self.fields["volunteers"].queryset = people
        self.fields["brand"].queryset = ServiceBrand.objects.filter(hall=hall, is_active=True)
        self.fields["building"].queryset = Building.objects.filter(compound_id=hall.compound_id)
        if not with_subtasks:
            del self.fields["subtasks"]

    def clean_subtasks(self):
        return parse_subtasks(self.cleaned_data.get("subtasks", ""))


class ReasonForm(forms.Form):
    note = forms.CharField(
        label=_("原因/说明"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    body = forms.CharField(
        label=_("进展情况"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("支持 Markdown。写清做了什么、还差什么。"),
    )
    progress = forms.IntegerField(
        label=_("当前进度（%）"), required=False, min_value=0, max_value=100,
        help_text=_("没有子任务的任务在这里填写进度。"),
    )  # fmt: skip
    images = MultipleFileField(
        label=_("现场照片（最多 6 张）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("照片的位置等隐私信息会被自动去除。"),
    )

    def __init__(self, *args, with_progress: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_progress:
            del self.fields["progress"]


class SubTaskForm(forms.Form):
    title = forms.CharField(label=_("子任务名称"), max_length=80)
    weight = forms.IntegerField(label=_("权重"), min_value=1, max_value=100, initial=1)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("当前进度（%）"), min_value=0, max_value=100)
