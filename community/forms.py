from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.accounts import normalize_phone
from community.models import Building, Compound
from community.roles import Role


class RegisterForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("用于登录，可用字母、数字和 @/./+/-/_"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(
        label=_("显示名"), max_length=40, help_text=_("大家看到的称呼，例如：王阿姨")
    )
    building = forms.ModelChoiceField(
        label=_("居住楼栋"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("（不在本小区 / 暂不填写）"),
    )
    password1 = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全是数字，不能太常见。"),
    )
    password2 = forms.CharField(
        label=_("再输一次密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    accept_privacy = forms.BooleanField(
        label=_("我已阅读并同意《隐私说明》"),
        required=True,
        error_messages={"required": _("请先阅读并同意隐私说明。")},
    )

    def __init__(self, *args, compound: Compound | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if compound is not None:
            self.fields["building"].queryset = Building.objects.filter(compound=compound)

    def clean_username(self):
        from django.contrib.auth.validators import UnicodeUsernameValidator

        value = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("留言（可选）"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("显示名"), max_length=40)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    building = forms.ModelChoiceField(
        label=_("居住楼栋"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("（不在本小区 / 暂不填写）"),
    )

    def __init__(self, *args, compound: Compound | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if compound is not None:
            self.fields["building"].queryset = Building.objects.filter(compound=compound)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("请输入密码确认注销"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _big(attrs: dict) -> dict:
    return {"class": "big-input", **attrs}


PHONE_WIDGET = forms.TextInput(
    attrs=_big(
        {
            "inputmode": "numeric",
            "autocomplete": "tel-national",
            "maxlength": "16",
            "placeholder": "13800138000",
        }
    )
)
CODE_WIDGET = forms.TextInput(
    attrs=_big(
        {
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "maxlength": "6",
            "pattern": "[0-9]*",
            "placeholder": "______",
        }
    )
)


class PhoneCodeForm(forms.Form):
    """A mainland mobile number and the code sent to it (the code is needed only to finish)."""

    phone = forms.CharField(label=_("手机号"), max_length=20, widget=PHONE_WIDGET)
    code = forms.CharField(label=_("短信验证码"), max_length=12, required=False, widget=CODE_WIDGET)

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["phone"]) from None


class PhoneResetForm(PhoneCodeForm):
    new_password1 = forms.CharField(
        label=_("新密码"),
        required=False,
        widget=forms.PasswordInput(attrs=_big({"autocomplete": "new-password"})),
        help_text=_("至少 8 位，不能全是数字，不能太常见。"),
    )
    new_password2 = forms.CharField(
        label=_("再输一次新密码"),
        required=False,
        widget=forms.PasswordInput(attrs=_big({"autocomplete": "new-password"})),
    )


class WelcomeForm(forms.Form):
    display_name = forms.CharField(
        label=_("您希望大家怎么称呼您？"),
        max_length=40,
        widget=forms.TextInput(attrs=_big({"placeholder": _("例如：王阿姨、李姐")})),
        help_text=_("这是议事厅里大家看到的名字，以后可以在“我的资料”里修改。"),
        error_messages={"required": _("请填写一个称呼，例如：王阿姨。")},
    )
    accept_privacy = forms.BooleanField(
        label=_("我已阅读并同意《隐私说明》"),
        required=True,
        error_messages={"required": _("请先阅读并同意隐私说明。")},
    )


class VerifiedEmailPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending only to verified addresses (a mistyped, unverified address
    could be a stranger's, who could then take the account)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.email_verified_at is not None)
