"""Shared fixtures: the named people of the tests and a private file store per test."""

import pytest

from portal.models import Role
from tests.factories import SchoolFactory, StudentFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def private_storage_root(tmp_path, settings):
    """Every test writes its uploads and PDFs to its own folder."""
    root = tmp_path / "private"
    root.mkdir()
    settings.PRIVATE_STORAGE_ROOT = root
    return root


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def school_a(db):
    return SchoolFactory(code="medicine", name_en="School of Medicine", name_zh="医学院")


@pytest.fixture
def school_b(db):
    return SchoolFactory(code="economics", name_en="School of Economics", name_zh="经济学院")


@pytest.fixture
def student(school_a):
    """Amina, a medicine student who has already set her own password."""
    return StudentFactory(
        student_id="2026000001",
        name_latin="Amina Yusuf",
        name_zh="阿米娜",
        school=school_a,
        passport_number="P12345678",
    )


@pytest.fixture
def classmate(school_a):
    """Ben, Amina's classmate in the same school."""
    return StudentFactory(
        student_id="2026000002", name_latin="Ben Okafor", school=school_a, passport_number="P22222222"
    )


@pytest.fixture
def other_school_student(school_b):
    """Chen, a student of another school."""
    return StudentFactory(
        student_id="2026000003",
        name_latin="Chen Wei Ling",
        name_zh="陈伟玲",
        school=school_b,
        nationality="Malaysia",
        passport_number="P33333333",
    )


def _staff(username, role, school=None):
    return UserFactory(username=username, role=role, school=school, first_name=username.title())


@pytest.fixture
def office_staff(db):
    return _staff("olga", Role.INTERNATIONAL_OFFICE)


@pytest.fixture
def staff_a(school_a):
    return _staff("sam", Role.SCHOOL_STAFF, school_a)


@pytest.fixture
def staff_b(school_b):
    return _staff("tina", Role.SCHOOL_STAFF, school_b)


@pytest.fixture
def finance_staff(db):
    return _staff("fiona", Role.FINANCE)


@pytest.fixture
def dormitory_staff(db):
    return _staff("dora", Role.DORMITORY)


@pytest.fixture
def clearance_staff(db):
    return _staff("leo", Role.CLEARANCE)


@pytest.fixture
def admin_user(db):
    user = _staff("ada", Role.ADMIN)
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def client_for(client):
    """Log a user in on the test client: client_for(user)."""

    def login(user):
        client.force_login(user)
        return client

    return login
