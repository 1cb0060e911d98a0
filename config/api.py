"""The JSON API at /api/v1/: each app adds its router; errors map to clear JSON replies."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError

from community.api import router as community_router
from community.apierrors import StorableTextParser
from deliberation.api import router as deliberation_router
from forum.api import router as forum_router

api = NinjaAPI(
    title="芳华议事厅 API",
    version="1.0.0",
    description=(
        "议事协商平台的接口。浏览器使用会话登录（需 CSRF 令牌）；其他客户端（如微信小程序）"
        "使用个人 API 令牌：`Authorization: Bearer fh_…`。"
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=StorableTextParser(),
)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else None
    return api.create_response(
        request, {"detail": "；".join(exc.messages), "errors": errors}, status=400
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # Ninja wraps whatever its parser raises in "Cannot parse request body"; a body our parser
    # refused (text no database stores) keeps the reason.
    if isinstance(exc.__cause__, ValidationError):
        return on_validation_error(request, exc.__cause__)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return api.create_response(
        request, {"detail": str(exc) or _("您没有权限执行此操作。")}, status=403
    )


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return api.create_response(request, {"detail": _("找不到该对象。")}, status=404)


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request, exc: ObjectDoesNotExist):
    # A command naming an agenda item, a person or a speech that is not there (as the room's
    # websocket answers `not_found`).
    return api.create_response(request, {"detail": _("找不到要操作的对象。")}, status=404)


def _register() -> None:
    api.add_router("/", community_router)
    api.add_router("/", forum_router)
    api.add_router("/", deliberation_router)


_register()
