"""Benchmark of batch printing of Leaving School Forms (issue 8): 500 completed clearances as one PDF on a real worker.

Usage (from the project folder; Redis must be running):

    .venv/bin/python benchmarks/leaving_forms.py [--forms 500] [--rebuild]

It works in its own database (isa_leave_bench by default, or BENCH_DATABASE_URL), never in the portal's, and on its
own Redis database (redis://127.0.0.1:6379/13, or BENCH_BROKER_URL), emptied before and after. The first call (or
--rebuild) migrates it and loads graduates in 4 schools with every checklist item signed. Then an admin queues the
batch the way the batch page does (services.leaving_form_batch_request); a Celery worker consuming from Redis renders
it; the script follows the document's progress, and prints the time, the pages and the file size.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.residence_reminders import create_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isa_leave_bench"
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
NAMES_ZH = ["阿米娜", "陈伟玲", "", "李娜", ""]


def build(count: int) -> None:
    from django.utils import timezone

    from portal.models import Role, School, Student, User
    from registration import rules
    from registration.models import Clearance, ClearanceHow, ClearanceItem, ClearanceSignOff
    from registration.services.clearance import verification_number_new

    now = timezone.now()
    today = timezone.localdate()
    schools = [School.objects.create(code=f"s{n}", name_en=f"School {n}", name_zh=f"学院{n}") for n in range(4)]
    office = User.objects.create(username="office", role=Role.INTERNATIONAL_OFFICE, first_name="Olga")
    signers = {
        "finance": User.objects.create(username="fiona", role=Role.FINANCE, first_name="Fiona"),
        "clearance": User.objects.create(username="leo", role=Role.CLEARANCE, first_name="Leo"),
        "dormitory": User.objects.create(username="dora", role=Role.DORMITORY, first_name="Dora"),
        "international_office": office,
    }
    school_staff = {
        school.pk: User.objects.create(username=f"staff{school.pk}", role=Role.SCHOOL_STAFF, school=school)
        for school in schools
    }
    users = User.objects.bulk_create(
        User(username=f"2022{n:06d}", role=Role.STUDENT, password="!", email=f"g{n}@example.org") for n in range(count)
    )
    students = Student.objects.bulk_create(
        Student(
            user=user,
            student_id=user.username,
            name_latin=f"Graduate Number {n}",
            name_zh=NAMES_ZH[n % len(NAMES_ZH)],
            nationality="Pakistan",
            gender="female",
            date_of_birth="2001-01-01",
            passport_number=f"P{n:08d}",
            passport_expires_on="2031-01-01",
            school=schools[n % len(schools)],
            programme="MBBS",
            degree_level="bachelor",
            funding="self",
            enrolment_year=2021,
        )
        for n, user in enumerate(users)
    )
    clearances = Clearance.objects.bulk_create(
        Clearance(
            student=student,
            reason="graduation",
            effective_on=today,
            move_out_by=rules.move_out_deadline(reason="graduation", effective_on=today),
            graduation_year=today.year,
            on_campus=True,
            verification_number=verification_number_new(),
            created_by=office,
            completed_at=now,
        )
        for student in students
    )
    items = []
    for clearance, student in zip(clearances, students, strict=True):
        for kind in rules.clearance_kinds(on_campus=True):
            role = rules.clearance_signer_role(kind)
            by = school_staff[student.school_id] if role == "school_staff" else signers[role]
            how = ClearanceHow.AUTOMATIC if kind == "fees" else ClearanceHow.OFFICE
            items.append(
                ClearanceItem(
                    clearance=clearance,
                    kind=kind,
                    done_at=now,
                    done_by=None if how == ClearanceHow.AUTOMATIC else by,
                    done_how=how,
                )
            )
    items = ClearanceItem.objects.bulk_create(items)
    ClearanceSignOff.objects.bulk_create(
        ClearanceSignOff(item=item, how=item.done_how, by=item.done_by, at=now) for item in items
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true", help="load the graduates again even if they are there")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if "bench" not in url.rsplit("/", 1)[1]:
        sys.exit("Refusing to run outside a benchmark database (its name must contain 'bench').")
    broker = os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER)
    create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ.setdefault("PORTAL_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_SKIP_CHECKS"] = "1"
    import django

    django.setup()
    import redis
    from celery.contrib.testing.worker import start_worker
    from django.core.management import call_command
    from django.db import connection
    from pypdf import PdfReader

    from portal.celery import app
    from portal.models import DocumentStatus, GeneratedDocument, Role, User
    from registration import services
    from registration.models import Clearance

    call_command("migrate", verbosity=0)
    if args.rebuild or Clearance.objects.count() != args.forms:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE registration_clearancesignoff, registration_clearanceitem, registration_clearance, "
                "portal_generateddocument, portal_student, portal_school, portal_user CASCADE"
            )
        build(args.forms)
    admin, _ = User.objects.get_or_create(username="admin", defaults={"role": Role.ADMIN, "is_superuser": True})
    ids = list(Clearance.objects.order_by("student__student_id").values_list("pk", flat=True))
    print(
        f"PostgreSQL {connection.pg_version}, {len(ids)} completed clearances, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    queue = redis.Redis.from_url(broker)
    queue.flushdb()
    app.conf.update(broker_url=broker, task_always_eager=False, result_backend=None, worker_hijack_root_logger=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60, loglevel="WARNING"):
            started = time.monotonic()
            document = services.leaving_form_batch_request(
                user=admin,
                clearance_ids=ids,
                verify_base="https://portal.example.edu/",
                language="en",
                title=f"Leaving School Forms: {len(ids)} students",
            )
            last = -1
            while True:
                document.refresh_from_db()
                if document.done_items != last:
                    print(f"  {time.monotonic() - started:6.1f} s  {document.done_items}/{document.total_items}")
                    last = document.done_items
                if document.status in (DocumentStatus.DONE, DocumentStatus.FAILED):
                    break
                if time.monotonic() - started > 1800:
                    sys.exit("Gave up after 30 minutes.")
                time.sleep(0.5)
            elapsed = time.monotonic() - started
    finally:
        queue.flushdb()
    if document.status != DocumentStatus.DONE:
        sys.exit(f"The batch failed: {document.error}")
    content = document.file.read()
    pages = len(PdfReader(io.BytesIO(content)).pages)
    print(
        f"{len(ids)} forms in {elapsed:.1f} s ({elapsed / len(ids) * 1000:.0f} ms per form), "
        f"{pages} pages, {len(content) / 1_000_000:.1f} MB"
    )
    # The benchmark leaves nothing behind: the stored PDF and its row.
    document.file.delete(save=False)
    GeneratedDocument.objects.filter(pk=document.pk).delete()


if __name__ == "__main__":
    main()
