"""The finance office's pages: arrears, a student's account, payments and charges, the statement import, the
remittance and e-receipt queues, the unpaid-after-two-weeks decision list and the refund calculator."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fees import rules, selectors, services
from fees.forms import (
    BillingForm,
    ChargeForm,
    EreceiptDecisionForm,
    InternshipFeeForm,
    PaymentForm,
    RefundCalculatorForm,
    RemittanceDecisionForm,
    ReverseForm,
    StatementForm,
    SuspensionCreditForm,
)
from fees.models import FeeKind, FeeSchedule, LedgerEntry, RefundState, RemittanceConfirmation, RemittanceState
from fees.permissions import can_manage_fees
from fees.services.statement import HEADER
from fees.views.student import account_context
from portal.decorators import staff_required
from portal.forms import add_service_errors
from portal.models import Semester
from portal.services import ConflictError


def _check_finance(request) -> None:
    # Other offices see that the finance pages exist (staff navigation) but may not use them.
    if not can_manage_fees(request.user):
        raise PermissionDenied


_add_errors = add_service_errors


@require_safe
@staff_required
def finance_home(request):
    """Arrears: everything owed, oldest first, with its age."""
    _check_finance(request)
    student_id = (request.GET.get("student") or "").strip()
    if student_id:
        return redirect("fees_student_account", student_id=student_id)
    fee_kind = request.GET.get("fee") if request.GET.get("fee") in FeeKind.values else ""
    arrears = selectors.arrears_list(user=request.user, today=timezone.localdate(), fee_kind=fee_kind)
    page = Paginator(arrears, 100).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "fee_kind": fee_kind,
        "fee_kinds": FeeKind.choices,
        "total": sum((arrear.balance for arrear in arrears), rules.ZERO),
        "pending_remittances": selectors.remittance_queue(user=request.user).count(),
        "pending_ereceipts": selectors.ereceipt_queue(user=request.user).count(),
        "pending_refunds": selectors.refund_queue(user=request.user, state=RefundState.REQUESTED).count(),
        "approved_refunds": selectors.refund_queue(user=request.user, state=RefundState.APPROVED).count(),
    }
    return render(request, "fees/finance/home.html", context)


def _student_or_404(request, student_id):
    student = selectors.student_for_fees(user=request.user, student_id=student_id)
    if student is None:
        raise Http404
    return student


def _render_account(
    request, student, *, charge_form=None, payment_form=None, suspension_form=None, internship_form=None, status=200
):
    context = account_context(user=request.user, student=student)
    context.update(
        charge_form=charge_form or ChargeForm(prefix="charge"),
        payment_form=payment_form or PaymentForm(prefix="payment", initial={"paid_on": timezone.localdate()}),
        suspension_form=suspension_form or SuspensionCreditForm(prefix="suspension"),
        internship_form=internship_form or InternshipFeeForm(prefix="internship"),
        suspension_credits=list(selectors.suspension_credits_of(user=request.user, student=student)),
        reverse_form=ReverseForm(),
    )
    return render(request, "fees/finance/account.html", context, status=status)


@require_safe
@staff_required
def student_account(request, student_id):
    _check_finance(request)
    return _render_account(request, _student_or_404(request, student_id))


@require_POST
@staff_required
def charge_add(request, student_id):
    _check_finance(request)
    student = _student_or_404(request, student_id)
    form = ChargeForm(request.POST, prefix="charge")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.charge_add(
                student=student,
                fee_kind=data["fee_kind"],
                academic_year=data["academic_year"],
                semester=data["semester"],
                amount=data["amount"],
                description=data["description"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Charge recorded."))
            return redirect("fees_student_account", student_id=student.student_id)
    return _render_account(request, student, charge_form=form, status=400)


@require_POST
@staff_required
def payment_add(request, student_id):
    _check_finance(request)
    student = _student_or_404(request, student_id)
    form = PaymentForm(request.POST, prefix="payment")
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_record(
                student=student,
                fee_kind=data["fee_kind"],
                academic_year=data["academic_year"],
                semester=data["semester"],
                amount=data["amount"],
                channel=data["channel"],
                reference=data["reference"],
                paid_on=data["paid_on"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ConflictError as exc:
            form.add_error("reference", str(exc))
        else:
            messages.success(
                request, _("Payment recorded; receipt %(number)s issued.") % {"number": payment.receipt.number}
            )
            return redirect("fees_student_account", student_id=student.student_id)
    return _render_account(request, student, payment_form=form, status=400)


@require_POST
@staff_required
def suspension_credit_add(request, student_id):
    """Handbook: fees/ 2.3: on resumption, the unused tuition is credited to the semester the student resumes in."""
    _check_finance(request)
    student = _student_or_404(request, student_id)
    form = SuspensionCreditForm(request.POST, prefix="suspension")
    if form.is_valid():
        try:
            credit = services.suspension_credit_add(
                student=student,
                suspended_semester=form.cleaned_data["suspended_semester"],
                resumption_semester=form.cleaned_data["resumption_semester"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(amount)s RMB of unused tuition credited.") % {"amount": credit.amount})
            return redirect("fees_student_account", student_id=student.student_id)
    return _render_account(request, student, suspension_form=form, status=400)


@require_POST
@staff_required
def internship_fee_add(request, student_id):
    """Handbook: fees/ 1.2.4: the internship billed by actual weeks."""
    _check_finance(request)
    student = _student_or_404(request, student_id)
    form = InternshipFeeForm(request.POST, prefix="internship")
    if form.is_valid():
        data = form.cleaned_data
        try:
            charge = services.internship_fee_bill(
                student=student,
                academic_year=data["academic_year"],
                weeks=data["weeks"],
                yearly_tuition=data["yearly_tuition"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Internship fee of %(amount)s RMB billed.") % {"amount": charge.amount})
            return redirect("fees_student_account", student_id=student.student_id)
    return _render_account(request, student, internship_form=form, status=400)


@require_POST
@staff_required
def entry_reverse(request, pk):
    _check_finance(request)
    entry = LedgerEntry.objects.visible_to(request.user).select_related("student").filter(pk=pk).first()
    if entry is None:
        raise Http404
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the entry is reversed."))
        return redirect("fees_student_account", student_id=entry.student.student_id)
    try:
        services.entry_reverse(entry=entry, actor=request.user, reason=form.cleaned_data["reason"], request=request)
    except (ValidationError, ConflictError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Entry reversed."))
    return redirect("fees_student_account", student_id=entry.student.student_id)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def statement_import(request):
    _check_finance(request)
    form = StatementForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.statement_import(
                    upload=form.cleaned_data["file"], actor=request.user, request=request
                )
            except services.StatementFileError as exc:
                form.add_error("file", str(exc))
                status = 400
        else:
            status = 400
    return render(
        request, "fees/finance/statement_import.html", {"form": form, "result": result, "header": HEADER}, status=status
    )


@require_safe
@staff_required
def remittance_queue(request):
    _check_finance(request)
    state = request.GET.get("state") if request.GET.get("state") in RemittanceState.values else RemittanceState.PENDING
    page = Paginator(selectors.remittance_queue(user=request.user, state=state), 50).get_page(request.GET.get("page"))
    return render(
        request, "fees/finance/remittance_queue.html", {"page": page, "state": state, "states": RemittanceState.choices}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def remittance_decide(request, pk):
    _check_finance(request)
    remittance = (
        RemittanceConfirmation.objects.visible_to(request.user)
        .select_related("student__school", "semester", "slip", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if remittance is None:
        raise Http404
    form = RemittanceDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "confirm":
                    services.remittance_confirm(
                        remittance=remittance, credited_rmb=data["credited_rmb"], actor=request.user, request=request
                    )
                else:
                    services.remittance_reject(
                        remittance=remittance, reason=data["reason"], actor=request.user, request=request
                    )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("fees_remittance_decide", pk=remittance.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("fees_remittance_queue")
        status = 400
    return render(
        request, "fees/finance/remittance_decide.html", {"remittance": remittance, "form": form}, status=status
    )


@require_safe
@staff_required
def ereceipt_queue(request):
    _check_finance(request)
    page = Paginator(selectors.ereceipt_queue(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "fees/finance/ereceipt_queue.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def ereceipt_decide(request, pk):
    _check_finance(request)
    evidence = selectors.ereceipt_queue(user=request.user).filter(pk=pk).first()
    if evidence is None:
        raise Http404
    form = EreceiptDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "accept":
                    services.ereceipt_accept(
                        evidence=evidence,
                        amount=data["amount"],
                        academic_year=data["academic_year"],
                        semester=data["semester"],
                        paid_on=data["paid_on"],
                        actor=request.user,
                        request=request,
                    )
                else:
                    services.ereceipt_reject(evidence=evidence, reason=data["reason"], actor=request.user)
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("fees_ereceipt_queue")
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("fees_ereceipt_queue")
        status = 400
    return render(request, "fees/finance/ereceipt_decide.html", {"evidence": evidence, "form": form}, status=status)


@require_safe
@staff_required
def unpaid_list(request):
    """Handbook: fees/ 1.2: still owing two weeks after the registration day, for the office's decision."""
    _check_finance(request)
    today = timezone.localdate()
    semesters = Semester.objects.filter(registration_day__isnull=False).order_by("-registration_day")
    semester = semesters.filter(code=request.GET.get("semester", "")).first() or semesters.first()
    listings = (
        selectors.unpaid_after_registration(user=request.user, semester=semester, today=today) if semester else []
    )
    deadline = (
        rules.unpaid_tuition_deadline(registration_day=semester.registration_day) if semester is not None else None
    )
    context = {"semester": semester, "semesters": semesters, "listings": listings, "deadline": deadline, "today": today}
    return render(request, "fees/finance/unpaid_list.html", context)


