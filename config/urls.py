from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from community import views as community_views
from community.forms import VerifiedEmailPasswordResetForm
from config.api import api
from config.health import healthz
from config.pwa import offline, service_worker

admin.site.site_header = _("芳华议事厅 管理后台")
admin.site.site_title = _("芳华议事厅")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("", community_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("sw.js", service_worker, name="service_worker"),
    path("offline/", offline, name="offline"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # UI strings of our scripts (static/js), in the visitor's language (locale/*/djangojs.po).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/login/", community_views.SignInView.as_view(), name="login"),
    path("accounts/phone/", community_views.phone_login, name="phone_login"),
    path("accounts/welcome/", community_views.welcome, name="welcome"),
    path("accounts/password/forgot/", community_views.password_forgot, name="password_forgot"),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=VerifiedEmailPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/email/<str:token>/", community_views.email_verify, name="email_verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/register/", community_views.register, name="register"),
    path("", include("community.urls")),
    path("", include("forum.urls")),
    path("", include("deliberation.urls")),
]

if settings.DEBUG or settings.FANGHUA.get("SERVE_MEDIA", True):
    # Uploaded photos are served by the app itself (no CDN); a proxy may take this over.
    urlpatterns.append(
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}, name="media")
    )
