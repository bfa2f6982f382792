"""Bulk messages for reminder jobs: each in its reader's language, written in batches, emailed after the commit."""

import pytest
from django.core import mail

from portal import services
from portal.models import Notification
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def messages(students):
    return [
        services.Message(
            user=s.user,
            template="registration/email/registered",
            context={"student": s, "semester": semester_stub(), "registration": registration_stub()},
            url="/registration/",
        )
        for s in students
    ]


class semester_stub:
    def localized_name(self, language=None):
        return "Spring 2027"


class registration_stub:
    registered_at = None
    late_without_leave = False


def test_many_messages_cost_a_few_queries_and_each_is_emailed_once(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    students = StudentFactory.create_batch(3) + StudentFactory.create_batch(2, user__language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        with django_assert_max_num_queries(2):
            sent = services.notify_many(messages=messages(students))

    assert sent == 5
    assert len(mail.outbox) == 5
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 5
    chinese = Notification.objects.get(user=students[-1].user)
    assert "注册" in chinese.subject or "报到" in chinese.subject
