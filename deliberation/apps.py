from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = _("议事会议与表决")

    def ready(self) -> None:
        # cycle: app loading — these import models, which exist only once apps.py has loaded.
        from community import needs, privacy
        from deliberation import personal_data
        from deliberation.ledger import choices as kinds
        from deliberation.ledger import selectors as ledger
        from deliberation.meetings import ballots
        from deliberation.meetings import selectors as meeting_selectors
        from deliberation.results import hooks as result_hooks
        from deliberation.results import selectors as result_selectors
        from deliberation.tasks import selectors as task_selectors
        from deliberation.tasks import services as task_services
        from deliberation.votes import hooks
        from deliberation.votes import selectors as vote_selectors

        # Parts above votes register for what votes announce (deliberation/votes/hooks.py).
        hooks.on_ballot_changed(ballots.on_ballot_changed)
        # Tasks sit above results: results announce an unsatisfactory round (results/hooks.py).
        result_hooks.on_round_reopened(task_services.reopen_after_evaluation)
        # A person's own data (community/privacy.py) includes what they did here.
        privacy.register_section(personal_data.sections)
        # The home page's 待我处理（community/needs.py）：what each part knows needs the person.
        for provider in (
            vote_selectors.needs_of,
            result_selectors.needs_of,
            meeting_selectors.needs_of,
            task_selectors.needs_of,
        ):
            needs.register_provider(provider)
        # The ledger checks the records its entries certify through the parts that own them.
        ledger.on_certify(
            [
                kinds.BALLOT_OPENED,
                kinds.BALLOT_CAST,
                kinds.PROXY_CAST,
                kinds.HAND_COUNT_ENTERED,
                kinds.BALLOT_CLOSED,
                kinds.OUTCOME_RECORDED,
                kinds.RESOLUTION_PUBLISHED,
                kinds.OBJECTION_LODGED,
                kinds.OBJECTION_ANSWERED,
                kinds.RESOLUTION_EFFECTIVE,
            ],
            vote_selectors.certify_votes,
        )
        ledger.on_certify(
            [kinds.RESULT_PUBLISHED, kinds.EVALUATION_CLOSED], result_selectors.certify_results
        )
