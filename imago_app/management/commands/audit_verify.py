from django.core.management.base import BaseCommand, CommandError

from imago_app import audit


class Command(BaseCommand):
    help = "Check the security log's hash chain and report the first entry that does not add up."

    def handle(self, *args, **options):
        verdict = audit.verify()
        if not verdict.intact:
            raise CommandError(
                f"The audit log is broken at entry {verdict.broken_at}: {verdict.reason}. "
                f"Entries before it: {verdict.entries}, intact."
            )
        self.stdout.write(
            f"The audit log is intact: {verdict.entries} entries. Head hash: {verdict.head}"
        )
