from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import needs, privacy, selectors, services, throttle
from community.audit import audit_record, client_ip
from community.forms import DeleteAccountForm, JoinForm, ProfileForm, RegisterForm, RolesForm
from community.markup import render_markdown
from community.models import AuditAction, Hall, Membership, MembershipStatus


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def home(request):
    """The home hall's page; for its members it starts with 待我处理 (community/needs.py)."""
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
            messages.success(request, _("注册成功,欢迎您!可以申请加入议事厅了。"))
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
            messages.success(request, _("申请已提交,负责人审核后即可参与议事。"))
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
                messages.success(request, _("令牌已撤销,使用它的客户端将无法再访问。"))
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
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def csrf_failure(request, reason: str = ""):
    """A refused form (CSRF) explained in the site's layout: usually a page left open too long."""
    message = _("页面已过期或来源不明,为了安全没有提交。请刷新页面后再试一次。")
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
    """The privacy notice (隐私说明); a signed-in person accepts its current version here."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={reverse('privacy_notice')}")
        privacy.privacy_accept(user=request.user)
        messages.success(request, _("谢谢,已记录您同意本版隐私说明。"))
        return redirect("home")
    return render(
        request, "community/privacy_notice.html", {"version": settings.PRIVACY_NOTICE_VERSION}
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
        target=_("我的个人信息(JSON)"),
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
        "phone": user.phone,
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
    return render(request, "community/my_profile.html", {"form": form})


@login_required
def delete_account(request):
    """Delete one's account after confirming with the password."""
    form = DeleteAccountForm(request.POST or None)
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
