from django.core.management.base import BaseCommand

from demo.community import ACCOUNTS, DEMO_PASSWORD, ROLE_OF_ACCOUNT, seed_organisation
from demo.deliberation import seed as seed_deliberation
from demo.forum import seed as seed_forum
from demo.year import seed as seed_year


class Command(BaseCommand):
    help = "Load the demo data （桂城街道 / 叠二社区 / 名苑小区 / 芳华议事厅）；safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the accounts.")

    def handle(self, *args, quiet=False, **options):
        hall, users = seed_organisation()
        notes = [hook(hall=hall, users=users) for hook in self.extra_seeders()]
        if quiet:
            return
        for note in notes:
            if note:
                self.stdout.write(note)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{hall.name}(/halls/{hall.slug}/)"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, display_name, _roles, _b in ACCOUNTS:
            self.stdout.write(f"  {username:<12} {display_name:<14} {ROLE_OF_ACCOUNT[username]}")

    def extra_seeders(self):
        """Each app's demo data (proposals, meetings, …), each idempotent, in dependency order.

        A seeder may return a line to print (e.g. that its data was already there). The year
        comes last: its 60 residents would otherwise change the quorum of the votes demo.
        """
        return [seed_forum, seed_deliberation, seed_year]