@require_safe
@staff_required
def refund_calculator(request):
    """Handbook: fees/ 2.1-2.4: the refund the rules give, with the clause and the sentence for the student."""
    _check_finance(request)
    form = RefundCalculatorForm(request.GET or None)
    result = None
    error = ""
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = rules.refund(
                    program=data["program"],
                    completed_on=data["completed_on"],
                    registration_day=data["registration_day"],
                    tuition_this_semester=data["tuition_this_semester"],
                    tuition_next_semester=data["tuition_next_semester"] or 0,
                    second_registration_day=data["second_registration_day"],
                    continuing_paid_next=data["continuing_paid_next"],
                    no_refund_reason=data["no_refund_reason"] or None,
                    permit_changed_in_time=data["permit_changed_in_time"],
                    receipts_returned=data["receipts_returned"],
                )
            except ValueError as exc:
                error = str(exc)
                status = 400
        else:
            status = 400
    return render(
        request, "fees/finance/refund_calculator.html", {"form": form, "result": result, "error": error}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def billing(request):
    """Bill a semester's tuition from the fee schedules (Handbook: fees/ 1.2.1-1.2.3); running it twice is safe."""
    _check_finance(request)
    form = BillingForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.tuition_bill_semester(
                    semester=form.cleaned_data["semester"], actor=request.user, request=request
                )
            except ValueError as exc:
                form.add_error("semester", str(exc))
                status = 400
        else:
            status = 400
    schedules = FeeSchedule.objects.order_by("-academic_year", "kind", "program", "programme")[:200]
    return render(
        request, "fees/finance/billing.html", {"form": form, "result": result, "schedules": schedules}, status=status
    )
