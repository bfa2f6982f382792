"""Build a realistic demo: schools, semesters, staff of every role and a few hundred students, then print the logins.

Re-running updates what is there instead of adding to it: schools and semesters are keyed by code, staff by user
name, and the students are generated from a fixed seed and go through the admissions import, which updates by
student ID. The passwords are published in the output, so the command refuses to run in production.
"""

import logging
import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone, translation
from django.utils.text import slugify

from portal import imports, services
from portal.models import DegreeLevel, Funding, Role, School, Semester, Student, User

STAFF_PASSWORD = "Portal-demo-2026"
STUDENT_PASSWORD = "Student-demo-2026"

SCHOOLS = [
    ("medicine", "School of Medicine", "医学院"),
    ("economics", "School of Economics and Management", "经济管理学院"),
    ("computing", "School of Computer Science and Technology", "计算机科学与技术学院"),
    ("civil", "School of Civil Engineering", "土木工程学院"),
    ("chinese", "School of Chinese Language and Culture", "汉语言文化学院"),
    ("law", "Law School", "法学院"),
]

# The tables below are kept as tables rather than in the formatter's one-value-a-line layout.
# fmt: off
B, M, D, N = DegreeLevel.BACHELOR, DegreeLevel.MASTER, DegreeLevel.DOCTORAL, DegreeLevel.NON_DEGREE
PROGRAMMES = {
    "medicine": {B: ["Clinical Medicine (MBBS)", "Pharmacy"], M: ["Internal Medicine", "Public Health"],
                 D: ["Pharmacology", "Epidemiology"], N: ["Medical Chinese"]},
    "economics": {B: ["International Economics and Trade", "Business Administration"], M: ["MBA", "Finance"],
                  D: ["Applied Economics"], N: ["Business Chinese"]},
    "computing": {B: ["Computer Science and Technology", "Software Engineering"],
                  M: ["Computer Science", "Artificial Intelligence"], D: ["Computer Science"],
                  N: ["Exchange programme"]},
    "civil": {B: ["Civil Engineering"], M: ["Structural Engineering", "Transportation Engineering"],
              D: ["Geotechnical Engineering"], N: ["Exchange programme"]},
    "chinese": {B: ["Chinese Language", "Teaching Chinese to Speakers of Other Languages"],
                M: ["International Chinese Language Education"], D: ["Chinese Linguistics"],
                N: ["Chinese Language (one year)", "Chinese Language (one semester)"]},
    "law": {B: ["Law"], M: ["International Law", "Chinese Law (LLM)"], D: ["International Law"],
            N: ["Exchange programme"]},
}

