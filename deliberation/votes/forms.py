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
        label=_("选项（单选/多选时填写，每行一个）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    max_choices = forms.IntegerField(label=_("多选时最多可选几项"), min_value=1, initial=1)
    mode = forms.ChoiceField(label=_("表决场合"), choices=BallotMode.choices)
    starts_at = forms.DateTimeField(
        label=_("开始时间（线上，留空为立即）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("截止时间（线上表决必填）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    secret = forms.TypedChoiceField(
        label=_("记名方式（开始后不能更改）"),
        choices=[("1", _("无记名投票")), ("0", _("记名投票"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    results_live = forms.BooleanField(
        label=_("投票中实时显示结果（仅记名投票；否则结束后公布）"), required=False
    )
    electorate_scope = forms.ChoiceField(
        label=_("投票范围"),
        choices=ElectorateScope.choices,
        help_text=_("投票人只来自微家负责人批准加入的成员；按楼栋表决时，以批准时登记的楼栋为准。"),
    )
    electorate_building = forms.ModelChoiceField(
        label=_("楼栋/网格（范围为一个楼栋时）"), queryset=Building.objects.none(), required=False
    )
    majority_rule = forms.ChoiceField(label=_("表决规则"), choices=MajorityRule.choices)
    quorum_fraction = forms.DecimalField(
        label=_("法定人数比例"), min_value=0.01, max_value=1, decimal_places=3
    )
    quorum_basis = forms.ChoiceField(
        label=_("法定人数按"),
        choices=[("", _("自动（现场按到会，线上按投票）")), *QuorumBasis.choices],
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
        label=_("决议内容（支持 Markdown）"),
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
        choices=[("0", _("异议不成立，决议继续公示")), ("1", _("异议成立，退回重新议事"))],
        coerce=lambda v: v == "1",
    )


class ProxyForm(forms.Form):
    """登记委托：the grantor and the holder chosen from the ballot's roll by name (never typed).

    `people` is `selectors.proxy_people(ballot=...)`; the checks here say in words what the
    service (`ballot_authorize_proxy`) would refuse, and the service checks again."""

    grantor = forms.TypedChoiceField(
        label=_("委托人（不能到场投票的人）"),
        coerce=int,
        error_messages={
            "required": _("请选择委托人。"),
            "invalid_choice": _("请从名单中选择委托人（本次表决的投票人）。"),
        },
    )
    holder = forms.TypedChoiceField(
        label=_("受托人（代为投票的人）"),
        coerce=int,
        error_messages={
            "required": _("请选择受托人。"),
            "invalid_choice": _("请从名单中选择受托人（本次表决的投票人）。"),
        },
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, people, cap: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.id: p for p in people}
        self.cap = cap
        choices = [("", _("— 请选择 —"))] + [(p.id, p.label) for p in people]
        self.fields["grantor"].choices = choices
        self.fields["holder"].choices = choices

    def clean(self):
        data = super().clean()
        grantor = self.people.get(data.get("grantor"))
        holder = self.people.get(data.get("holder"))
        if grantor and holder and grantor.id == holder.id:
            self.add_error("holder", _("委托人和受托人不能是同一个人，请另选受托人。"))
            return data
        if grantor and grantor.voted:
            self.add_error(
                "grantor", _("%(name)s 已经投过票，不能再委托。") % {"name": grantor.label}
            )
        elif grantor and grantor.granted:
            self.add_error(
                "grantor",
                _("%(name)s 已经委托了别人，每人只能委托一次。") % {"name": grantor.label},
            )
        if holder and holder.holds >= self.cap:
            self.add_error(
                "holder",
                _("%(name)s 已代投 %(n)s 人，达到每人最多代投 %(cap)s 人的上限，请另选受托人。")
                % {"name": holder.label, "n": holder.holds, "cap": self.cap},
            )
        return data
