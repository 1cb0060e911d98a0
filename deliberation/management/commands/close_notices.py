"""Record the close of ended online ballots and the end of notice periods (run from cron).

Pages and the API only show them closed / effective (computed on read, never written); this
command, or the next write to the ballot or resolution, records them with their ledger entries.
"""

from django.core.management.base import BaseCommand

from deliberation.votes import services as services_votes


class Command(BaseCommand):
    help = "结束已到截止时间的线上表决，并使公示期满且无未决异议的决议生效。"

    def handle(self, *args, **options):
        ballots = services_votes.settle_ballots()
        notices = services_votes.settle_notices()
        if options["verbosity"]:
            self.stdout.write(f"closed {ballots} ballot(s); {notices} resolution(s) took effect")