# Per country: weight, passport format (letters, digits), name order, given names (male, female), family names
# (one list, or male and female lists where the family name has a gender), and the share of Chinese-heritage students.
COUNTRIES = {
    "Pakistan": (14, (2, 7), "given", (["Muhammad Ali", "Ahmed", "Hamza", "Bilal", "Usman", "Hassan"],
                 ["Ayesha", "Fatima", "Zainab", "Maryam", "Hira", "Sana"]),
                 ["Khan", "Ahmed", "Malik", "Hussain", "Qureshi", "Chaudhry", "Raza"], 0),
    "India": (8, (1, 7), "given", (["Arjun", "Rahul", "Vikram", "Aditya", "Rohan", "Karthik"],
              ["Priya", "Ananya", "Sneha", "Divya", "Kavya", "Neha"]),
              ["Sharma", "Patel", "Reddy", "Nair", "Singh", "Iyer", "Gupta"], 0),
    "Bangladesh": (6, (2, 7), "given", (["Rahim", "Tanvir", "Arif", "Sabbir", "Imran"],
                   ["Nusrat", "Tasnim", "Farhana", "Sadia"]), ["Hossain", "Rahman", "Islam", "Chowdhury", "Uddin"], 0),
    "Nepal": (5, (2, 7), "given", (["Bikash", "Suman", "Prakash", "Anish"], ["Sita", "Anjali", "Pooja", "Sabina"]),
              ["Shrestha", "Gurung", "Tamang", "Thapa", "Adhikari", "Karki"], 0),
    "Sri Lanka": (2, (1, 7), "given", (["Kasun", "Nuwan", "Chamara"], ["Nadeesha", "Dilini", "Sachini"]),
                  ["Perera", "Fernando", "Jayasinghe", "Wickramasinghe"], 0),
    "Nigeria": (7, (1, 8), "given", (["Chinedu", "Emeka", "Oluwaseun", "Tunde", "Ibrahim", "Obinna"],
                ["Ngozi", "Chiamaka", "Funmilayo", "Aisha", "Adaeze"]),
                ["Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Abubakar", "Nwosu"], 0),
    "Ghana": (4, (1, 7), "given", (["Kwame", "Kofi", "Yaw", "Kwabena"], ["Ama", "Akosua", "Abena", "Efua"]),
              ["Mensah", "Owusu", "Asante", "Boateng", "Osei", "Appiah"], 0),
    "Kenya": (4, (2, 7), "given", (["Brian", "Kevin", "Dennis", "Collins"], ["Faith", "Mercy", "Wanjiru", "Akinyi"]),
              ["Otieno", "Kamau", "Mwangi", "Wanjala", "Ochieng", "Kiprono"], 0),
    "Ethiopia": (3, (2, 7), "given", (["Abebe", "Dawit", "Yonas", "Tesfaye"], ["Selam", "Hana", "Meron", "Tigist"]),
                 ["Bekele", "Tadesse", "Haile", "Girma", "Alemu"], 0),
    "Tanzania": (3, (2, 7), "given", (["Juma", "Baraka", "Emmanuel"], ["Neema", "Rehema", "Upendo"]),
                 ["Mushi", "Mrema", "Massawe", "Kimaro", "Mollel"], 0),
    "Zambia": (2, (2, 6), "given", (["Mwila", "Chanda", "Bwalya"], ["Mutinta", "Natasha", "Chilufya"]),
               ["Banda", "Phiri", "Mwanza", "Tembo"], 0),
    "Zimbabwe": (2, (2, 6), "given", (["Tendai", "Tafadzwa", "Farai"], ["Chipo", "Rudo", "Nyasha"]),
                 ["Moyo", "Ncube", "Sibanda", "Dube"], 0),
    "Cameroon": (3, (2, 7), "given", (["Jean-Paul", "Christian", "Franck"], ["Nadège", "Estelle", "Carine"]),
                 ["Nkwenti", "Fotso", "Mbarga", "Tchoumi", "Ngono"], 0),
    "Egypt": (3, (1, 8), "given", (["Mohamed", "Omar", "Youssef", "Mahmoud"], ["Nour", "Salma", "Mariam", "Yasmin"]),
              ["Hassan", "Ibrahim", "Mostafa", "El-Sayed", "Abdelrahman"], 0),
    "Morocco": (2, (2, 7), "given", (["Youssef", "Amine", "Mehdi"], ["Salma", "Imane", "Khadija"]),
                ["El Amrani", "Benali", "Alaoui", "Bennani", "Idrissi"], 0),
    "Sudan": (2, (1, 8), "given", (["Mohamed", "Osman", "Abdalla"], ["Amna", "Hiba", "Rania"]),
              ["Osman", "Elhassan", "Abdelrahim"], 0),
    "Yemen": (2, (2, 7), "given", (["Ali", "Saleh", "Abdullah"], ["Amal", "Huda", "Nada"]),
              ["Al-Hakimi", "Al-Sharabi", "Al-Ahdal", "Saeed"], 0),
    "Indonesia": (6, (1, 7), "given", (["Budi", "Rizky", "Agus", "Dimas", "Fajar"], ["Siti", "Dewi", "Putri", "Ayu"]),
                  ["Santoso", "Pratama", "Saputra", "Hidayat", "Nugroho"], 0.3),
    "Malaysia": (5, (1, 8), "malay", (["Muhammad Hafiz", "Ahmad Faiz", "Amirul"], ["Nurul Aina", "Siti Aisyah"]),
                 ["Rahman", "Ismail", "Hassan", "Abdullah"], 0.6),
    "Thailand": (5, (2, 7), "given", (["Somchai", "Kittipong", "Thanakorn", "Nattapong"],
                 ["Pimchanok", "Nattaya", "Siriporn", "Kanokwan"]),
                 ["Srisuk", "Wongsawat", "Chaiyaporn", "Rattanakul", "Boonmee"], 0.4),
    "Singapore": (2, (1, 8), "malay", (["Muhammad Iskandar"], ["Nur Syafiqah"]), ["Salleh", "Osman"], 0.8),
    "Vietnam": (5, (1, 7), "family", (["Van Minh", "Duc Hung", "Van Tuan", "Quoc Bao"],
                ["Thi Lan", "Thi Huong", "Ngoc Linh", "Thi Mai"]), ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"], 0),
    "Laos": (4, (1, 7), "given", (["Souksavanh", "Phonesavanh", "Khamphone"], ["Vanida", "Souphaphone", "Keo"]),
             ["Phommachanh", "Sisouphanh", "Vongsa", "Keomany"], 0),
    "Cambodia": (3, (1, 7), "family", (["Dara", "Vannak", "Rithy"], ["Sophea", "Sreymom", "Bopha"]),
                 ["Sok", "Chan", "Heng", "Ly", "Chea"], 0),
    "Myanmar": (3, (2, 6), "single", (["Aung Ko Ko", "Kyaw Zin Htet", "Min Thant"],
                ["Su Myat Noe", "Thandar Aye", "Ei Mon Kyaw"]), [""], 0),
    "Mongolia": (3, (1, 7), "family", (["Temuulen", "Ganbold", "Bat-Erdene"], ["Oyunchimeg", "Enkhjargal", "Nomin"]),
                 ["Batbayar", "Ganbaatar", "Tserendorj", "Dorj"], 0),
    "Kazakhstan": (4, (1, 8), "given", (["Nurlan", "Arman", "Daniyar", "Yerlan"], ["Aigerim", "Dana", "Aruzhan"]),
                   (["Akhmetov", "Nurlanov", "Seitkaliev"], ["Akhmetova", "Nurlanova", "Seitkalieva"]), 0),
    "Uzbekistan": (3, (2, 7), "given", (["Jasur", "Sardor", "Bekzod", "Aziz"], ["Dilnoza", "Madina", "Nigora"]),
                   (["Karimov", "Rakhimov", "Yusupov"], ["Karimova", "Rakhimova", "Yusupova"]), 0),
    "Russia": (3, (0, 9), "given", (["Ivan", "Dmitry", "Alexei", "Sergei"], ["Anna", "Ekaterina", "Olga", "Maria"]),
               (["Ivanov", "Smirnov", "Kuznetsov", "Popov"], ["Ivanova", "Smirnova", "Kuznetsova", "Popova"]), 0),
    "South Korea": (4, (1, 8), "family", (["Min-jun", "Ji-hoon", "Do-yun"], ["Seo-yeon", "Ha-eun", "Su-bin"]),
                    ["Kim", "Lee", "Park", "Choi", "Jung"], 0),
    "Japan": (2, (2, 7), "family", (["Haruto", "Sota", "Ren"], ["Yui", "Hina", "Aoi"]),
              ["Sato", "Suzuki", "Takahashi", "Tanaka"], 0),
    "Afghanistan": (2, (1, 8), "given", (["Ahmad", "Mohammad Nabi", "Farid"], ["Zahra", "Mariam", "Freshta"]),
                    ["Ahmadzai", "Karimi", "Rahimi", "Popal"], 0),
    "Iran": (1, (1, 8), "given", (["Reza", "Amir", "Mehdi"], ["Zahra", "Maryam", "Fatemeh"]),
             ["Hosseini", "Mohammadi", "Rezaei", "Ahmadi"], 0),
    "Türkiye": (1, (1, 8), "given", (["Mehmet", "Mustafa", "Emre"], ["Elif", "Zeynep", "Ayşe"]),
                ["Yılmaz", "Kaya", "Demir", "Şahin"], 0),
    "France": (1, (2, 7), "given", (["Louis", "Hugo", "Lucas"], ["Léa", "Chloé", "Camille"]),
               ["Martin", "Bernard", "Dubois", "Moreau"], 0),
    "Germany": (1, (1, 8), "given", (["Lukas", "Felix", "Jonas"], ["Lea", "Hannah", "Lena"]),
                ["Müller", "Schmidt", "Schneider", "Fischer"], 0),
    "Italy": (1, (2, 7), "given", (["Marco", "Luca", "Giovanni"], ["Giulia", "Francesca", "Chiara"]),
              ["Rossi", "Russo", "Bianchi", "Romano"], 0),
    "United Kingdom": (1, (0, 9), "given", (["Oliver", "George", "Harry"], ["Amelia", "Isla", "Charlotte"]),
                       ["Taylor", "Davies", "Evans", "Wilson"], 0),
    "United States": (2, (0, 9), "given", (["James", "Michael", "Daniel"], ["Emily", "Sarah", "Olivia"]),
                      ["Smith", "Johnson", "Brown", "Garcia", "Miller"], 0),
    "Brazil": (1, (2, 6), "given", (["João", "Pedro", "Gabriel"], ["Ana", "Beatriz", "Larissa"]),
               ["Silva", "Santos", "Oliveira", "Souza", "Costa"], 0),
    "Mexico": (1, (1, 8), "given", (["José", "Diego", "Carlos"], ["María", "Fernanda", "Valeria"]),
               ["Hernández", "García", "Martínez", "López"], 0),
}

# Chinese-heritage students: romanised family names as written in each country, with their characters.
HERITAGE_FAMILY = {
    "Malaysia": [("Tan", "陈"), ("Lim", "林"), ("Lee", "李"), ("Ng", "黄"), ("Wong", "黄"), ("Goh", "吴"),
                 ("Chua", "蔡"), ("Ong", "王"), ("Teo", "张"), ("Koh", "许"), ("Chan", "陈"), ("Yap", "叶")],
    "Singapore": [("Tan", "陈"), ("Lim", "林"), ("Lee", "李"), ("Ng", "黄"), ("Goh", "吴"), ("Chua", "蔡"),
                  ("Ong", "王"), ("Teo", "张"), ("Koh", "许"), ("Low", "刘")],
    "Indonesia": [("Wijaya", "黄"), ("Tanoto", "陈"), ("Halim", "林"), ("Gunawan", "吴"), ("Salim", "林"),
                  ("Kurniawan", "郭")],
    "Thailand": [("Saetang", "陈"), ("Saelim", "林"), ("Saeheng", "王"), ("Saeung", "黄"), ("Saeli", "李")],
}
HERITAGE_GIVEN = (
    [("Wei Ming", "伟明"), ("Jun Jie", "俊杰"), ("Zhi Hao", "志豪"), ("Kai Xiang", "凯翔"), ("Jia Wei", "家伟"),
     ("Wen Hao", "文浩"), ("Yong Sheng", "永胜")],
    [("Mei Ling", "美玲"), ("Jia Hui", "佳慧"), ("Xin Yi", "欣怡"), ("Hui Min", "慧敏"), ("Shu Fen", "淑芬"),
     ("Yi Ting", "怡婷"), ("Li Ting", "丽婷")],
)
# Indonesian and Thai Chinese usually carry a local given name in the passport.
HERITAGE_LOCAL_GIVEN = {
    "Indonesia": (["Kevin", "Steven", "Hendra", "William"], ["Jessica", "Michelle", "Felicia", "Natalia"]),
    "Thailand": (["Somchai", "Kittipong", "Thanakorn"], ["Pimchanok", "Nattaya", "Siriporn"]),
}
SOUTH_ASIA = {"Pakistan", "India", "Bangladesh", "Nepal", "Sri Lanka"}
# fmt: on

DEGREE_WEIGHTS = {B: 45, M: 30, D: 12, N: 13}
FUNDING_WEIGHTS = {Funding.SELF_FUNDED: 55, Funding.CSC: 35, Funding.CONFUCIUS: 10}

# (user name, role, school code, first name, last name)
STAFF = [
    ("admin", Role.ADMIN, None, "Wei", "Zhang"),
    ("office", Role.INTERNATIONAL_OFFICE, None, "Fang", "Wang"),
    ("finance", Role.FINANCE, None, "Yang", "Liu"),
    ("dormitory", Role.DORMITORY, None, "Jing", "Chen"),
    ("library", Role.CLEARANCE, None, "Lei", "Zhao"),
    *[
        (f"staff_{code}", Role.SCHOOL_STAFF, code, first, last)
        for (code, _en, _zh), (first, last) in zip(
            SCHOOLS,
            [("Min", "Li"), ("Qiang", "Sun"), ("Hui", "Zhou"), ("Jun", "Wu"), ("Xia", "Xu"), ("Tao", "Ma")],
            strict=True,
        )
    ],
]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def academic_year(today: date) -> int:
    """The calendar year in which the current academic year began (it begins in late August)."""
    return today.year if (today.month, today.day) >= (8, 20) else today.year - 1


def demo_student(index: int, today: date) -> dict:
    """One admissions-list row; the same index always gives the same student, so re-runs update, not add."""
    # Reproducible, not secret: the same seed must give the same demo student on every run.
    rng = random.Random(f"isa-portal-demo-{index}")  # noqa: S311
    country = _weighted(rng, {name: spec[0] for name, spec in COUNTRIES.items()})
    _weight, (letters, digits), order, given_names, family_names, heritage_share = COUNTRIES[country]
    female = rng.random() < 0.5
    name_zh = ""
    if rng.random() < heritage_share:
        family, family_zh = rng.choice(HERITAGE_FAMILY[country])
        given, given_zh = rng.choice(HERITAGE_GIVEN[female])
        name_zh = family_zh + given_zh
        if country in HERITAGE_LOCAL_GIVEN:
            name_latin = f"{rng.choice(HERITAGE_LOCAL_GIVEN[country][female])} {family}"
        else:
            name_latin = f"{family} {given}"
    else:
        given = rng.choice(given_names[female])
        family = rng.choice(family_names[female] if isinstance(family_names, tuple) else family_names)
        name_latin = {
            "given": f"{given} {family}",
            "family": f"{family} {given}",
            "malay": f"{given} {'binti' if female else 'bin'} {family}",
            "single": given,
        }[order]

    # The first students cover every degree level and funding, however few are asked for.
    degree = list(DEGREE_WEIGHTS)[index % 4] if index < 12 else _weighted(rng, DEGREE_WEIGHTS)
    funding = list(FUNDING_WEIGHTS)[index % 3] if index < 12 else _weighted(rng, FUNDING_WEIGHTS)
    if degree == N and rng.random() < 0.7:
        school = "chinese"
    elif country in SOUTH_ASIA and degree == B and rng.random() < 0.7:
        school = "medicine"
    else:
        school = rng.choice([code for code, _en, _zh in SCHOOLS])

    year_now = academic_year(today)
    enrolment_year = year_now - {B: rng.randint(0, 4), M: rng.randint(0, 2), D: rng.randint(0, 3), N: 0}[degree]
    age = {B: rng.randint(18, 22), M: rng.randint(22, 28), D: rng.randint(25, 35), N: rng.randint(18, 35)}[degree]
    born = date(enrolment_year - age, rng.randint(1, 12), rng.randint(1, 28))
    # A few passports run out soon, so the expiry reminders have something to show.
    expires = today + timedelta(days=rng.randint(20, 60) if rng.random() < 0.05 else rng.randint(120, 3200))
    passport = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(letters)) + "".join(
        str(rng.randint(0, 9)) for _ in range(digits)
    )
    local_part = ".".join(filter(None, (slugify(part) for part in name_latin.split()[:3]))) or "student"
    phone = f"+86 1{rng.choice('3589')}{rng.randint(0, 9)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"
    return {
        # Student IDs start with the enrolment year, as the university's do.
        "student_id": f"{enrolment_year}{index + 1:06d}",
        "name_latin": name_latin,
        "name_zh": name_zh,
        "nationality": country,
        "gender": "female" if female else "male",
        "date_of_birth": born.isoformat(),
        "passport_number": passport,
        "passport_expires_on": expires.isoformat(),
        "school": school,
        "programme": rng.choice(PROGRAMMES[school][degree]),
        "degree_level": degree.value,
        "funding": funding.value,
        "enrolment_year": str(enrolment_year),
        # The student ID keeps the address unique even when a new academic year brings new student IDs.
        "email": f"{local_part}.{enrolment_year}{index + 1:06d}@example.{('com', 'org', 'net')[index % 3]}",
        "phone": phone if rng.random() < 0.85 else "",
    }


