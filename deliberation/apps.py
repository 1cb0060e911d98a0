from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = _("议事会议与表决")

    def ready(self) -> None:
        # Parts above votes register for what votes announce (deliberation/votes/hooks.py).
        # cycle: app loading — both import models, which exist only once apps.py has loaded.
        from deliberation.meetings import ballots
        from deliberation.votes import hooks

        hooks.on_ballot_changed(ballots.on_ballot_changed)

        # A person's own data (community/privacy.py) includes what they did here.
        from community import privacy
        from deliberation import personal_data

        privacy.register_section(personal_data.sections)
