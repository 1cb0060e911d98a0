from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from community import views as community_views
from config.api import api
from config.health import healthz

admin.site.site_header = _("芳华议事厅 管理后台")
admin.site.site_title = _("芳华议事厅")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("", community_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # UI strings of our scripts (static/js), in the visitor's language (locale/*/djangojs.po).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
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
