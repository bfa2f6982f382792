"""Refund requests (Handbook: fees/ 2.1-2.4): the student applies and follows the request; finance decides and pays."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fees import selectors, services
from fees.forms import RefundApplyForm, RefundDecisionForm, RefundPaidForm
from fees.models import RefundState
from fees.views.finance import _add_errors, _check_finance
from portal.decorators import staff_required, student_required
from portal.services import ConflictError

# --- The student ----------------------------------------------------------------------------------------------


@require_safe
@student_required
def refund_list(request):
    student = request.user.student
    refunds = selectors.refund_requests_of(user=request.user, student=student)
    return render(request, "fees/student/refund_list.html", {"refunds": refunds})


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def refund_new(request):
    """The application form; "Show the refund" computes the portal's proposal first, "Apply" sends the request."""
    student = request.user.student
    form = RefundApplyForm(request.POST or None)
    proposal = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if "apply" not in request.POST:
                    proposal = selectors.refund_proposal(
                        student=student, semester=data["semester"], completed_on=data["completed_on"]
                    )
                else:
                    refund = services.refund_request_apply(
                        student=student, user=request.user, http_request=request, **data
                    )
                    messages.success(request, _("Your refund request was sent to the finance office."))
                    return redirect("fees_refund_detail", pk=refund.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
                status = 400
            except ConflictError as exc:
                form.add_error(None, str(exc))
                status = 409
        else:
            status = 400
    return render(request, "fees/student/refund_new.html", {"form": form, "proposal": proposal}, status=status)


@require_safe
@student_required
def refund_detail(request, pk):
    refund = selectors.refund_get(user=request.user, pk=pk)
    if refund is None:
        raise Http404
    return render(request, "fees/student/refund_detail.html", {"refund": refund})


# --- Finance ----------------------------------------------------------------------------------------------------


@require_safe
@staff_required
def refund_queue(request):
    _check_finance(request)
    state = request.GET.get("state", RefundState.REQUESTED)
    if state not in RefundState.values and state != "all":
        state = RefundState.REQUESTED
    requests = selectors.refund_queue(user=request.user, state="" if state == "all" else state)
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return render(
        request, "fees/finance/refund_queue.html", {"page": page, "state": state, "states": RefundState.choices}
    )


def _refund_or_404(request, pk):
    refund = selectors.refund_get(user=request.user, pk=pk)
    if refund is None:
        raise Http404
    return refund


def _attendance(student):
    """The term's attendance the schools recorded, beside the 2.2.1 causes finance checks (absence without approval
    for 2 or more consecutive weeks means no refund)."""
    from registration.services import attendance_of, attendance_term

    term = attendance_term(timezone.localdate())
    return attendance_of(students=[student], term=term).get(student.pk) if term else None


def _render_decide(request, refund, *, form=None, paid_form=None, status=200):
    context = {
        "refund": refund,
        "attendance": _attendance(refund.student),
        "form": form or RefundDecisionForm(initial={"version": refund.version}),
        "paid_form": paid_form or RefundPaidForm(initial={"version": refund.version, "paid_on": timezone.localdate()}),
    }
    return render(request, "fees/finance/refund_decide.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def refund_decide(request, pk):
    """Finance checks the formalities and approves (the rules' amount, or another with a reason) or rejects."""
    _check_finance(request)
    refund = _refund_or_404(request, pk)
    if request.method != "POST":
        return _render_decide(request, refund)
    form = RefundDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        checks = {
            "permit_changed_in_time": data["permit_changed_in_time"],
            "receipts_returned": data["receipts_returned"],
            "no_refund_reason": data["no_refund_reason"],
            "expected_version": data["version"],
            "http_request": request,
        }
        try:
            if data["decision"] == "approve":
                services.refund_request_approve(
                    request=refund, actor=request.user, amount=data["amount"], reason=data["reason"], **checks
                )
            else:
                services.refund_request_reject(request=refund, actor=request.user, reason=data["reason"], **checks)
        except ConflictError as exc:
            messages.error(request, str(exc))
            return redirect("fees_refund_decide", pk=refund.pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded; the student has been told."))
            return redirect("fees_refund_decide", pk=refund.pk)
    return _render_decide(request, refund, form=form, status=400)


@require_POST
@staff_required
def refund_mark_paid(request, pk):
    _check_finance(request)
    refund = _refund_or_404(request, pk)
    form = RefundPaidForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.refund_request_mark_paid(
                request=refund,
                actor=request.user,
                paid_on=data["paid_on"],
                reference=data["reference"],
                expected_version=data["version"],
                http_request=request,
            )
        except ConflictError as exc:
            messages.error(request, str(exc))
            return redirect("fees_refund_decide", pk=refund.pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Refund recorded as paid on the student's ledger."))
            return redirect("fees_refund_decide", pk=refund.pk)
    return _render_decide(request, refund, paid_form=form, status=400)
