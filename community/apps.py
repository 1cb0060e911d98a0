from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("社区与议事厅")

    def ready(self) -> None:
        # Sign-ins go to the audit log (community/audit.py); Django's login views announce them
        # only through these signals.
        from django.contrib.auth import signals

        from community import audit  # cycle: app loading — audit imports models (and axes')

        signals.user_logged_in.connect(audit.on_logged_in, dispatch_uid="audit-login")
        signals.user_logged_out.connect(audit.on_logged_out, dispatch_uid="audit-logout")
        signals.user_login_failed.connect(audit.on_login_failed, dispatch_uid="audit-failed")
        # Heads' and admins' sessions end when idle (community/middleware.py).
        from community.middleware import start_idle_clock  # cycle: app loading, as above

        signals.user_logged_in.connect(start_idle_clock, dispatch_uid="idle-clock")