def demo_semesters(today: date, now: datetime) -> list[dict]:
    """The current semester (its online pre-registration open now) and the one before it."""
    year = academic_year(today)
    if today >= date(year + 1, 2, 20):
        current = ("spring", year, date(year + 1, 2, 20), date(year + 1, 8, 19))
        previous = ("autumn", year, date(year, 8, 20), date(year + 1, 2, 19))
    else:
        current = ("autumn", year, date(year, 8, 20), date(year + 1, 2, 19))
        previous = ("spring", year - 1, date(year, 2, 20), date(year, 8, 19))

    def semester(season, first_year, starts_on, ends_on):
        number, zh = (1, "秋季") if season == "autumn" else (2, "春季")
        return {
            "code": f"{first_year}-{first_year + 1}-{number}",
            "name_en": f"{season.title()} semester {first_year}-{first_year + 1}",
            "name_zh": f"{first_year}—{first_year + 1}学年{zh}学期",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "registration_place": "International College, Building 3, Room 101 / 国际学院3号楼101室",
        }

    def at_nine(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(9)))

    old, new = semester(*previous), semester(*current)
    old.update(
        preregistration_opens_at=at_nine(old["starts_on"] - timedelta(days=21)),
        preregistration_closes_at=at_nine(old["starts_on"] - timedelta(days=2)),
        registration_day=old["starts_on"],
    )
    new.update(
        preregistration_opens_at=now - timedelta(days=5),
        preregistration_closes_at=now + timedelta(days=9),
        registration_day=min(today + timedelta(days=10), new["ends_on"]),
    )
    return [old, new]


