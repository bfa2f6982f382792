"""Import an admissions-list CSV from the command line: the same service as the staff page and the admin."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import imports


class Command(BaseCommand):
    help = f"Create or update student accounts from an admissions-list CSV (header: {','.join(imports.HEADER)})."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The CSV file (UTF-8, with or without BOM).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; import nothing.")

    def handle(self, *args, path: Path, dry_run: bool, **options):
        try:
            with path.open("rb") as source:
                result = imports.admissions_import(source=source, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}")
        except imports.AdmissionsFileError as exc:
            raise CommandError(str(exc))

        for line, reason in result.errors:
            self.stderr.write(f"line {line}: {reason}")
        counts = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        prefix = "Dry run, nothing imported. It would be: " if dry_run else ""
        self.stdout.write(f"{prefix}{counts}, {result.rejected} rejected.")
        if result.errors:
            # A non-zero exit status lets a script notice the rejected rows; the good rows are imported all the same.
            raise CommandError(f"{result.rejected} rows rejected (listed above).")
