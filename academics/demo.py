"""Demo data of the academics app (called by `manage.py seed_demo`): a few courses per school, last semester's
results entered through the service (so they have their history), and this semester's courses waiting for results.
Re-runnable: a course, offering, enrolment or result that exists is left as it is."""

from datetime import timedelta
from decimal import Decimal

from academics import services
from academics.models import Course, Enrolment, Offering, Result
from portal.models import Role, School, Semester, Student, User

# (code suffix, English, Chinese, credits, hours, scale, type)
COURSES = [
    ("101", "Chinese Language I", "汉语一", "4", 64, "hundred", "compulsory"),
    ("120", "Introduction to the Discipline", "专业导论", "2", 32, "letter", "compulsory"),
    ("150", "Practical Training", "实践训练", "1", 32, "qualified", "practical"),
]
# Results of last semester, cycled over the students: scores, letters, qualified, and an absence.
HUNDRED = ["86", "92", "74", "58", "65", "", "95", "81"]
LETTER = ["A-", "B+", "A", "C", "B", "B-", "A+", "D"]
QUALIFIED = ["Qualified", "Qualified", "Unqualified", "Qualified"]


def seed_academics_demo(*, previous: Semester, current: Semester, students_per_school: int = 8) -> int:
    """Courses for every school, last semester's results, this semester's enrolments; returns results created."""
    created = 0
    for school in School.objects.order_by("code"):
        staff = User.objects.filter(role=Role.SCHOOL_STAFF, school=school).order_by("pk").first()
        if staff is None:
            continue
        students = list(Student.objects.filter(school=school).order_by("student_id")[:students_per_school])
        prefix = school.code[:3].upper()
        for suffix, name_en, name_zh, credits, hours, scale, course_type in COURSES:
            course, _ = Course.objects.get_or_create(
                code=f"{prefix}{suffix}",
                defaults={
                    "school": school,
                    "name_en": name_en,
                    "name_zh": name_zh,
                    "credits": Decimal(credits),
                    "hours": hours,
                    "scale": scale,
                    "course_type": course_type,
                },
            )
            past, _ = Offering.objects.get_or_create(
                course=course,
                semester=previous,
                school=school,
                defaults={"assessed_on": previous.ends_on - timedelta(days=20)},
            )
            now, _ = Offering.objects.get_or_create(
                course=course,
                semester=current,
                school=school,
                defaults={"assessed_on": current.ends_on - timedelta(days=20)},
            )
            table = {"hundred": HUNDRED, "letter": LETTER, "qualified": QUALIFIED}[scale]
            for index, student in enumerate(students):
                Enrolment.objects.get_or_create(offering=now, student=student)
                enrolment, _ = Enrolment.objects.get_or_create(offering=past, student=student)
                if Result.objects.filter(enrolment=enrolment).exists():
                    continue
                value = table[index % len(table)]
                # Entered by the school in the entry phase, the day after the assessment.
                services.result_record(
                    enrolment=enrolment,
                    value=value,
                    mark="" if value else "absent",
                    actor=staff,
                    today=past.assessed_on + timedelta(days=1),
                    source="demo",
                )
                created += 1
    return created


# The bachelor's programmes of the demo: credits for graduation and normal length (MBBS six years, with a lower yearly
# minimum as Academic Rules 15 allows for programmes longer than 4 years).
PROGRAMME_REQUIREMENTS = [
    ("Clinical Medicine (MBBS)", "260", 6, "25"),
    ("Pharmacy", "165", 4, "30"),
    ("International Economics and Trade", "160", 4, "30"),
    ("Business Administration", "160", 4, "30"),
    ("Computer Science and Technology", "165", 4, "30"),
    ("Software Engineering", "165", 4, "30"),
    ("Civil Engineering", "170", 4, "30"),
    ("Chinese Language", "150", 4, "30"),
    ("Teaching Chinese to Speakers of Other Languages", "150", 4, "30"),
    ("Law", "160", 4, "30"),
]


def seed_programme_requirements() -> int:
    """The demo programmes' graduation requirements, so progress pages can show the graduation check."""
    from academics.models import ProgrammeRequirement

    created = 0
    for programme, credits, years, yearly in PROGRAMME_REQUIREMENTS:
        _requirement, made = ProgrammeRequirement.objects.get_or_create(
            programme__iexact=programme,
            defaults={
                "programme": programme,
                "graduation_credits": Decimal(credits),
                "normal_length_years": years,
                "yearly_minimum": Decimal(yearly),
            },
        )
        created += made
    return created
