from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Building, ServiceBrand
from forum.models import SMS_BY_DEFAULT, EmailMode, NotificationKind, Stance


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; the content is checked by the service (community.images)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=80)
    body = forms.CharField(
        label=_("内容"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8, "data-preview": "body-preview"}),
        help_text=_("支持 Markdown:**加粗**、- 列表、[链接](https://…)。下方可预览。"),
    )
    brand = forms.ModelChoiceField(
        label=_("服务品牌"), queryset=ServiceBrand.objects.none(), required=False,
        empty_label=_("（不选）"),
    )  # fmt: skip
    building = forms.ModelChoiceField(
        label=_("涉及楼栋"), queryset=Building.objects.none(), required=False,
        empty_label=_("全小区"),
    )  # fmt: skip
    images = MultipleFileField(
        label=_("图片（最多 6 张）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("照片的位置等隐私信息会被自动去除。"),
    )

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = ServiceBrand.objects.filter(hall=hall, is_active=True)
        self.fields["building"].queryset = Building.objects.filter(compound_id=hall.compound_id)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("发表评论"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    stance = forms.ChoiceField(
        label=_("立场"),
        choices=[("", _("不表态")), *Stance.choices],
        required=False,
        widget=forms.RadioSelect,
    )


class NotificationPrefsForm(forms.Form):
    """Per kind: the bell （站内提醒），e-mail and text message; and single e-mails or a digest."""

    CHANNELS = (("in_app", _("站内提醒")), ("email", _("邮件")), ("sms", _("短信")))

    email_mode = forms.ChoiceField(
        label=_("邮件怎么发"), choices=EmailMode.choices, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args, prefs: dict, email_mode: str = EmailMode.EACH, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email_mode"].initial = email_mode
        self.kinds = []
        for kind, label in NotificationKind.choices:
            defaults = (True, True, kind in SMS_BY_DEFAULT)
            chosen = prefs.get(kind, defaults)
            row = []
            for (channel, word), initial in zip(self.CHANNELS, chosen, strict=True):
                name = f"{kind}__{channel}"
                self.fields[name] = forms.BooleanField(
                    label=f"{label} · {word}", required=False, initial=initial
                )
                row.append((word, channel, name))
            self.kinds.append((kind, label, row))

    def rows(self):
        """[(label, [(word, channel, bound field)])] for the template, one row per kind."""
        return [
            (label, [(word, channel, self[name]) for word, channel, name in row])
            for _kind, label, row in self.kinds
        ]
