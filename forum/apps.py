from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("议题与讨论")

    def ready(self) -> None:
        # A person's own data (community/privacy.py) includes what they wrote here; deleting the
        # account erases their notifications and settings (the writings stay, anonymous).
        # cycle: app loading — these import models, which exist only once apps.py has loaded.
        from community import hooks, needs, privacy
        from forum import notifications, personal_data, selectors

        privacy.register_section(personal_data.sections)
        privacy.register_eraser(personal_data.erase)
        # The home page's 待我处理（community/needs.py）：proposals waiting for seconds.
        needs.register_provider(selectors.needs_of)
        # Heads hear of applications, applicants of decisions (community/hooks.py).
        hooks.on_membership_changed(notifications.membership_notice)
