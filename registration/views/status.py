"""Student status pages: the student's applications (leave, suspension, resumption, withdrawal) and timeline; the
approvers' queue and decisions; emergency leave entered by staff; withdrawal and dismissal decisions with their
notice; the office's decision list; a student's status timeline for staff.

Handbook: Academic Rules 13-14, 28-34; Supplementary 32; STATUS Art. 12, 18-24.
"""

from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.decorators import staff_required, student_required
from portal.forms import add_service_errors
from portal.models import Student
from portal.services import ConflictError
from registration import selectors_leaving, services
from registration.models import StatusCategory, StatusChangeKind
from registration.permissions import (
    can_decide_status_step,
    can_decide_withdrawal,
    can_enter_status_for,
    can_view_status_work,
)

DATE = forms.DateInput(attrs={"type": "date"})
STUDENT_KINDS = [
    (StatusChangeKind.LEAVE.value, StatusChangeKind.LEAVE.label),
    (StatusChangeKind.SUSPENSION.value, StatusChangeKind.SUSPENSION.label),
    (StatusChangeKind.RESUMPTION.value, StatusChangeKind.RESUMPTION.label),
    (StatusChangeKind.WITHDRAWAL.value, StatusChangeKind.WITHDRAWAL.label),
]


# The upload service names its field "file"; these forms call it "proof".
_add_errors = partial(add_service_errors, renames={"file": "proof"})


class ApplyForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Application"), choices=STUDENT_KINDS)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", "—"), *StatusCategory.choices], required=False
    )
    first_day = forms.DateField(label=gettext_lazy("From"), widget=DATE)
    last_day = forms.DateField(label=gettext_lazy("Until"), widget=DATE, required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    proof = forms.FileField(
        label=gettext_lazy("Proof (hospital certificate, recovery certificate or other)"), required=False
    )


def _apply(request, form, *, student, emergency=False):
    data = form.cleaned_data
    try:
        return services.status_apply(
            student=student,
            user=request.user,
            kind=data.get("kind", StatusChangeKind.LEAVE),
            category=data.get("category", ""),
            first_day=data["first_day"],
            last_day=data.get("last_day"),
            reason=data["reason"],
            proof=data.get("proof"),
            emergency=emergency,
        )
    except ValidationError as exc:
        _add_errors(form, exc)
    except ConflictError as exc:
        form.add_error(None, str(exc))
    return None


def _own_attendance(student) -> dict:
    term = services.attendance_term(timezone.localdate())
    attendance = services.attendance_of(students=[student], term=term).get(student.pk) if term else None
    return {"attendance": attendance, "attendance_term": term}


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def status_mine(request):
    student = request.user.student
    form = ApplyForm(request.POST, request.FILES) if request.method == "POST" else ApplyForm()
    if request.method == "POST" and form.is_valid():
        if _apply(request, form, student=student) is not None:
            messages.success(request, _("Your application was sent; each approver's decision will show here."))
            return redirect("status_mine")
    context = {
        "student": student,
        "form": form,
        "changes": selectors_leaving.status_changes_of(student=student),
        "timeline": selectors_leaving.status_timeline(student=student),
        "scholarship_suspended": services.scholarship_suspended(student=student, today=timezone.localdate()),
        **_own_attendance(student),
    }
    return render(request, "registration/status/student.html", context, status=400 if form.errors else 200)


@require_POST
@student_required
def status_proof(request, pk):
    change = selectors_leaving.status_change_get(user=request.user, pk=pk)
    if change is None or change.student.user_id != request.user.pk:
        raise Http404
    upload = request.FILES.get("proof")
    try:
        if upload is None:
            raise ValidationError(_("Choose the file to upload."))
        services.status_proof_add(change=change, user=request.user, proof=upload)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The proof is added to your application."))
    return redirect("status_mine")


# --- Staff ------------------------------------------------------------------------------------------------------


def _require_status_work(user) -> None:
    if not can_view_status_work(user):
        raise PermissionDenied


@require_safe
@staff_required
def status_queue(request):
    _require_status_work(request.user)
    context = {
        "changes": selectors_leaving.status_queue(user=request.user),
        "can_decide_withdrawal": can_decide_withdrawal(request.user),
    }
    return render(request, "registration/status/queue.html", context)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to reject)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def status_decide(request, pk):
    _require_status_work(request.user)
    change = selectors_leaving.status_change_get(user=request.user, pk=pk)
    if change is None:
        raise Http404
    may_decide = can_decide_status_step(request.user, change)
    form = DecideForm(request.POST if request.method == "POST" else None, initial={"version": change.version})
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.status_decide(
                    change=change,
                    user=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The decision is recorded."))
                return redirect("status_queue")
    context = {"change": change, "form": form, "may_decide": may_decide}
    return render(request, "registration/status/decide.html", context, status=400 if form.errors else 200)


class EmergencyForm(forms.Form):
    student_id = forms.CharField(label=gettext_lazy("Student ID"), max_length=20)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[
            (StatusCategory.SICK.value, StatusCategory.SICK.label),
            (StatusCategory.PERSONAL, StatusCategory.PERSONAL.label),
        ],
    )
    first_day = forms.DateField(label=gettext_lazy("From"), widget=DATE)
    last_day = forms.DateField(label=gettext_lazy("Until"), widget=DATE)
    reason = forms.CharField(label=gettext_lazy("Reason (as told orally)"), widget=forms.Textarea(attrs={"rows": 3}))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def status_emergency(request):
    _require_status_work(request.user)
    form = EmergencyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        student = Student.objects.visible_to(request.user).filter(student_id=form.cleaned_data["student_id"]).first()
        if student is None or not can_enter_status_for(request.user, student):
            form.add_error("student_id", _("No student with this ID among the students you can see."))
        elif _apply(request, form, student=student, emergency=True) is not None:
            messages.success(request, _("The emergency leave is entered; the student completes it with the proof."))
            return redirect("status_queue")
    return render(request, "registration/status/emergency.html", {"form": form}, status=400 if form.errors else 200)


