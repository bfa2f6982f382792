from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from portal import services


@require_safe
@login_required
def inbox(request):
    page = Paginator(request.user.notifications.all(), 25).get_page(request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page": page})


@require_safe
@login_required
def notification_detail(request, pk):
    notification = get_object_or_404(request.user.notifications, pk=pk)
    services.notification_mark_read(notification=notification)
    return render(request, "portal/notification_detail.html", {"notification": notification})
