"""The academics demo data: courses per school, last semester's results entered through the service, re-runnable."""

import pytest

from academics.demo import seed_academics_demo
from academics.models import Enrolment, Result, ResultChange
from tests.academics.helpers import calendar

pytestmark = pytest.mark.django_db


def test_the_demo_enters_last_semesters_results_with_history_and_adds_nothing_when_run_again(student, classmate,
                                                                                             staff_a):  # fmt: skip
    autumn, spring = calendar()
    created = seed_academics_demo(previous=autumn, current=spring)
    assert created == 6  # 3 courses x 2 students of the school with staff
    assert ResultChange.objects.count() == 6 and set(ResultChange.objects.values_list("by", flat=True)) == {staff_a.pk}
    assert Result.objects.filter(enrolment__student=student, mark="absent").count() == 0
    counts = (Result.objects.count(), Enrolment.objects.count())
    assert seed_academics_demo(previous=autumn, current=spring) == 0
    assert (Result.objects.count(), Enrolment.objects.count()) == counts == (6, 12)


def test_the_demo_programmes_have_graduation_requirements_once():
    from academics.demo import PROGRAMME_REQUIREMENTS, seed_programme_requirements
    from academics.models import ProgrammeRequirement

    assert seed_programme_requirements() == len(PROGRAMME_REQUIREMENTS)
    assert seed_programme_requirements() == 0
    mbbs = ProgrammeRequirement.objects.get(programme="Clinical Medicine (MBBS)")
    assert (mbbs.graduation_credits, mbbs.normal_length_years) == (260, 6)
