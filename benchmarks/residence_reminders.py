"""Benchmark of the residence reminder job (issue 5): 100,000 enrolled students on PostgreSQL.

Usage (from the project folder):

    .venv/bin/python benchmarks/residence_reminders.py [--students 100000] [--rebuild]

It works in its own database (isa_res_bench by default, or BENCH_DATABASE_URL), never in the portal's. The first
call (or --rebuild) migrates it and loads the students with COPY: users, students, and per student a visa, a
residence permit and an insurance with their evidence rows, approved and current; some students are new X1 arrivals
without a permit or a physical-examination verification, some hold X2 visas, some have short insurance or a passport
running out. Then it times the job twice and prints the time and the query count of each run:

1. the first run on the data: every obligation is new and every due reminder is sent (the heaviest day);
2. a second run on the same day: nothing new, nothing sent (every later run of the day);
3. the next day: the ordinary daily run;
4. two weeks later, as if the job had not run for 13 days (the catch-up sends one reminder per obligation).

The job's emails are queued for a worker after the commit; that queueing is left out here (no worker needed), the
in-portal notifications are written and counted inside the timed run.
"""

import argparse
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isa_res_bench"


def create_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples) into a table; None becomes NULL."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def build(students: int, today: date) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.models import Evidence, School, Semester, Student, User
    from residence.models import (
        InsuranceRecord,
        Obligation,
        PassportLoss,
        PassportRecord,
        PhysicalExamRecord,
        Reminder,
        ResidencePermitRecord,
        VisaRecord,
    )

    rng = random.Random(5)  # noqa: S311 - reproducible test data, not secrets
    now = timezone.now().isoformat()
    print(f"Loading {students:,} students ...", flush=True)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        tables = [
            m._meta.db_table
            for m in (
                Reminder,
                Obligation,
                InsuranceRecord,
                PhysicalExamRecord,
                ResidencePermitRecord,
                VisaRecord,
                PassportRecord,
                PassportLoss,
                Evidence,
                Student,
            )
        ]
        cursor.execute(
            f"TRUNCATE {', '.join(tables)}, portal_notification, portal_auditentry, portal_reviewevent CASCADE"
        )
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE role = 'student' OR username = 'bench-office'")  # noqa: S608 # nosec B608 - our own table names only
        Semester.objects.all().delete()
        for offset, (name, length) in enumerate([("autumn", 136), ("spring", 130), ("next autumn", 136)]):
            starts = date(today.year - 1, 9, 7) + timedelta(days=offset * 170)
            Semester.objects.create(
                code=f"bench-{offset}",
                name_en=name,
                name_zh=name,
                starts_on=starts,
                ends_on=starts + timedelta(days=length),
            )
        school, _created = School.objects.get_or_create(code="bench", defaults={"name_en": "Bench", "name_zh": "测试"})
        office = User.objects.create(username="bench-office", role="international_office")
        password = make_password(None)

        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {User._meta.db_table}")  # noqa: S608 # nosec B608 - our own table names only
        first_user = cursor.fetchone()[0]
        user_ids = range(first_user, first_user + students)
        copy_rows(
            cursor,
            User._meta.db_table,
            ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
             "date_joined", "role", "language", "must_change_password"],
            ((uid, password, "f", f"b{uid}", "", "", f"b{uid}@example.edu.cn", "f", "t", now, "student",
              "zh-hans" if uid % 4 == 0 else "en", "f") for uid in user_ids),
        )  # fmt: skip
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [User._meta.db_table, user_ids[-1]])
        copy_rows(
            cursor,
            Student._meta.db_table,
            ["id", "user_id", "student_id", "name_latin", "name_zh", "nationality", "gender", "date_of_birth",
             "passport_number", "passport_expires_on", "school_id", "programme", "degree_level", "funding",
             "enrolment_year", "phone", "status", "created_at", "updated_at"],
            ((uid, uid, f"B{uid:09d}", f"Student {uid}", "", "Pakistan", "male", "2003-01-01", f"P{uid:08d}",
              today + timedelta(days=rng.randint(150, 3650)), school.pk, "MBBS", "bachelor", "self_funded", 2024, "",
              "enrolled", now, now) for uid in user_ids),
        )  # fmt: skip
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Student._meta.db_table, user_ids[-1]])

        evidence_columns = ["id", "student_id", "kind", "file", "original_name", "content_type", "size", "sha256",
                            "uploaded_at", "uploaded_by_id", "state", "decided_at", "decided_by_id",
                            "reason", "reviewed_in"]  # fmt: skip
        next_evidence = [1]
        evidence_rows: list[tuple] = []

        def evidence(student_id: int, kind: str) -> int:
            pk = next_evidence[0]
            next_evidence[0] += 1
            evidence_rows.append(
                (pk, student_id, kind, "", "scan.pdf", "application/pdf", 1000, "0" * 64, now, student_id, "approved",
                 now, office.pk, "", "")
            )  # fmt: skip
            return pk

        record = ["student_id", "evidence_id", "submitted_by_id", "submitted_at", "is_current"]
        visas, permits, insurances, exams = [], [], [], []
        for sid in user_ids:
            kind = rng.random()
            if kind < 0.03:  # a new X1 arrival without a permit yet; half have had the physical exam verified
                entry = today - timedelta(days=rng.randint(0, 45))
                visas.append((sid, evidence(sid, "visa_page"), sid, now, "t", "x1", "", entry, None))
                if rng.random() < 0.5:
                    exams.append((sid, evidence(sid, "physical_exam"), sid, now, "t", "", entry + timedelta(days=3)))
            elif kind < 0.05:  # X2, staying up to 180 days
                entry = today - timedelta(days=rng.randint(0, 150))
                visas.append((sid, evidence(sid, "visa_page"), sid, now, "t", "x2", "", entry, 180))
            else:  # a student with a permit expiring some time in the next two years
                entry = today - timedelta(days=rng.randint(100, 1500))
                visas.append((sid, evidence(sid, "visa_page"), sid, now, "t", "x1", "", entry, None))
                issued = entry + timedelta(days=20)
                expires = today + timedelta(days=rng.randint(-10, 730))
                permits.append((sid, evidence(sid, "visa_page"), sid, now, "t", f"E{sid}", issued, expires))
            ends = date(today.year + 1, 8, 31) if rng.random() < 0.9 else today + timedelta(days=rng.randint(0, 90))
            insurances.append(
                (sid, evidence(sid, "insurance_proof"), sid, now, "t", f"C{sid}", "Ping An",
                 ends - timedelta(days=365), ends)
            )  # fmt: skip
        copy_rows(cursor, Evidence._meta.db_table, evidence_columns, evidence_rows)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Evidence._meta.db_table, next_evidence[0]]
        )
        copy_rows(
            cursor,
            VisaRecord._meta.db_table,
            [*record, "visa_type", "number", "entry_date", "permitted_stay_days"],
            visas,
        )
        copy_rows(cursor, ResidencePermitRecord._meta.db_table, [*record, "number", "issued_on", "expires_on"], permits)
        copy_rows(cursor, PhysicalExamRecord._meta.db_table, [*record, "certificate_number", "verified_on"], exams)
        copy_rows(
            cursor, InsuranceRecord._meta.db_table,
            [*record, "certificate_number", "insurer", "starts_on", "ends_on"], insurances
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Loaded in {time.perf_counter() - started:.1f} s: {len(evidence_rows):,} evidence rows, "
          f"{len(visas):,} visas, {len(permits):,} permits, {len(exams):,} exams, "
          f"{len(insurances):,} insurances")  # fmt: skip


