"""Benchmark of the office's registration review queue (issue 4): paging through 20,000 submitted forms.

Usage (from the project folder):

    .venv/bin/python benchmarks/registration_queue.py [--forms 20000] [--rebuild]

It works in its own database (isa_reg_bench by default, or BENCH_DATABASE_URL), never in the portal's. The first call
(or --rebuild) migrates it and loads students in 8 schools with a submitted form each (six items, some rejected).
Then it requests the queue page as an International College reviewer through Django's test client (middleware,
selector, paginator and template: the whole page) and prints, for each case, the median time of 5 requests and the
query count: the first page, a page deep in the list, the last page, a search by name, and two filters.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.residence_reminders import create_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isa_reg_bench"
NATIONALITIES = ["Pakistan", "Nigeria", "Kazakhstan", "Thailand", "Russia", "Ghana", "Indonesia", "Yemen"]


def build(count: int) -> None:
    from django.utils import timezone

    from portal.models import Role, School, Semester, Student, User
    from registration.models import FormStatus, ItemKind, ItemState, RegistrationForm, RegistrationItem

    today = timezone.localdate()
    semester = Semester.objects.create(
        code="2026-2027-2",
        name_en="Spring 2027",
        name_zh="2027年春季学期",
        starts_on=today,
        ends_on=today + timezone.timedelta(days=120),
        registration_day=today,
    )
    schools = [School.objects.create(code=f"s{n}", name_en=f"School {n}", name_zh=f"学院{n}") for n in range(8)]
    from allauth.mfa.totp.internal.auth import TOTP

    reviewer = User.objects.create(username="reviewer", role=Role.INTERNATIONAL_OFFICE, is_active=True)
    # Staff reach no page without an authenticator app; the benchmark's reviewer has one, like every reviewer.
    TOTP.activate(reviewer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    batch = 2000
    for start in range(0, count, batch):
        numbers = range(start, min(start + batch, count))
        users = User.objects.bulk_create(
            User(username=f"2026{n:06d}", role=Role.STUDENT, password="!", email=f"s{n}@example.org") for n in numbers
        )
        students = Student.objects.bulk_create(
            Student(
                user=user,
                student_id=user.username,
                name_latin=f"Student Number {n}",
                nationality=NATIONALITIES[n % len(NATIONALITIES)],
                gender="female" if n % 2 else "male",
                date_of_birth=today.replace(year=2000),
                passport_number=f"P{n:08d}",
                passport_expires_on=today.replace(year=today.year + 5),
                school=schools[n % len(schools)],
                programme="Clinical Medicine",
                degree_level="bachelor",
                funding="self_funded",
                enrolment_year=2024,
            )
            for n, user in zip(numbers, users, strict=True)
        )
        now = timezone.now()
        forms = RegistrationForm.objects.bulk_create(
            RegistrationForm(
                student=student,
                semester=semester,
                status=FormStatus.RETURNED if n % 7 == 0 else FormStatus.SUBMITTED,
                submitted_at=now - timezone.timedelta(minutes=n),
                location="in_china" if n % 5 else "abroad",
            )
            for n, student in zip(numbers, students, strict=True)
        )
        RegistrationItem.objects.bulk_create(
            RegistrationItem(
                form=form,
                kind=kind,
                state=ItemState.REJECTED if n % 7 == 0 and kind == ItemKind.INSURANCE else ItemState.PENDING,
                reason="Unreadable" if n % 7 == 0 and kind == ItemKind.INSURANCE else "",
            )
            for n, form in zip(numbers, forms, strict=True)
            for kind in ItemKind.values
        )
        print(f"  loaded {min(start + batch, count)} forms", flush=True)


def measure(client, label: str, params: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("registration_queue")
    client.get(url, params)  # warm caches
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    rows = len(response.context["page"])
    total = response.context["page"].paginator.count
    print(f"{label:<38} {statistics.median(times) * 1000:8.1f} ms  {len(queries):3d} queries  {rows:3d} of {total}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=20_000)
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
    from django.test import Client
    from django.test.utils import setup_test_environment

    from portal.models import School, User
    from registration.models import RegistrationForm

    call_command("migrate", verbosity=0)
    if args.rebuild or RegistrationForm.objects.count() != args.forms:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE registration_registrationitem, registration_registrationform, portal_student, "
                "portal_user, portal_school, portal_semester CASCADE"
            )
        print(f"Loading {args.forms} submitted forms ...", flush=True)
        build(args.forms)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    setup_test_environment()  # response.context for the row counts
    client = Client()
    client.force_login(User.objects.get(username="reviewer"))
    last_page = (args.forms + 49) // 50
    print(f"Review queue, {RegistrationForm.objects.count()} forms, 50 per page:")
    measure(client, "first page", {})
    measure(client, "page 200", {"page": 200})
    measure(client, f"last page ({last_page})", {"page": last_page})
    measure(client, "search by name", {"q": "Number 1999"})
    measure(client, "search by student ID", {"q": "2026001234"})
    school = School.objects.order_by("code").first()
    measure(client, "school + insurance rejected", {"school": school.pk, "rejected": "insurance"})
    measure(client, "nationality + in China", {"nationality": "Ghana", "location": "in_china"})


if __name__ == "__main__":
    main()
