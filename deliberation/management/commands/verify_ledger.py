"""`manage.py verify_ledger [--hall SLUG|ID] [--head SEQ:HASH] [--chain-only]`: exit 0 when every
chain is intact and every record still says what its entries certified (docs/ledger.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from community.models import Hall
from deliberation.ledger.selectors import is_hash, ledger_verify


class Command(BaseCommand):
    help = (
        "Re-hash the ledger chains （台账链） and name the first broken entry; then recompute what "
        "each entry certifies from the live records and name the first record that differs; "
        "exit status 0 when all is intact, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hall", help="only this hall (slug or id)")
        parser.add_argument(
            "--head",
            metavar="SEQ:HASH",
            help="with --hall: a chain head printed earlier (e.g. on a notice) that must still be there",
        )
        parser.add_argument(
            "--chain-only",
            action="store_true",
            help="only re-hash the chains; do not compare the records they certify",
        )

    def handle(self, *args, hall=None, head=None, chain_only=False, **options):
        target = None
        if hall is not None:
            found = Hall.objects.filter(slug=hall).first()
            if found is None and hall.isdigit():
                found = Hall.objects.filter(pk=int(hall)).first()
            if found is None:
                raise CommandError(f"no hall {hall!r}")
            target = found
        expect = None
        if head is not None:
            if target is None:
                raise CommandError("--head needs --hall")
            seq, _, digest = head.partition(":")
            if not seq.isdigit() or not is_hash(digest):
                raise CommandError("--head must be SEQ:HASH (HASH = 64 lowercase hex digits)")
            expect = (int(seq), digest)
        result = ledger_verify(target, expect_head=expect, records=not chain_only)
        if result.ok:
            checked = (
                ""
                if chain_only
                else f" {result.certified} entries' records match what they certify"
                + (
                    f"; {result.uncertifiable} older entries carry too little to recompute "
                    "(not certifiable)."
                    if result.uncertifiable
                    else "."
                )
            )
            if options["verbosity"] >= 1:  # -v 0 (cron): silent unless something is wrong
                self.stdout.write(
                    f"OK: {result.entries} entries in {result.halls} hall(s), every chain intact."
                    + checked
                )
            for hall_id, digest in result.heads.items():
                if options["verbosity"] > 1:
                    self.stdout.write(f"  hall {hall_id}: head {digest}")
            return
        for brk in result.breaks:
            self.stderr.write(f"BROKEN {brk}")
        for diff in result.differences:
            self.stderr.write(f"DIFFERS {diff}")
        problems = []
        if result.breaks:
            problems.append(
                f"ledger broken in {len(result.breaks)} hall(s); first broken entry: {result.first}"
            )
        if result.differences:
            problems.append(
                f"records differ from the ledger in {len(result.differences)} hall(s); "
                f"first record that differs: {result.first_difference}"
            )
        raise CommandError("; ".join(problems))
