"""Deferred registration pages: the student's leave of registration, the office's leave queue and the two-week list.

Handbook: HANDBOOK Current Student Registration; New Student Registration 3; Academic Rules 7, 10.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.decorators import staff_required, student_required
from portal.forms import add_service_errors
from portal.services import ConflictError
from registration import rules, selectors, services
from registration.forms import (
    LeaveApplyForm,
    LeaveDecisionForm,
    LeaveQueueFilterForm,
    ListingDecisionForm,
    TwoWeekListFilterForm,
)
from registration.models import LeaveState, ListingOutcome, SemesterRegistration
from registration.permissions import can_review_registration

# The upload service names its field "file"; these forms call it "proof".
_add_errors = partial(add_service_errors, renames={"file": "proof"})


def _filters(form_class, request) -> tuple[object, dict]:
    """The filter form and what to filter by; invalid fields are left out rather than failing the page."""
    form = form_class(request.GET or None)
    if not form.is_bound:
        return form, {}
    form.is_valid()
    return form, form.cleaned_data


# --- The student ------------------------------------------------------------------------------------------------


def _own_leave(request, pk):
    """The one access-checked lookup for students: a leave that is not their own does not exist for them."""
    leave = selectors.registration_leave_get(user=request.user, pk=pk)
    if leave is None or leave.student.user_id != request.user.pk:
        raise Http404
    return leave


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def registration_leave(request):
    today = timezone.localdate()
    student = request.user.student
    semester = selectors.deferral_semester(today=today)
    if semester is None or semester.registration_day is None:
        if request.method == "POST":
            messages.error(request, _("No registration is scheduled at the moment."))
            return redirect("registration_leave")
        return render(request, "registration/deferral/student_leave.html", {"semester": None})
    leaves = list(selectors.registration_leaves_of(student=student, semester=semester))
    open_leave = next((leave for leave in leaves if leave.state in (LeaveState.PENDING, LeaveState.APPROVED)), None)
    approved_until = open_leave.approved_until if open_leave and open_leave.state == LeaveState.APPROVED else None
    ordinary_last_day = rules.last_day_to_register(
        registration_day=semester.registration_day, deferral_limit_days=semester.deferral_limit_days
    )
    registered = SemesterRegistration.objects.filter(student=student, semester=semester).exists()
    can_apply = not registered and open_leave is None and today <= ordinary_last_day
    status = 200
    form = None
    if can_apply:
        form = LeaveApplyForm(request.POST, request.FILES) if request.method == "POST" else LeaveApplyForm()
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You cannot apply for leave of registration for this semester now."))
            return redirect("registration_leave")
        if form.is_valid():
            try:
                services.registration_leave_apply(
                    student=student,
                    semester=semester,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_on=form.cleaned_data["expected_on"],
                    proof=form.cleaned_data.get("proof"),
                    today=today,
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("registration_leave")
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Your application was sent. You will get a message when the International College decides."),
                )
                return redirect("registration_leave")
        status = 400
    context = {
        "semester": semester,
        "leaves": leaves,
        "open_leave": open_leave,
        "registered": registered,
        "ordinary_last_day": ordinary_last_day,
        "last_day": rules.last_day_to_register(
            registration_day=semester.registration_day,
            deferral_limit_days=semester.deferral_limit_days,
            leave_until=approved_until,
        ),
        "past_last_day": today > ordinary_last_day,
        "form": form,
    }
    return render(request, "registration/deferral/student_leave.html", context, status=status)


@require_safe
@student_required
def registration_leave_detail(request, pk):
    leave = _own_leave(request, pk)
    return render(
        request,
        "registration/deferral/student_leave_detail.html",
        {
            "leave": leave,
            "last_day": rules.last_day_to_register(
                registration_day=leave.semester.registration_day,
                deferral_limit_days=leave.semester.deferral_limit_days,
                leave_until=leave.approved_until if leave.state == LeaveState.APPROVED else None,
            ),
        },
    )


@require_POST
@student_required
def registration_leave_cancel(request, pk):
    leave = _own_leave(request, pk)
    version = request.POST.get("version")
    try:
        services.registration_leave_cancel(
            leave=leave, user=request.user, expected_version=int(version) if (version or "").isdigit() else None
        )
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your application was cancelled."))
    return redirect("registration_leave")


# --- The office -------------------------------------------------------------------------------------------------


def _check_reviewer(request) -> None:
    # Staff who do not decide on registration get 403 whichever object they ask for (as on the review queue).
    if not can_review_registration(request.user):
        raise PermissionDenied


@require_safe
@staff_required
def registration_leave_queue(request):
    _check_reviewer(request)
    filters, cleaned = _filters(LeaveQueueFilterForm, request)
    if not filters.is_bound:
        filters = LeaveQueueFilterForm(initial={"state": LeaveState.PENDING})
    page = Paginator(selectors.registration_leave_queue(user=request.user, filters=cleaned), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "registration/deferral/leave_queue.html", {"page": page, "filters": filters})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def registration_leave_review(request, pk):
    _check_reviewer(request)
    leave = selectors.registration_leave_get(user=request.user, pk=pk)
    if leave is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = LeaveDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    services.registration_leave_approve(
                        leave=leave,
                        reviewer=request.user,
                        approved_until=data["approved_until"],
                        reason=data["reason"],
                        expected_version=data["version"],
                    )
                else:
                    services.registration_leave_reject(
                        leave=leave, reviewer=request.user, reason=data["reason"], expected_version=data["version"]
                    )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("registration_leave_review", pk=leave.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Decision recorded for %(student)s; the student has been told.")
                    % {"student": leave.student.student_id},
                )
                return redirect("registration_leave_queue")
        status = 400
    else:
        form = LeaveDecisionForm(initial={"version": leave.version, "approved_until": leave.expected_on})
    semester = leave.semester
    return render(
        request,
        "registration/deferral/leave_review.html",
        {
            "leave": leave,
            "student": leave.student,
            "form": form if leave.state == LeaveState.PENDING else None,
            "ordinary_last_day": rules.last_day_to_register(
                registration_day=semester.registration_day, deferral_limit_days=semester.deferral_limit_days
            ),
        },
        status=status,
    )


@require_safe
@staff_required
def registration_two_week_list(request):
    _check_reviewer(request)
    filters, cleaned = _filters(TwoWeekListFilterForm, request)
    if not filters.is_bound:
        filters = TwoWeekListFilterForm(initial={"outcome": ListingOutcome.OPEN})
    page = Paginator(selectors.two_week_list(user=request.user, filters=cleaned), 50).get_page(request.GET.get("page"))
    return render(request, "registration/deferral/two_week_list.html", {"page": page, "filters": filters})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def registration_listing_decide(request, pk):
    _check_reviewer(request)
    listing = selectors.two_week_listing_get(user=request.user, pk=pk)
    if listing is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = ListingDecisionForm(request.POST)
        if form.is_valid():
            try:
                services.two_week_listing_decide(
                    listing=listing,
                    reviewer=request.user,
                    confirm=form.cleaned_data["decision"] == "confirm",
                    reason=form.cleaned_data["reason"],
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("registration_listing_decide", pk=listing.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Decision recorded for %(student)s; the student has been told.")
                    % {"student": listing.student.student_id},
                )
                return redirect("registration_two_week_list")
        status = 400
    else:
        form = ListingDecisionForm()
    return render(
        request,
        "registration/deferral/listing_decide.html",
        {
            "listing": listing,
            "student": listing.student,
            "form": form if listing.outcome == ListingOutcome.OPEN else None,
        },
        status=status,
    )
