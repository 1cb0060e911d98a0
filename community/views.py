from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import accounts, guides, needs, privacy, selectors, services, sms, throttle
from community.audit import audit_record, client_ip
from community.context_processors import ELDER_COOKIE
from community.forms import (
    DeleteAccountForm,
    JoinForm,
    PhoneCodeForm,
    PhoneResetForm,
    ProfileForm,
    RegisterForm,
    RolesForm,
    WelcomeForm,
)
from community.markup import render_markdown
from community.models import AuditAction, CodePurpose, Hall, Membership, MembershipStatus


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def home(request):
    """The home hall's page; for its members it starts with 待我处理（community/needs.py）."""
    hall = selectors.home_hall()
    if hall is None:
        return render(request, "community/empty.html")
    return hall_page(request, hall.slug, home=True)


def hall_page(request, slug: str, home: bool = False):
    try:
        hall = selectors.hall_detail(slug=slug)
    except Hall.DoesNotExist:
        raise Http404(_("没有这个议事厅。")) from None
    membership = selectors.membership_of(user=request.user, hall=hall)
    is_member = membership is not None and membership.status == MembershipStatus.ACTIVE
    context = {
        "hall": hall,
        "brands": [b for b in hall.brands.all() if b.is_active],
        "groups": selectors.roster_visible_to(user=request.user, hall=hall),
        "membership": membership,
        # None: no 待我处理 section (anonymous visitors, non-members, other halls' pages).
        "needs": needs.needs_of(request.user) if home and is_member else None,
        "yearly_plan_html": render_markdown(hall.yearly_plan),
        "rules_html": render_markdown(hall.rules_text),
        "structure_html": render_markdown(hall.structure),
        "services_html": render_markdown(hall.services),
        "join_form": JoinForm(),
    }
    return render(request, "community/hall.html", context)