class WithdrawalForm(forms.Form):
    student_id = forms.CharField(label=gettext_lazy("Student ID"), max_length=20)
    kind = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (StatusChangeKind.WITHDRAWAL.value, StatusChangeKind.WITHDRAWAL.label),
            (StatusChangeKind.DISMISSAL.value, StatusChangeKind.DISMISSAL.label),
        ],
    )
    effective_on = forms.DateField(label=gettext_lazy("Date of the decision"), widget=DATE)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def status_withdrawal(request):
    if not can_decide_withdrawal(request.user):
        raise PermissionDenied
    form = WithdrawalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        student = Student.objects.visible_to(request.user).filter(student_id=form.cleaned_data["student_id"]).first()
        if student is None:
            form.add_error("student_id", _("No student with this ID among the students you can see."))
        else:
            try:
                change = services.withdrawal_decide(
                    student=student,
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    effective_on=form.cleaned_data["effective_on"],
                    reason=form.cleaned_data["reason"],
                    language=translation.get_language() or "en",
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The decision is recorded and the notice is being prepared."))
                return redirect("document_detail", pk=change.notice_id)
    context = {
        "form": form,
        "flags": selectors_leaving.status_decision_list(user=request.user, today=timezone.localdate()),
    }
    return render(request, "registration/status/withdrawal.html", context, status=400 if form.errors else 200)


class KeepForm(forms.Form):
    student_id = forms.CharField(max_length=20, widget=forms.HiddenInput)
    code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    since = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Why is the student kept?"), max_length=2000)


@require_POST
@staff_required
def status_flag_keep(request):
    """The office keeps a student on a flag of the decision list, with the reason (Supplementary 32: a person
    decides); what was typed comes back with the error when it is refused."""
    if not can_decide_withdrawal(request.user):
        raise PermissionDenied
    form = KeepForm(request.POST)
    student = None
    if form.is_valid():
        student = Student.objects.visible_to(request.user).filter(student_id=form.cleaned_data["student_id"]).first()
        if student is None:
            raise Http404
        try:
            services.decision_flag_keep(
                user=request.user,
                student=student,
                code=form.cleaned_data["code"],
                since=form.cleaned_data["since"],
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The student is kept; the decision is recorded with its reason."))
            return redirect("status_withdrawal")
    context = {
        "form": WithdrawalForm(),
        "flags": selectors_leaving.status_decision_list(user=request.user, today=timezone.localdate()),
        "keep_form": form,
    }
    return render(request, "registration/status/withdrawal.html", context, status=400)


@require_safe
@staff_required
def status_timeline(request, student_id):
    _require_status_work(request.user)
    student = Student.objects.visible_to(request.user).filter(student_id=student_id).first()
    if student is None:
        raise Http404
    context = {"student": student, "timeline": selectors_leaving.status_timeline(student=student)}
    return render(request, "registration/status/timeline.html", context)
