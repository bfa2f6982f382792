"""Benchmark of official transcripts (issue 7): the time of one transcript and of a batch of 1,000 as one PDF and as
a ZIP with one PDF per student.

Usage (from the project folder):

    .venv/bin/python benchmarks/academics_transcripts.py [--students 1000] [--terms 8] [--courses 5] [--rebuild]

It works in its own database (isa_acad_bench by default, or BENCH_DATABASE_URL), never in the portal's. The first
call (or --rebuild) migrates it and loads the students of one school, each with a full record: `terms` semesters of
`courses` courses (hundred-mark and letter scales, some failures, absences and a makeup). Then it runs the same
builders the Celery task runs (academics.documents), in this process: one official transcript 5 times (median), and
the batch of every student as one merged PDF and then as a ZIP, and prints the time, the time per transcript, the
pages (entries for the ZIP), the size and the queries.
"""

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.residence_reminders import create_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isa_acad_bench"
LETTERS = ["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D", "F"]


def build(count: int, terms: int, per_term: int) -> None:
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from academics import rules
    from academics.models import Course, Enrolment, Offering, Result
    from portal.models import Role, School, Semester, Student, User

    school = School.objects.create(code="medicine", name_en="School of Medicine", name_zh="医学院")
    office = User.objects.create(username="office", role=Role.INTERNATIONAL_OFFICE, is_active=True)
    semesters = [
        Semester.objects.create(
            code=f"{2022 + n // 2}-{2023 + n // 2}-{n % 2 + 1}",
            name_en=f"{'Autumn' if n % 2 == 0 else 'Spring'} {2022 + (n + 1) // 2}",
            name_zh=f"{2022 + (n + 1) // 2}年{'秋季' if n % 2 == 0 else '春季'}学期",
            starts_on=datetime.date(2022 + (n + 1) // 2, 9 if n % 2 == 0 else 2, 20),
            ends_on=datetime.date(2023 + n // 2, 1, 15) if n % 2 == 0 else datetime.date(2022 + (n + 1) // 2, 7, 5),
        )
        for n in range(terms)
    ]
    offerings = []
    for t, semester in enumerate(semesters):
        for c in range(per_term):
            scale = "letter" if c == per_term - 1 else "hundred"
            course = Course.objects.create(
                school=school,
                code=f"MED{t + 1}{c:02d}",
                name_en=f"Clinical Course {t + 1}.{c + 1}",
                name_zh=f"临床课程{t + 1}.{c + 1}",
                credits=Decimal(2 + c % 3),
                hours=32 * (1 + c % 3),
                scale=scale,
                course_type="compulsory" if c % 2 == 0 else "elective",
            )
            offerings.append(Offering.objects.create(course=course, semester=semester, school=school))
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, 500):
            numbers = range(start, min(start + 500, count))
            users = User.objects.bulk_create(
                User(username=f"2022{n:06d}", role=Role.STUDENT, password="!") for n in numbers
            )
            students = Student.objects.bulk_create(
                Student(
                    user=user,
                    student_id=user.username,
                    name_latin=f"Student Number {n}",
                    name_zh="阿米娜" if n % 2 else "陈伟玲",
                    nationality="Pakistan",
                    gender="female",
                    date_of_birth=datetime.date(2003, 1, 1),
                    passport_number=f"P{n:08d}",
                    passport_expires_on=datetime.date(2031, 1, 1),
                    school=school,
                    programme="Clinical Medicine (MBBS)",
                    degree_level="bachelor",
                    funding="self_funded",
                    enrolment_year=2022,
                )
                for n, user in zip(numbers, users, strict=True)
            )
            enrolments = Enrolment.objects.bulk_create(
                Enrolment(offering=offering, student=student) for student in students for offering in offerings
            )
            results = []
            for i, enrolment in enumerate(enrolments):
                offering = offerings[i % len(offerings)]
                mark, value = "", ""
                if i % 97 == 0:
                    mark = "absent"
                elif offering.course.scale == "letter":
                    value = LETTERS[i % len(LETTERS)]
                else:
                    value = str(50 + (i * 7) % 51)
                record = {"course": "x", "credits": offering.course.credits, "scale": offering.course.scale,
                          "result": int(value) if value.isdigit() else value, "mark": mark or None}  # fmt: skip
                results.append(
                    Result(
                        enrolment=enrolment,
                        value=value,
                        mark=mark,
                        scale=offering.course.scale,
                        grade_value=rules.record_value(record),
                        entry_ends_on=offering.semester.ends_on,
                        publicity_ends_on=offering.semester.ends_on,
                        entered_by=office,
                        entered_at=now,
                        updated_at=now,
                    )
                )
            Result.objects.bulk_create(results, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--terms", type=int, default=8)
    parser.add_argument("--courses", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
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
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from academics import documents
    from academics.models import Result
    from portal.models import GeneratedDocument, Student, User

    call_command("migrate", verbosity=0)
    expected = args.students * args.terms * args.courses
    if args.rebuild or Student.objects.count() != args.students or Result.objects.count() != expected:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE academics_transcriptissue, academics_resultchange, academics_correctionrequest, "
                "academics_result, academics_enrolment, academics_offering, academics_course, "
                "portal_generateddocument, portal_student, portal_user, portal_school, portal_semester CASCADE"
            )
        print(f"Loading {args.students} students with {args.terms} x {args.courses} results ...", flush=True)
        build(args.students, args.terms, args.courses)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    office = User.objects.get(username="office")
    ids = list(Student.objects.order_by("student_id").values_list("student_id", flat=True))

    def progress(done, total):
        pass

    def single():
        document = GeneratedDocument.objects.create(
            owner=office, kind=documents.SINGLE, title="bench",
            parameters={"student_id": ids[0], "official": True, "study_abroad": True},
        )  # fmt: skip
        return documents.academic_transcript(document, progress)[2]

    single()  # warm up fonts and templates
    times = []
    for _ in range(5):
        started = time.perf_counter()
        content = single()
        times.append(time.perf_counter() - started)
    pages = len(PdfReader(io.BytesIO(content)).pages)
    rows = args.terms * args.courses
    print(
        f"One official transcript ({rows} results, {pages} pages): median {statistics.median(times) * 1000:.0f} ms "
        f"of 5 (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})"
    )
    document = GeneratedDocument.objects.create(
        owner=office, kind=documents.BATCH, title="bench", parameters={"student_ids": ids}, total_items=len(ids)
    )
    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        _, _, content = documents.academic_transcript_batch(document, progress)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    pages = len(PdfReader(io.BytesIO(content)).pages)
    print(
        f"Batch of {len(ids)} transcripts as one PDF: {elapsed:.1f} s, {elapsed / len(ids) * 1000:.0f} ms per "
        f"transcript ({cpu:.0f} s of CPU in this process), {pages} pages, {len(content) / 1e6:.1f} MB, "
        f"{len(queries)} queries "
        f"(chunks of {documents.BATCH_CHUNK_SIZE}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    document = GeneratedDocument.objects.create(
        owner=office, kind=documents.BATCH, title="bench", total_items=len(ids),
        parameters={"student_ids": ids, "output": documents.BatchOutput.ZIP},
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        _, _, archive = documents.academic_transcript_batch(document, progress)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with archive, zipfile.ZipFile(archive) as opened:
        entries = opened.infolist()
        size = sum(entry.compress_size for entry in entries)
    print(
        f"Batch of {len(ids)} transcripts as a ZIP: {elapsed:.1f} s, {elapsed / len(ids) * 1000:.0f} ms per "
        f"transcript ({cpu:.0f} s of CPU in this process), {len(entries)} PDFs, {size / 1e6:.1f} MB, "
        f"{len(queries)} queries; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
