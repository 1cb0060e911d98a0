"""Forms of the meeting pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Hall, MembershipStatus, User
from forum.models import Proposal, ProposalState


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=80)
    starts_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    venue = forms.CharField(label=_("地点"), max_length=200)
    is_hybrid = forms.BooleanField(
        label=_("线上线下同步（混合会议）"), required=False, initial=True
    )
    moderator = PersonChoice(label=_("主持人"), queryset=User.objects.none())
    recorder = PersonChoice(label=_("记录员"), queryset=User.objects.none())
    notice = forms.CharField(
        label=_("会议通知"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    proposals = forms.ModelMultipleChoiceField(
        label=_("列入议程的议题（已受理）"),
        queryset=Proposal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    free_items = forms.CharField(
        label=_("自由议程"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一项；可在末尾写「|分钟」作为时间预算，例如：其他事项|15"),
    )

    def __init__(self, *args, hall: Hall, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(
            memberships__hall=hall, memberships__status=MembershipStatus.ACTIVE
        ).order_by("display_name", "pk")
        self.fields["moderator"].queryset = people
        self.fields["recorder"].queryset = people
        self.fields["proposals"].queryset = Proposal.objects.filter(
            hall=hall, state=ProposalState.ACCEPTED
        ).order_by("-created_at")
        if not self.is_bound:
            self.initial.setdefault("venue", hall.venue)

    def clean_free_items(self) -> list[tuple[str, int | None]]:
        items = []
        for line in self.cleaned_data["free_items"].splitlines():
            if not line.strip():
                continue
            title, _sep, budget = line.partition("|")
            budget = budget.strip()
            if budget and not (budget.isascii() and budget.isdigit()):
                raise forms.ValidationError(_("时间预算应为分钟数：%(line)s") % {"line": line})
            items.append((title.strip(), int(budget) if budget else None))
        return items


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("新的开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    venue = forms.CharField(label=_("地点"), max_length=200)
    reason = forms.CharField(
        label=_("改期原因（成员会在通知里看到）"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因（成员会在通知里看到）"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AgendaAddForm(forms.Form):
    """Add accepted proposals (picked from a list) and/or one free item to a meeting's agenda."""

    proposals = forms.ModelMultipleChoiceField(
        label=_("已受理、尚未列入议程的议题"),
        queryset=Proposal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label=_("或者添加一项自由议程"), max_length=80, required=False)
    budget_minutes = forms.IntegerField(
        label=_("时间预算（分钟，可不填）"), min_value=1, max_value=600, required=False
    )

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = proposals

    def clean(self):
        data = super().clean()
        if not data.get("proposals") and not (data.get("title") or "").strip():
            raise forms.ValidationError(_("请勾选议题，或填写自由议程的名称。"))
        return data


class BudgetForm(forms.Form):
    budget_minutes = forms.IntegerField(
        label=_("时间预算（分钟）"), min_value=1, max_value=600, required=False
    )
