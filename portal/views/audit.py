"""The audit trail, searchable by administrators."""

from datetime import datetime

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from portal import permissions
from portal.decorators import staff_required
from portal.models import AuditEntry


def _day(value: str):
    try:
        return timezone.make_aware(datetime.strptime(value, "%Y-%m-%d"))
    except (TypeError, ValueError):
        return None


@require_safe
@staff_required
def audit_trail(request):
    if not permissions.is_admin(request.user):
        raise Http404
    filters = {key: request.GET.get(key, "").strip()[:100] for key in ("student", "actor", "action", "since", "until")}
    entries = AuditEntry.objects.visible_to(request.user).select_related("student")
    if filters["student"]:
        entries = entries.filter(student__student_id=filters["student"])
    if filters["actor"]:
        entries = entries.filter(actor_label__iexact=filters["actor"])
    if filters["action"]:
        entries = entries.filter(action__startswith=filters["action"])
    if since := _day(filters["since"]):
        entries = entries.filter(at__gte=since)
    if until := _day(filters["until"]):
        entries = entries.filter(at__lt=until + timezone.timedelta(days=1))
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "portal/audit_trail.html", {"page": page, "filters": filters})