def timed_run(label: str, today: date) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from residence.services import reminders_send

    with mock.patch("residence.services.reminders.enqueue_after_commit"), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        counts = reminders_send(today=today)
        elapsed = time.perf_counter() - started
    print(
        f"{label}: {elapsed:.2f} s, {len(queries)} queries; open obligations {counts['obligations']:,}, "
        f"reminders sent {counts['sent']:,}, obligations closed {counts['closed']:,}"
    )
    return {"seconds": elapsed, "queries": len(queries), **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true", help="load the students again even if they are there")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if "isa_res_bench" not in url and "bench" not in url.rsplit("/", 1)[1]:
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
    from django.utils import timezone

    from portal.models import Student
    from residence.models import Obligation, Reminder

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    if args.rebuild or Student.objects.count() != args.students:
        build(args.students, today)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {Reminder._meta.db_table}, {Obligation._meta.db_table}, portal_notification CASCADE"
            )
    print(
        f"PostgreSQL {connection.pg_version}, {Student.objects.count():,} students, today {today}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    first = timed_run("Run 1 (all new)", today)
    second = timed_run("Run 2 (same day)", today)
    next_day = timed_run("Run 3 (the next day)", today + timedelta(days=1))
    later = timed_run("Run 4 (two weeks later, after 13 missed days)", today + timedelta(days=15))
    slowest = max(first["seconds"], second["seconds"], next_day["seconds"], later["seconds"])
    print(f"Slowest run {slowest:.2f} s (target under 2 s): {'OK' if slowest < 2 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
