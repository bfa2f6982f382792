"""Benchmark of the staff compliance board and the letter queue (issue 5): 20,000 students on PostgreSQL.

Usage (from the project folder):

    .venv/bin/python benchmarks/residence_board.py [--students 20000] [--rebuild]

It works in its own database (isa_res_board_bench by default, or BENCH_DATABASE_URL), never in the portal's. The
first call (or --rebuild) loads the students with their visas, permits and insurance (the loader of
benchmarks/residence_reminders.py), spreads them over 8 schools, runs the reminder job on two days so that real
obligations and reminders exist, then gives every student still without an open obligation one more (a passport
renewal due between 20 days ago and 90 days ahead, with one or two reminders sent), so the board has more open
obligations than students; and 2,000 certification letter requests wait in the office's queue.

Then it requests the pages through Django's test client (middleware, selector, paginator, template: the whole page)
and prints, for each case, the median time of 5 requests, the query count and the rows shown.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.residence_reminders import build as build_records  # noqa: E402
from benchmarks.residence_reminders import copy_rows, create_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isa_res_board_bench"
SCHOOLS = 8
LETTERS = 2000
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def build(students: int, today) -> None:
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import connection, transaction
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from portal.models import Role, School, Student, User
    from residence.models import LetterEvent, LetterRequest, Obligation, Reminder
    from residence.services import reminders_send

    build_records(students, today)
    rng = random.Random(20)  # noqa: S311 - reproducible test data, not secrets
    with transaction.atomic():
        LetterEvent.objects.all().delete()
        LetterRequest.objects.all().delete()
        User.objects.filter(username__in=["board-office", "board-school"]).delete()
        schools = [
            School.objects.get_or_create(code=f"b{n}", defaults={"name_en": f"School {n}", "name_zh": f"学院{n}"})[0]
            for n in range(SCHOOLS)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Student._meta.db_table} SET school_id = (%s::bigint[])[(id %% %s) + 1], "  # noqa: S608 # nosec B608 - our own table names only
                "name_latin = 'Student ' || id || ' ' "
                "|| (ARRAY['Ali','Chen','Fatima','Ivan','Kofi','Mai'])[(id %% 6) + 1]",
                [[school.pk for school in schools], SCHOOLS],
            )
        office = User.objects.create(username="board-office", role=Role.INTERNATIONAL_OFFICE, is_active=True)
        school_staff = User.objects.create(
            username="board-school", role=Role.SCHOOL_STAFF, school=schools[0], is_active=True
        )
        # Staff reach no page without an authenticator app; the benchmark's staff have one, like all staff.
        TOTP.activate(office, TOTP_SECRET)
        TOTP.activate(school_staff, TOTP_SECRET)

    # Real obligations and reminders: the job on its first day and again two weeks later.
    with mock.patch("residence.services.reminders.enqueue_after_commit"):
        reminders_send(today=today)
        reminders_send(today=today + timedelta(days=15))

    now = timezone.now().isoformat()
    with transaction.atomic(), connection.cursor() as cursor:
        has_open = Obligation.objects.open().filter(student=OuterRef("pk"))
        without = list(Student.objects.exclude(Exists(has_open)).values_list("pk", flat=True))
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {Obligation._meta.db_table}")  # noqa: S608 # nosec B608 - our own table names only
        first = cursor.fetchone()[0]
        obligations, reminders = [], []
        for offset, student_id in enumerate(without):
            due = today + timedelta(days=rng.randint(-20, 90))
            obligations.append((first + offset, student_id, "passport_renewal", due, due, now))
            for lead in rng.sample([60, 30, 14], rng.randint(1, 2)):
                reminders.append((first + offset, lead, "00000000-0000-0000-0000-000000000000", now))
        copy_rows(
            cursor,
            Obligation._meta.db_table,
            ["id", "student_id", "kind", "due", "legal_due", "opened_at"],
            obligations,
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Obligation._meta.db_table, first + len(without)]
        )
        copy_rows(cursor, Reminder._meta.db_table, ["obligation_id", "lead_days", "run", "sent_at"], reminders)
        waiting = list(Student.objects.order_by("?").values_list("pk", "user_id")[:LETTERS])
        LetterRequest.objects.bulk_create(
            LetterRequest(student_id=pk, purpose="new_permit" if pk % 3 else "permit_extension", requested_by_id=user)
            for pk, user in waiting
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client, name: str, label: str, params: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse(name)
    client.get(url, params)  # warm caches
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    page = response.context["page"]
    print(
        f"  {label:<44} {statistics.median(times) * 1000:8.1f} ms  {len(queries):3d} queries  "
        f"{len(page):3d} of {page.paginator.count}"
    )


def measure_csv(client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(reverse("residence_board"), {"format": "csv"})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - started
    rows = body.count(b"\n") - 1
    label = "CSV export of every open obligation"
    print(f"  {label:<44} {elapsed * 1000:8.1f} ms  {len(queries):3d} queries  {rows} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if "bench" not in url.rsplit("/", 1)[1]:
        sys.exit("Refusing to run outside a benchmark database (its name must contain 'bench').")
    create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PORTAL_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from portal.models import School, Student, User
    from residence.models import Obligation

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    if args.rebuild or Student.objects.count() != args.students or not User.objects.filter(username="board-office"):
        print(f"Loading {args.students:,} students ...", flush=True)
        build(args.students, today)
    setup_test_environment()  # response.context for the row counts
    open_obligations = Obligation.objects.open().count()
    print(
        f"PostgreSQL {connection.pg_version}, {Student.objects.count():,} students, {open_obligations:,} open "
        f"obligations, today {today}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    office = Client()
    office.force_login(User.objects.get(username="board-office"))
    school_staff = Client()
    school_staff.force_login(User.objects.get(username="board-school"))
    last_page = (open_obligations + 49) // 50
    school = School.objects.get(code="b3")
    print("Compliance board (International College), 50 rows per page:")
    measure(office, "residence_board", "first page", {})
    measure(office, "residence_board", "page 100", {"page": 100})
    measure(office, "residence_board", f"last page ({last_page})", {"page": last_page})
    measure(office, "residence_board", "overdue", {"bucket": "overdue"})
    measure(office, "residence_board", "due in 7 days, one school", {"bucket": "due_7", "school": school.pk})
    measure(
        office, "residence_board", "permit extensions due in 30 days", {"kind": "permit_extension", "bucket": "due_30"}
    )
    measure(office, "residence_board", "search by name", {"q": "Fatima"})
    someone = Obligation.objects.open().order_by("-pk").values_list("student__student_id", flat=True).first()
    measure(office, "residence_board", "search by student ID", {"q": someone})
    measure_csv(office)
    print("Compliance board (a school's staff, their school only):")
    measure(school_staff, "residence_board", "first page", {})
    print("Certification letter queue (International College):")
    measure(office, "residence_letter_queue", "first page", {})
    measure(office, "residence_letter_queue", "last page", {"page": (2000 + 49) // 50})


if __name__ == "__main__":
    main()
