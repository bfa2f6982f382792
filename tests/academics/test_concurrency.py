"""Two members of staff saving the first result of one student at the same moment: one is saved, the other is told."""

import datetime
import threading

import pytest
from django.db import connection

from academics import services
from academics.models import Result, ResultChange
from portal.services import ConflictError
from tests.academics.helpers import calendar, enrol, offering


@pytest.mark.django_db(transaction=True)
def test_two_first_entries_at_the_same_moment_save_one_and_refuse_the_other(student, staff_a, school_a):
    autumn, _ = calendar()
    anatomy = offering(school_a, autumn, "MED101", assessed_on=datetime.date(2026, 1, 10))
    enrolment = enrol(anatomy, student)
    barrier = threading.Barrier(2)
    outcomes = []

    def save(value):
        try:
            barrier.wait()
            services.result_record(
                enrolment=enrolment, value=value, actor=staff_a, expected_version=0, today=datetime.date(2026, 1, 12)
            )
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(value,)) for value in ("70", "90")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert Result.objects.count() == 1 and ResultChange.objects.count() == 1