def register(request):
    hall = selectors.home_hall()
    compound = hall.compound if hall else None
    form = RegisterForm(request.POST or None, compound=compound)
    if request.method == "POST" and form.is_valid():
        try:
            place = throttle.reserve(client_ip(request))
        except throttle.RegistrationThrottled as refused:
            form.add_error(None, refused.message)
            response = render(request, "registration/register.html", {"form": form}, status=429)
            response["Retry-After"] = str(refused.retry_after)
            return response
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
                building=form.cleaned_data["building"],
            )
        except ValidationError as exc:
            throttle.release(place)
            _form_errors(form, exc)
        else:
            privacy.privacy_accept(user=user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎您！可以申请加入议事厅了。"))
            return redirect("home")
    return render(request, "registration/register.html", {"form": form})


@login_required
@require_POST
def join_hall(request, slug: str):
    hall = get_object_or_404(selectors.halls_visible_to(), slug=slug)
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            services.membership_request(
                user=request.user, hall=hall, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("申请已提交，负责人审核后即可参与议事。"))
    else:
        messages.error(request, _("留言不能超过 200 字。"))
    return redirect("hall", slug=slug)


@login_required
def my_memberships(request):
    return render(
        request,
        "community/my_memberships.html",
        {"memberships": selectors.memberships_of(user=request.user)},
    )


@login_required
def manage_members(request, slug: str):
    hall = get_object_or_404(selectors.halls_visible_to(), slug=slug)
    if not request.user.has_perm("community.manage_memberships", hall):
        raise PermissionDenied(_("只有微家负责人或妇联管理员可以管理成员。"))
    members = list(selectors.active_members(hall=hall))
    return render(
        request,
        "community/manage_members.html",
        {
            "hall": hall,
            "pending": selectors.pending_requests(hall=hall),
            "members": [
                (m, RolesForm(initial={"roles": m.role_list}, prefix=f"m{m.pk}")) for m in members
            ],
        },
    )


@login_required
@require_POST
def decide_membership(request, pk: int, decision: str):
    membership = get_object_or_404(Membership.objects.select_related("hall", "user"), pk=pk)
    try:
        if decision == "approve":
            services.membership_approve(actor=request.user, membership=membership)
            messages.success(request, _("已批准 %(name)s 加入。") % {"name": membership.user})
        elif decision == "decline":
            services.membership_decline(
                actor=request.user,
                membership=membership,
                reason=request.POST.get("reason", "")[:200],
            )
            messages.success(request, _("已拒绝 %(name)s 的申请。") % {"name": membership.user})
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("manage_members", slug=membership.hall.slug)


@login_required
@require_POST
def set_roles(request, pk: int):
    membership = get_object_or_404(Membership.objects.select_related("hall", "user"), pk=pk)
    form = RolesForm(request.POST, prefix=f"m{pk}")
    if not form.is_valid():
        messages.error(request, _("请至少选择一个角色。"))
    else:
        try:
            services.membership_set_roles(
                actor=request.user, membership=membership, roles=form.cleaned_data["roles"]
            )
            messages.success(request, _("已更新 %(name)s 的角色。") % {"name": membership.user})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("manage_members", slug=membership.hall.slug)


@login_required
def api_tokens(request):
    raw_key = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                services.api_token_revoke(user=request.user, token_id=int(request.POST["revoke"]))
                messages.success(request, _("令牌已撤销，使用它的客户端将无法再访问。"))
                return redirect("api_tokens")
            _token, raw_key = services.api_token_issue(
                user=request.user, name=request.POST.get("name", "")
            )
        except (ValidationError, ValueError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else _("请求无效。")
            messages.error(request, text)
    return render(
        request,
        "community/api_tokens.html",
        {"tokens": request.user.api_tokens.order_by("-created_at"), "raw_key": raw_key},
    )


def locked_out(request, response=None, credentials=None):
    """The page django-axes shows after too many wrong passwords (HTTP 429), in Chinese."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    if request.path.startswith("/api/"):
        message = _("错误次数太多，已暂时锁定，请 %(m)d 分钟后再试。") % {"m": minutes}
        response = JsonResponse({"detail": message}, status=429)
        response["Retry-After"] = str(minutes * 60)
        return response
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def csrf_failure(request, reason: str = ""):
    """A refused form (CSRF) explained in the site's layout: usually a page left open too long."""
    message = _("页面已过期或来源不明，为了安全没有提交。请刷新页面后再试一次。")
    return render(request, "403.html", {"exception": message}, status=403)


AUDIT_PAGE_SIZE = 50


@login_required
def audit_log(request, slug: str):
    """The hall's audit log for its heads and federation admins, newest first."""
    hall = get_object_or_404(selectors.halls_visible_to(), slug=slug)
    if not request.user.has_perm("community.view_audit", hall):
        raise PermissionDenied(_("只有微家负责人或妇联管理员可以查看审计日志。"))
    page = Paginator(selectors.audit_entries(hall=hall), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "community/audit.html", {"hall": hall, "page": page})


def privacy_notice(request):
    """The privacy notice （隐私说明）；a signed-in person accepts its current version here."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={reverse('privacy_notice')}")
        privacy.privacy_accept(user=request.user)
        messages.success(request, _("谢谢，已记录您同意本版隐私说明。"))
        return redirect("home")
    return render(
        request, "community/privacy_notice.html", {"version": settings.PRIVACY_NOTICE_VERSION}
    )


def help_page(request):
    """使用指南：the illustrated guides for residents, moderators and heads (docs/guide/)."""
    return render(request, "community/help.html", {"guides": guides.all_guides()})


def help_guide(request, slug: str):
    """One guide, rendered from docs/guide/<slug>.md with its screenshots."""
    g = guides.guide(slug)
    if g is None:
        raise Http404(_("没有这份指南。"))
    others = [o for o in guides.all_guides() if o.slug != slug]
    return render(
        request,
        "community/help_guide.html",
        {"guide": g, "body": guides.render(g), "others": others},
    )


@login_required
def my_data(request):
    """Everything the platform holds about me, readable (and as JSON to download)."""
    return render(
        request, "community/my_data.html", {"sections": privacy.personal_data(request.user)}
    )


@login_required
def my_data_json(request):
    data = privacy.personal_data_json(request.user)
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        target=_("我的个人信息（JSON）"),
        request=request,
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@login_required
def my_profile(request):
    """Correct one's own profile."""
    hall = selectors.home_hall()
    user = request.user
    initial = {
        "display_name": user.display_name,
        "email": user.email,
        "building": user.building_id,
    }
    form = ProfileForm(
        request.POST or None, initial=initial, compound=hall.compound if hall else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            privacy.profile_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("个人资料已更新。"))
            return redirect("my_profile")
    return render(
        request,
        "community/my_profile.html",
        {"form": form, "phone": user.phone, "phone_verified": bool(user.phone_verified_at)},
    )


@require_POST
def elder_mode(request):
    """Switch 长辈模式 on or off: on this device (a cookie, for visitors too) and, for a signed-in
    person, on her profile so her other devices follow; then back to the page she was on."""
    on = request.POST.get("on") == "1"
    if request.user.is_authenticated:
        services.elder_mode_set(user=request.user, on=on)
    messages.success(
        request, _("已打开长辈模式：字更大，按钮更大。") if on else _("已关闭长辈模式。")
    )
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    response = redirect(target or "home")
    response.set_cookie(
        ELDER_COOKIE,
        "1" if on else "0",
        max_age=5 * 365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@login_required
def delete_account(request):
    """Delete one's account after confirming with the password."""
    form = DeleteAccountForm(request.POST or None)
    if not request.user.has_usable_password():  # a phone account: confirmed by typing 注销
        form.fields["password"].label = _("请输入“注销”两个字确认")
        form.fields["password"].widget = forms.TextInput()
    if request.method == "POST" and form.is_valid():
        try:
            privacy.account_delete(user=request.user, password=form.cleaned_data["password"])
        except PermissionDenied as exc:
            form.add_error("password", str(exc))
        else:
            logout(request)
            messages.success(request, _("您的账户已注销。您发表过的内容将显示为“已注销用户”。"))
            return redirect("home")
    return render(request, "community/delete_account.html", {"form": form})


# --- accounts: sign in by phone, welcome, add a number, new password, e-mail -----------------


def _code_step(request, form, *, purpose: str, user=None):
    """The "获取验证码" button of a phone form: send a code, or put the reason on the form.

    Returns the seconds to wait before the next code (the button's countdown), or None."""
    try:
        sent = accounts.code_request(
            phone=form.cleaned_data["phone"], purpose=purpose, ip=client_ip(request), user=user
        )
    except ValidationError as exc:
        _form_errors(form, exc)
    except accounts.CodeThrottled as refused:
        form.add_error(None, refused.message)
        form.throttled = True
        return refused.retry_after if refused.retry_after <= 120 else None
    except sms.SmsError as failed:
        form.add_error(None, str(failed))
    else:
        messages.success(
            request,
            _("验证码已发送到 %(phone)s,%(m)d 分钟内有效。请查看短信。")
            % {"phone": accounts.mask_phone(sent.phone), "m": max(1, sent.expires_in // 60)},
        )
        return sent.resend_after
    return None


def _phone_steps(form, wait, purpose: str) -> dict:
    """What templates/registration/_phone_steps.html needs: which step, the masked number, the
    resend button's countdown."""
    phone = (
        form.cleaned_data.get("phone") if form.is_bound and hasattr(form, "cleaned_data") else ""
    )
    if not phone or form.errors.get("phone"):
        form.fields["phone"].widget.attrs["autofocus"] = True
        return {"step": "phone", "wait": 0}
    form.fields["code"].widget.attrs["autofocus"] = True
    if wait is None:
        wait = accounts.seconds_until_resend(phone=phone, purpose=purpose)
    return {"step": "code", "masked": accounts.mask_phone(phone), "wait": wait}


def _after_sign_in(request, user, created: bool):
    if created or not user.display_name:
        return redirect("welcome")
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    return redirect(target or "home")


def _no_autofocus(password_form) -> None:
    # The phone sign-in above it is the main action: the username field must not take the focus.
    password_form.fields["username"].widget.attrs.pop("autofocus", None)


class SignInView(auth_views.LoginView):
    """The sign-in page：手机验证码登录 first, the username and password under it."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("phone_form", PhoneCodeForm())
        _no_autofocus(context["form"])
        if self.request.method != "POST":
            context["phone_form"].fields["phone"].widget.attrs["autofocus"] = True
        return context


def phone_login(request):
    """Sign in (a new number: sign up) with a text-message code; the page is the sign-in page."""
    if request.user.is_authenticated:
        return redirect("home")
    form = PhoneCodeForm(request.POST or None)
    wait = None
    status = 200
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "send":
            wait = _code_step(request, form, purpose=CodePurpose.SIGN_IN)
            if form.errors:
                status = 429 if getattr(form, "throttled", False) else 400
        else:
            try:
                result = accounts.phone_sign_in(
                    request=request,
                    phone=form.cleaned_data["phone"],
                    code=form.cleaned_data["code"],
                )
            except accounts.SignInLocked:
                return locked_out(request)
            except throttle.RegistrationThrottled as refused:
                form.add_error(None, refused.message)
                status = 429
            except ValidationError as exc:
                _form_errors(form, exc)
                status = 400
            else:
                login(request, result.user)
                if result.created:
                    messages.success(request, _("注册成功，欢迎您！"))
                return _after_sign_in(request, result.user, result.created)
    elif request.method == "POST":
        status = 400
    password_form = AuthenticationForm(request)
    _no_autofocus(password_form)
    context = {
        "phone_form": form,
        "form": password_form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        **_phone_steps(form, wait, CodePurpose.SIGN_IN),
    }
    return render(request, "registration/login.html", context, status=status)


@login_required
def welcome(request):
    """Asked once after the first sign-in by phone: how should people call you?"""
    user = request.user
    form = WelcomeForm(request.POST or None, initial={"display_name": user.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            privacy.profile_update(
                user=user,
                display_name=form.cleaned_data["display_name"],
                email=user.email,
                building=user.building,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            privacy.privacy_accept(user=user)
            messages.success(
                request,
                _("%(name)s，欢迎您来到芳华议事厅！可以申请加入议事厅了。")
                % {"name": user.display_name},
            )
            return redirect("home")
    return render(request, "registration/welcome.html", {"form": form})


@login_required
def phone_change(request):
    """Add or change one's phone number, proved by a code sent to it."""
    user = request.user
    form = PhoneCodeForm(request.POST or None)
    wait = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "send":
            wait = _code_step(request, form, purpose=CodePurpose.BIND, user=user)
        else:
            try:
                accounts.phone_bind(
                    user=user,
                    phone=form.cleaned_data["phone"],
                    code=form.cleaned_data["code"],
                    request=request,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("手机号 %(phone)s 已绑定，以后可以用它和短信验证码登录。")
                    % {"phone": accounts.mask_phone(user.phone)},
                )
                return redirect("my_profile")
    return render(
        request,
        "community/phone_change.html",
        {"form": form, "phone": user.phone, **_phone_steps(form, wait, CodePurpose.BIND)},
    )


def password_forgot(request):
    """忘记密码：a new password with a code sent to the account's phone (or a link by e-mail)."""
    form = PhoneResetForm(request.POST or None)
    wait = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send":
            wait = _code_step(request, form, purpose=CodePurpose.RESET)
        elif data["new_password1"] != data["new_password2"]:
            form.add_error("new_password2", _("两次输入的密码不一致。"))
        elif not data["new_password1"]:
            form.add_error("new_password1", _("请填写新密码。"))
        else:
            try:
                accounts.password_reset_by_phone(
                    phone=data["phone"],
                    code=data["code"],
                    password=data["new_password1"],
                    request=request,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    _form_errors(form, exc)
                else:
                    form.add_error("new_password1", exc.messages)
            else:
                messages.success(request, _("新密码已设置好，请用新密码登录。"))
                return redirect("login")
    context = {
        "form": form,
        "password_fields": [form["new_password1"], form["new_password2"]],
        **_phone_steps(form, wait, CodePurpose.RESET),
    }
    return render(request, "registration/password_forgot.html", context)


@login_required
@require_POST
def email_verify_send(request):
    """Mail a verification link to the address on the profile."""
    try:
        accounts.email_verification_send(
            user=request.user,
            link_for=lambda token: request.build_absolute_uri(
                reverse("email_verify", args=[token])
            ),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except accounts.CodeThrottled as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("验证邮件已发送到 %(email)s，请打开邮件里的链接。") % {"email": request.user.email},
        )
    return redirect("my_profile")


def email_verify(request, token: str):
    """The link in the verification mail: a page that confirms with one button (GETs never write)."""
    error = email = None
    try:
        _user, email = accounts.email_token_user(token)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.method == "POST" and error is None:
        accounts.email_verify(token=token)
        messages.success(
            request, _("邮箱 %(email)s 已验证，忘记密码时可以用它找回。") % {"email": email}
        )
        return redirect("my_profile" if request.user.is_authenticated else "login")
    return render(
        request,
        "registration/email_verify.html",
        {"email": email, "error": error},
        status=400 if error else 200,
    )
