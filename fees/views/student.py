"""The student's account: ledger, balances, receipts, remittance confirmations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fees import selectors, services
from fees.forms import RemittanceForm
from fees.models import Receipt
from fees.permissions import is_finance
from portal.decorators import student_required
from portal.services import ConflictError


def account_context(*, user, student) -> dict:
    entries = list(selectors.ledger_entries(user=user, student=student))
    lines, total = selectors.account_summary(entries=entries)
    return {
        "student": student,
        "entries": entries,
        "lines": lines,
        "total": total,
        "receipts": list(selectors.receipts_of(user=user, student=student)),
        "remittances": list(selectors.remittances_of(user=user, student=student)),
        "refunds": list(selectors.refund_requests_of(user=user, student=student)),
    }


@require_safe
@student_required
def my_account(request):
    context = account_context(user=request.user, student=request.user.student)
    return render(request, "fees/student/account.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def remittance_new(request):
    student = request.user.student
    form = RemittanceForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.remittance_file(
                    student=student,
                    semester=data["semester"],
                    amount=data["amount"],
                    currency=data["currency"],
                    remitted_on=data["remitted_on"],
                    payer_name=data["payer_name"],
                    slip_upload=data["slip"],
                    user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                for field, errors in getattr(exc, "error_dict", {"slip": exc.error_list}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Your remittance confirmation was sent to the finance office."))
                return redirect("fees_my_account")
        status = 400
    return render(request, "fees/student/remittance_new.html", {"form": form}, status=status)


@require_POST
@login_required
def receipt_pdf(request, pk):
    """The receipt's PDF for its student (or finance): queued once, then downloaded from Downloads."""
    receipt = Receipt.objects.visible_to(request.user).select_related("student").filter(pk=pk).first()
    if receipt is None:
        raise Http404
    try:
        document = services.receipt_pdf_request(
            receipt=receipt, user=request.user, language=translation.get_language() or "en"
        )
    except (PermissionDenied, ConflictError):
        raise Http404 from None
    if not is_finance(request.user):
        messages.info(request, _("Your receipt is being prepared; download it from this page."))
    return redirect("document_detail", pk=document.pk)