class Command(BaseCommand):
    help = "Create or refresh the demo data (schools, semesters, staff, students) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=300, help="How many students (default 300).")

    def handle(self, *args, students: int, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with published passwords; it does not run in production.")
        if students < 0:
            raise CommandError("--students must be 0 or more.")
        today, now = timezone.localdate(), timezone.now()

        for code, name_en, name_zh in SCHOOLS:
            School.objects.update_or_create(code=code, defaults={"name_en": name_en, "name_zh": name_zh})
        for semester in demo_semesters(today, now):
            Semester.objects.update_or_create(code=semester.pop("code"), defaults=semester)
        staff = self._staff()

        rows = [demo_student(index, today) for index in range(students)]
        result = imports.admissions_import(source=imports.admissions_csv(rows)) if rows else imports.ImportResult()
        if result.errors:
            raise CommandError(
                "The demo students did not import: " + "; ".join(f"line {n}: {r}" for n, r in result.errors)
            )
        ready, first_login = self._demo_students(rows)
        # The demo's decisions leave messages in the students' inboxes; their emails (to made-up addresses) are
        # dropped instead of filling this command's output.
        # In-process tasks log each run; hundreds of "succeeded" lines would bury the logins printed below.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._demo_evidence(reviewer=next(user for user in staff if user.role == Role.INTERNATIONAL_OFFICE))
            self._demo_registration(staff, ready, now)
            self._demo_attendance(staff, ready)
            self._demo_academics([semester["code"] for semester in demo_semesters(today, now)])

        self._print_logins(staff, ready, first_login, result)

    def _staff(self) -> list[User]:
        schools = {school.code: school for school in School.objects.all()}
        # One hash for all staff accounts: they share the published demo password anyway.
        password = make_password(STAFF_PASSWORD)
        users = []
        for username, role, school_code, first_name, last_name in STAFF:
            user, _created = User.objects.update_or_create(
                username=username,
                defaults={
                    "role": role,
                    "school": schools.get(school_code),
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@example.edu.cn",
                    "password": password,
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                    "is_active": True,
                    "must_change_password": False,
                    "initial_password_expires_at": None,
                },
            )
            users.append(user)
        return users

    def _demo_students(self, rows: list[dict]) -> tuple[list[Student], list[Student]]:
        """Two students who already chose their password, and two who still hold the initial one."""
        ids = [row["student_id"] for row in rows[:4]]
        students = {s.student_id: s for s in Student.objects.filter(student_id__in=ids).select_related("user")}
        ready = [students[student_id] for student_id in ids[:2]]
        first_login = [students[student_id] for student_id in ids[2:4]]
        password = make_password(STUDENT_PASSWORD)
        for student in ready:
            student.user.password = password
            student.user.save(update_fields=["password"])
            services.user_password_changed(user=student.user)
        # Reissued on every run, so the printed initial passwords work even after a demo user changed them.
        for student in first_login:
            services.user_issue_initial_password(user=student.user, passport_number=student.passport_number)
        return ready, first_login

    def _demo_evidence(self, *, reviewer: User, count: int = 24) -> None:
        """Uploads waiting in the review queues: a visa page and an insurance proof for some students, a few
        already decided. Students who have uploads already are left as they are."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        students = list(
            Student.objects.filter(evidence__isnull=True).select_related("user").order_by("student_id")[:count]
        )
        for index, student in enumerate(students):
            visa = services.evidence_submit(
                student=student,
                kind="visa_page",
                upload=SimpleUploadedFile("visa.png", _demo_scan_png(student.name_latin), "image/png"),
                uploaded_by=student.user,
            )
            services.evidence_submit(
                student=student,
                kind="insurance_proof",
                upload=SimpleUploadedFile("insurance.pdf", _demo_pdf(), "application/pdf"),
                uploaded_by=student.user,
            )
            if index % 6 == 1:
                services.evidence_reject(
                    evidence=visa, reviewer=reviewer, reason="The residence permit page is cut off at the bottom."
                )
            elif index % 6 == 2:
                services.evidence_approve(evidence=visa, reviewer=reviewer)

    def _demo_registration(self, staff: list[User], ready: list[Student], now) -> None:
        """Forms in every state for the semester whose pre-registration is open, and the year's tuition."""
        from registration.demo import seed_registration_demo

        semester = Semester.objects.filter(preregistration_opens_at__lte=now, preregistration_closes_at__gt=now).first()
        if semester is None:
            return
        others = Student.objects.exclude(pk__in=[s.pk for s in ready]).select_related("user").order_by("student_id")
        seed_registration_demo(
            semester=semester,
            students=ready + list(others[4:60]),
            office=next(user for user in staff if user.role == Role.INTERNATIONAL_OFFICE),
            finance=next(user for user in staff if user.role == Role.FINANCE),
            scan=_demo_scan_png("Demo"),
            pdf=_demo_pdf(),
        )

    def _demo_attendance(self, staff: list[User], ready: list[Student]) -> None:
        """Absences this term for a few students, so the attendance page and the decision list have flags to show."""
        from registration.demo import seed_attendance_demo

        others = Student.objects.exclude(pk__in=[s.pk for s in ready]).order_by("student_id")
        seed_attendance_demo(
            students=list(others[60:64]), office=next(user for user in staff if user.role == Role.INTERNATIONAL_OFFICE)
        )

    def _demo_academics(self, codes: list[str]) -> None:
        """A few courses per school, last semester's results and this semester's enrolments (academics.demo)."""
        from academics.demo import seed_academics_demo, seed_programme_requirements

        previous, current = (Semester.objects.get(code=code) for code in codes)
        seed_academics_demo(previous=previous, current=current)
        seed_programme_requirements()

    def _print_logins(self, staff, ready, first_login, result) -> None:
        write = self.stdout.write
        write(
            f"Demo data: {School.objects.count()} schools, {Semester.objects.count()} semesters, "
            f"{Student.objects.count()} students ({result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged this run)."
        )
        write("")
        write("Staff logins")
        write(f"  {'Role':<26} {'Username':<18} Password")
        with translation.override("en"):
            for user in staff:
                role = str(Role(user.role).label) + (f" ({user.school.code})" if user.school_id else "")
                write(f"  {role:<26} {user.username:<18} {STAFF_PASSWORD}")
        write("")
        write("Student logins (user name = student ID)")
        write(f"  {'Student ID':<12} {'Password':<20} {'Name':<32} Note")
        for student in ready:
            write(f"  {student.student_id:<12} {STUDENT_PASSWORD:<20} {student.display_name():<32} logs straight in")
        for student in first_login:
            password = services.initial_password_for(student.passport_number)
            note = "initial password (last 6 of passport); must be changed at first login"
            write(f"  {student.student_id:<12} {password:<20} {student.display_name():<32} {note}")


def _demo_scan_png(name: str) -> bytes:
    """A small stand-in for a scanned page: a pale card with the student's name."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 400), (236, 242, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 580, 380), outline=(11, 79, 138), width=4)
    draw.text((40, 40), "RESIDENCE PERMIT (DEMO)", fill=(11, 79, 138))
    draw.text((40, 80), name, fill=(29, 39, 51))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _demo_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
