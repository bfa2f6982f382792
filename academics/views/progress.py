"""Progress and graduation pages: the student's own, a student's for staff with the decisions on the flags the rules
raise, and the list of flagged students (Academic Rules 15, 35-41; Supplementary 32). Thin: one access-checked
lookup, one selector, one service."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from academics import permissions, rules, selectors, services
from academics.forms import SchoolFilterForm
from academics.models import DecisionOutcome
from academics.views.results import _add_errors
from portal.decorators import staff_required, student_required
from portal.services import ConflictError


class AcademicDecisionForm(forms.Form):
    """A decision on one flag, named by its kind and period (hidden: the page shows which flag it is)."""

    kind = forms.CharField(widget=forms.HiddenInput, max_length=30)
    period = forms.CharField(widget=forms.HiddenInput, max_length=20)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=DecisionOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept with the decision; the student reads it with an academic warning."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered are only the decisions this flag allows (Supplementary 32); a posted other one is refused by the
        # service with its reason, so the choices stay complete on a bound form.
        kind = self.initial.get("kind")
        if not self.is_bound and kind:
            try:
                allowed = rules.decisions_allowed(kind)
            except ValueError:
                return
            self.fields["outcome"].choices = [(v, label) for v, label in DecisionOutcome.choices if v in allowed]
            if len(allowed) == 1:
                self.initial["outcome"] = next(iter(allowed))


@require_safe
@student_required
def my_progress(request):
    progress = selectors.student_progress(student=request.user.student, today=timezone.localdate())
    return render(request, "academics/student/progress.html", {"p": progress})


def _viewable_student(request, student_id):
    if not permissions.can_view_records(request.user):
        raise PermissionDenied
    student = selectors.student_get(user=request.user, student_id=student_id)
    if student is None:
        raise Http404
    return student


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def student_progress(request, student_id):
    student = _viewable_student(request, student_id)
    today = timezone.localdate()
    posted, status = None, 200
    if request.method == "POST":
        posted, status = AcademicDecisionForm(request.POST), 400
        if posted.is_valid():
            values = posted.cleaned_data
            try:
                services.academic_decision_record(
                    student=student,
                    kind=values["kind"],
                    period=values["period"],
                    outcome=values["outcome"],
                    reason=values["reason"],
                    actor=request.user,
                    today=today,
                    request=request,
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect(reverse("academics_student_progress", args=[student.student_id]) + "#flags")
            except ValidationError as exc:
                _add_errors(posted, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect(reverse("academics_student_progress", args=[student.student_id]) + "#flags")
    progress = selectors.student_progress(student=student, today=today)
    rows, matched = [], False
    for row in progress.flags:
        form = None
        if not row.decided:
            key = (row.flag.kind, row.flag.period)
            if posted is not None and (posted.data.get("kind"), posted.data.get("period")) == key:
                form, matched = posted, True
            else:
                form = AcademicDecisionForm(initial={"kind": row.flag.kind, "period": row.flag.period})
        rows.append((row, form))
    context = {
        "p": progress,
        "rows": rows,
        # A decision posted for a flag the page no longer shows (decided meanwhile, or never raised): say so on top.
        "unmatched": posted if posted is not None and not matched else None,
    }
    return render(request, "academics/staff/progress.html", context, status=status)


@require_safe
@staff_required
def academic_flag_list(request):
    if not permissions.can_view_records(request.user):
        raise PermissionDenied
    filters = SchoolFilterForm(request.GET or None, user=request.user)
    school = filters.cleaned_data.get("school") if filters.is_valid() else None
    waiting_only = request.GET.get("show") != "all"
    rows = selectors.academic_flags(
        user=request.user,
        today=timezone.localdate(),
        school_id=school.pk if school else None,
        undecided_only=waiting_only,
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "waiting_only": waiting_only}
    return render(request, "academics/staff/academic_warnings.html", context)
