"""Record the close of evaluation rounds whose period ended (run from cron).

Pages and the API only show such a round closed (computed on read, never written); this command,
or the next write to the round, records it with its ledger entry.
"""

from django.core.management.base import BaseCommand

from community.models import Hall
from deliberation.results.evaluation import settle_evaluations


class Command(BaseCommand):
    help = "结束评议期已满的实施结果评议：评议通过则议题归档，不满意超过门槛则重新落实。"

    def add_arguments(self, parser):
        parser.add_argument("--hall", type=int, help="只处理这个议事厅（id）")

    def handle(self, *args, **options):
        hall = Hall.objects.get(pk=options["hall"]) if options.get("hall") else None
        closed = settle_evaluations(hall=hall)
        if options["verbosity"]:
            self.stdout.write(f"closed {closed} evaluation round(s)")
