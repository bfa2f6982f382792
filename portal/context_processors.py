from django.conf import settings

from portal import permissions
from registration.permissions import can_review_registration, can_view_registration_counts


def portal(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "UNIVERSITY_NAME": settings.UNIVERSITY_NAME,
        "COLLEGE_NAME": settings.COLLEGE_NAME,
        "unread_notifications": unread,
        "is_portal_staff": permissions.is_staff_member(user) if user is not None else False,
        "is_portal_admin": permissions.is_admin(user) if user is not None else False,
        "can_review_registration": can_review_registration(user) if user is not None else False,
        "can_view_registration_counts": can_view_registration_counts(user) if user is not None else False,
        "can_import_students": permissions.can_import_students(user) if user is not None else False,
    }
