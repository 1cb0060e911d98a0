"""Forms of the ballot, resolution and objection pages (the services do the real checks)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Building, MajorityRule
from deliberation.models.votes import BallotKind, BallotMode, ElectorateScope, QuorumBasis


class BallotForm(forms.Form):
    title = forms.CharField(label=_("表决事项"), max_length=120)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    kind = forms.ChoiceField(label=_("表决方式"), choices=BallotKind.choices)
    options = forms.CharField(
        label=_("选项(单选/多选时填写,每行一个)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    max_choices = forms.IntegerField(label=_("多选时最多可选几项"), min_value=1, initial=1)
    mode = forms.ChoiceField(label=_("表决场合"), choices=BallotMode.choices)
    starts_at = forms.DateTimeField(
        label=_("开始时间(线上,留空为立即)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("截止时间(线上表决必填)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    secret = forms.TypedChoiceField(
        label=_("记名方式(开始后不能更改)"),
        choices=[("1", _("无记名投票")), ("0", _("记名投票"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    results_live = forms.BooleanField(
        label=_("投票中实时显示结果(仅记名投票;否则结束后公布)"), required=False
    )
    electorate_scope = forms.ChoiceField(
        label=_("投票范围"),
        choices=ElectorateScope.choices,
        help_text=_("投票人只来自微家负责人批准加入的成员;按楼栋表决时,以批准时登记的楼栋为准。"),
    )
    electorate_building = forms.ModelChoiceField(
        label=_("楼栋/网格(范围为一个楼栋时)"), queryset=Building.objects.none(), required=False
    )
    majority_rule = forms.ChoiceField(label=_("表决规则"), choices=MajorityRule.choices)
    quorum_fraction = forms.DecimalField(
        label=_("法定人数比例"), min_value=0.01, max_value=1, decimal_places=3
    )
    quorum_basis = forms.ChoiceField(
        label=_("法定人数按"),
        choices=[("", _("自动(现场按到会,线上按投票)")), *QuorumBasis.choices],
        required=False,
    )
    abstentions_count_as_cast = forms.BooleanField(label=_("弃权票计入投票数"), required=False)
    proxy_cap = forms.IntegerField(label=_("每人最多代投几票"), min_value=0, max_value=5, initial=1)

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["electorate_building"].queryset = Building.objects.filter(
            compound_id=hall.compound_id
        )
        self.fields["majority_rule"].initial = hall.default_majority_rule
        self.fields["quorum_fraction"].initial = hall.quorum_fraction

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["options"] = [line for line in (d.get("options") or "").splitlines() if line.strip()]
        d["quorum_basis"] = d.get("quorum_basis") or None
        return d


class ResolutionForm(forms.Form):
    title = forms.CharField(label=_("决议标题"), max_length=120)
    text = forms.CharField(
        label=_("决议内容(支持 Markdown)"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
    )


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("异议理由"), widget=forms.Textarea(attrs={"rows": 4}), min_length=5, max_length=2000
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    upheld = forms.TypedChoiceField(
        label=_("结论"),
        choices=[("0", _("异议不成立,决议继续公示")), ("1", _("异议成立,退回重新议事"))],
        coerce=lambda v: v == "1",
    )
