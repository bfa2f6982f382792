"""Benchmark of the daily registration jobs (issue 4): the two-week list and the reminders to register.

Usage (from the project folder):

    .venv/bin/python benchmarks/registration_jobs.py [--forms 20000]

It uses the database of benchmarks/registration_queue.py (isa_reg_bench, or BENCH_DATABASE_URL), loading it first if
needed: 20,000 enrolled students of one semester, none registered at the desk. Each job runs in a transaction that is
rolled back, so the figures can be taken again: the reminders 3 days before the registration day (every student is
reminded: the heaviest day), the same run again (nothing sent), and the two-week list on day 15 (every student is
listed) and again (nothing new). Emails are queued for a worker after the commit; with the rollback none is queued.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.registration_queue import DEFAULT_URL, build  # noqa: E402
from benchmarks.residence_reminders import create_database  # noqa: E402


def timed(label: str, job) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = job()
        elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed:7.2f} s  {len(queries):5d} queries  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=20_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PORTAL_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from portal.models import Semester, Student
    from registration.services import deferral

    call_command("migrate", verbosity=0)
    if Student.objects.count() != args.forms:
        print("Loading the students of benchmarks/registration_queue.py ...", flush=True)
        build(args.forms)
    semester = Semester.objects.get(code="2026-2027-2")
    day = semester.registration_day

    class Rollback(Exception):
        pass

    def in_rollback(steps):
        try:
            with transaction.atomic():
                for label, job in steps:
                    timed(label, job)
                raise Rollback
        except Rollback:
            pass

    print(f"{Student.objects.count()} students, registration day {day}:")
    three_days_before = day - timedelta(days=3)
    in_rollback(
        [
            (
                "reminders, 3 days before (all reminded)",
                lambda: deferral.registration_reminders_send(semester=semester, today=three_days_before),
            ),
            (
                "reminders, same day again (none sent)",
                lambda: deferral.registration_reminders_send(semester=semester, today=three_days_before),
            ),
        ]
    )
    day_15 = day + timedelta(days=15)
    in_rollback(
        [
            (
                "two-week list, day 15 (all listed)",
                lambda: deferral.two_week_list_refresh(semester=semester, today=day_15),
            ),
            (
                "two-week list, again (nothing new)",
                lambda: deferral.two_week_list_refresh(semester=semester, today=day_15),
            ),
        ]
    )


if __name__ == "__main__":
    main()
