"""The catalogue pages: a school keeps its courses and their offerings per semester; the International College and
admins keep every school's. Each view starts with one access-checked lookup and calls one service."""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from academics import permissions, selectors, services
from academics.forms import CourseForm, OfferingForm
from portal.decorators import staff_required
from portal.forms import add_service_errors

PAGE_SIZE = 50


def _check_manager(request) -> bool:
    """403 for staff who keep no catalogue; True when the user keeps every school's (and so chooses the school)."""
    if not services.can_manage_catalogue(request.user):
        raise PermissionDenied
    return permissions.can_decide_corrections(request.user)


_add_errors = add_service_errors


def _course_values(request, form, all_schools: bool) -> dict:
    values = dict(form.cleaned_data)
    if not all_schools:
        values["school"] = request.user.school
    return values


@require_safe
@staff_required
def course_list(request):
    _check_manager(request)
    search = request.GET.get("q", "")[:100]
    page = Paginator(selectors.course_list(user=request.user, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "academics/staff/courses.html", {"page": page, "q": search})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def course_edit(request, pk=None):
    all_schools = _check_manager(request)
    course = None
    if pk is not None:
        course = selectors.course_get(user=request.user, pk=pk)
        if course is None:
            raise Http404
    # The form works on a copy: a refused save must not leave the typed values on the object the service reads.
    instance = copy.copy(course) if course else None
    form = CourseForm(
        request.POST if request.method == "POST" else None,
        instance=instance,
        user=request.user,
        all_schools=all_schools,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = services.course_save(
                    actor=request.user,
                    values=_course_values(request, form, all_schools),
                    course=course,
                    request=request,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Course %(code)s saved.") % {"code": saved.code})
                return redirect("academics_course_list")
    return render(request, "academics/staff/course_form.html", {"form": form, "course": course}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def offering_edit(request, pk=None):
    all_schools = _check_manager(request)
    offering = None
    if pk is not None:
        offering = selectors.offering_get(user=request.user, pk=pk)
        if offering is None:
            raise Http404
        if not services.can_manage_catalogue(request.user, offering.school_id):
            raise PermissionDenied
    courses = selectors.course_list(user=request.user).order_by("code")
    initial = {}
    if offering is None and request.GET.get("course", "").isdigit():
        initial["course"] = int(request.GET["course"])
    form = OfferingForm(
        request.POST if request.method == "POST" else None,
        instance=copy.copy(offering) if offering else None,
        initial=initial,
        courses=courses,
        all_schools=all_schools,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = dict(form.cleaned_data)
            if not all_schools:
                values["school"] = request.user.school
            elif not values.get("school"):
                values["school"] = values["course"].school
            try:
                saved = services.offering_save(actor=request.user, values=values, offering=offering, request=request)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Offering %(offering)s saved.") % {"offering": saved})
                return redirect("academics_offering_grid", pk=saved.pk)
    context = {"form": form, "offering": offering}
    return render(request, "academics/staff/offering_form.html", context, status=status)
