"""Leaving-school pages: the student's checklist, each office's queue and sign-off, the leaving-school windows,
the overdue leavers, the Leaving School Form (one, or in batch for admins) and its public verification page.

Handbook: Leaving the University 1-5; LEAVING 2-4.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.decorators import staff_required, student_required
from portal.models import School, Student
from portal.services import ConflictError
from registration import rules, selectors_leaving, services
from registration.models import Clearance, ClearanceKind, LeavingReason
from registration.permissions import (
    can_manage_clearance_windows,
    can_open_clearance,
    can_print_leaving_batches,
    can_sign_clearance_item,
    can_use_clearance_queue,
)
from registration.services.clearance import LEAVING_BATCH_MAX


def _language() -> str:
    return translation.get_language() or "en"


def _verify_base(request) -> str:
    return request.build_absolute_uri("/")


def _message(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


# --- The student ------------------------------------------------------------------------------------------------


def _student_context(request) -> dict:
    today = timezone.localdate()
    clearance = selectors_leaving.clearance_of_student(user=request.user)
    window = services.clearance_window_today(today=today)
    open_now = services.clearance_system_open(today=today)
    items = list(clearance.items.all()) if clearance else []
    library = next((item for item in items if item.kind == ClearanceKind.LIBRARY), None)
    return {
        "clearance": clearance,
        "items": items,
        "window": window,
        "open_now": open_now,
        "library_online": bool(
            library
            and not library.is_done
            and open_now
            and rules.library_online_allowed(owed=library.owed, books_out=library.books_out)
        ),
        "printable": bool(clearance and clearance.is_complete),
        "overdue": bool(clearance and not clearance.is_complete and clearance.move_out_by < today),
    }


@require_safe
@student_required
def clearance_mine(request):
    return render(request, "registration/clearance/student.html", _student_context(request))


@require_POST
@student_required
def clearance_library_online(request):
    context = _student_context(request)
    library = next((item for item in context["items"] if item.kind == ClearanceKind.LIBRARY), None)
    if library is None:
        raise Http404
    try:
        services.clearance_library_online(item=library, user=request.user, today=timezone.localdate(), request=request)
    except (ValidationError, ConflictError) as exc:
        messages.error(request, _message(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Your library card is cancelled."))
    return redirect("clearance_mine")


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def leaving_form_print(request):
    """The print button's target. Before every item is done the page refuses with the reason (403)."""
    clearance = selectors_leaving.clearance_of_student(user=request.user)
    refusal = services.leaving_form_refusal(clearance)
    if not refusal and not services.clearance_system_open(today=timezone.localdate()):
        refusal = _("The leaving-school system is closed now; see the dates on your checklist page.")
    if refusal:
        return render(request, "registration/clearance/print_refused.html", {"refusal": refusal}, status=403)
    if request.method != "POST":
        return render(request, "registration/clearance/print_confirm.html", {"clearance": clearance})
    try:
        document = services.leaving_form_request(
            clearance=clearance, user=request.user, verify_base=_verify_base(request), language=_language()
        )
    except ValidationError as exc:
        return render(request, "registration/clearance/print_refused.html", {"refusal": _message(exc)}, status=403)
    return redirect("document_detail", pk=document.pk)


# --- Offices ----------------------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Item"), required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("open", gettext_lazy("Still open")), ("done", gettext_lazy("Done"))],
    )
    q = forms.CharField(label=gettext_lazy("Student ID or name"), required=False, max_length=100)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", gettext_lazy("All my items"))] + [
            (kind.value, kind.label) for kind in ClearanceKind if kind.value in kinds
        ]


def _require_queue(user) -> None:
    if not can_use_clearance_queue(user):
        raise PermissionDenied


@require_safe
@staff_required
def clearance_queue(request):
    _require_queue(request.user)
    from registration.permissions import clearance_signing_kinds

    kinds = clearance_signing_kinds(request.user)
    filters = QueueFilterForm(request.GET or None, kinds=kinds)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    items = selectors_leaving.clearance_queue(
        user=request.user, kind=data.get("kind", ""), done=data.get("state") == "done", q=data.get("q", "")
    )
    context = {
        "filters": filters,
        "page": Paginator(items, 50).get_page(request.GET.get("page")),
        "can_open": can_open_clearance(request.user),
        "can_windows": can_manage_clearance_windows(request.user),
        "can_batch": can_print_leaving_batches(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "registration/clearance/queue.html", context)


@require_safe
@staff_required
def clearance_list(request):
    _require_queue(request.user)
    q = request.GET.get("q", "")[:100]
    complete = request.GET.get("complete", "")
    clearances = selectors_leaving.clearance_list(user=request.user, q=q, complete=complete)
    context = {"page": Paginator(clearances, 50).get_page(request.GET.get("page")), "q": q, "complete": complete}
    return render(request, "registration/clearance/list.html", context)


@require_safe
@staff_required
def clearance_overdue(request):
    _require_queue(request.user)
    today = timezone.localdate()
    clearances = selectors_leaving.clearance_overdue(user=request.user, today=today)
    context = {"page": Paginator(clearances, 50).get_page(request.GET.get("page")), "today": today}
    return render(request, "registration/clearance/overdue.html", context)


@require_safe
@staff_required
def clearance_detail(request, pk):
    _require_queue(request.user)
    clearance = selectors_leaving.clearance_get(user=request.user, pk=pk)
    if clearance is None:
        raise Http404
    items = [
        {"item": item, "can_sign": not item.is_done and can_sign_clearance_item(request.user, item)}
        for item in clearance.items.all()
    ]
    return render(request, "registration/clearance/detail.html", {"clearance": clearance, "items": items})


def _own_item(request, pk):
    """The one access-checked lookup of the sign-off actions: 404 outside the user's scope, 403 not their item."""
    _require_queue(request.user)
    item = selectors_leaving.clearance_item_get(user=request.user, pk=pk)
    if item is None:
        raise Http404
    if not can_sign_clearance_item(request.user, item):
        raise PermissionDenied
    return item


@require_POST
@staff_required
def clearance_item_sign(request, pk):
    item = _own_item(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.clearance_item_sign(
            item=item, user=request.user, note=request.POST.get("note", ""), version=version, request=request
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(item)s signed off for %(student)s.")
            % {"item": item.get_kind_display(), "student": item.clearance.student.student_id},
        )
    # Signed from the office's queue: back to the queue; from the student's clearance page: back there.
    if request.POST.get("next") == "queue":
        return redirect("clearance_queue")
    return redirect("clearance_detail", item.clearance_id)


@require_POST
@staff_required
def clearance_item_needs(request, pk):
    item = _own_item(request, pk)
    try:
        owed = Decimal(request.POST.get("owed") or "0")
        books_out = int(request.POST.get("books_out") or "0")
    except (InvalidOperation, ValueError):
        messages.error(request, _("Enter the amount owed and the number of books as numbers."))
        return redirect("clearance_detail", item.clearance_id)
    try:
        services.clearance_item_needs(
            item=item, user=request.user, needs=request.POST.get("needs", ""), owed=owed, books_out=books_out
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved: the student sees what is still needed."))
    return redirect("clearance_detail", item.clearance_id)


# A June season opens hundreds of clearances at once; past this many the office splits the list.
OPEN_MANY_MAX = 1000


class ClearanceOpenForm(forms.Form):
    student_ids = forms.CharField(
        label=gettext_lazy("Student IDs"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text=gettext_lazy("One student ID per line (or separated by commas): a whole graduating class at once."),
    )
    reason = forms.ChoiceField(label=gettext_lazy("Reason for leaving"), choices=LeavingReason.choices)
    effective_on = forms.DateField(
        label=gettext_lazy("Leaving or notice date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    housing = forms.ChoiceField(
        label=gettext_lazy("Housing"),
        choices=[
            ("", gettext_lazy("As in the latest registration form")),
            ("on", gettext_lazy("On campus (dormitory keys to return)")),
            ("off", gettext_lazy("Off campus")),
        ],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_student_ids(self) -> list[Student]:
        import re

        ids = list(dict.fromkeys(v[:20] for v in re.split(r"[\s,;]+", self.cleaned_data["student_ids"]) if v))
        if not ids:
            raise forms.ValidationError(_("Enter at least one student ID."))
        if len(ids) > OPEN_MANY_MAX:
            raise forms.ValidationError(_("At most %(max)d students at once.") % {"max": OPEN_MANY_MAX})
        found = {s.student_id: s for s in Student.objects.visible_to(self.user).filter(student_id__in=ids)}
        missing = [value for value in ids if value not in found]
        if missing:
            raise forms.ValidationError(
                _("Not found among the students you can see: %(ids)s") % {"ids": ", ".join(missing[:50])}
            )
        return [found[value] for value in ids]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def clearance_open(request):
    if not can_open_clearance(request.user):
        raise PermissionDenied
    form = ClearanceOpenForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        housing = form.cleaned_data["housing"]
        opened, already = [], []
        for student in form.cleaned_data["student_ids"]:
            try:
                opened.append(
                    services.clearance_open(
                        student=student,
                        reason=form.cleaned_data["reason"],
                        effective_on=form.cleaned_data["effective_on"],
                        actor=request.user,
                        on_campus={"on": True, "off": False}.get(housing),
                        request=request,
                    )
                )
            except ConflictError:
                already.append(student.student_id)
        if already:
            messages.warning(
                request,
                _("Already in a leaving-school procedure, left as they are: %(ids)s")
                % {"ids": ", ".join(already[:50])},
            )
        if len(opened) == 1:
            messages.success(request, _("The leaving-school clearance is open."))
            return redirect("clearance_detail", opened[0].pk)
        messages.success(request, _("%(count)d leaving-school clearances are open.") % {"count": len(opened)})
        return redirect("clearance_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/clearance/open.html", {"form": form}, status=status)


class WindowForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    opens_on = forms.DateField(label=gettext_lazy("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=gettext_lazy("Closes on"), widget=forms.DateInput(attrs={"type": "date"}))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def clearance_windows(request):
    if not can_manage_clearance_windows(request.user):
        raise PermissionDenied
    form = WindowForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.clearance_window_save(user=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("closes_on", _message(exc))
        else:
            messages.success(request, _("The leaving-school window is saved."))
            return redirect("clearance_windows")
    from registration.models import ClearanceWindow

    context = {"form": form, "windows": ClearanceWindow.objects.all()[:50]}
    return render(request, "registration/clearance/windows.html", context, status=400 if form.errors else 200)


class BatchForm(forms.Form):
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=School.objects.order_by("code"), required=False
    )
    graduation_year = forms.IntegerField(label=gettext_lazy("Graduation year"), required=False, min_value=1990)
    student_ids = forms.CharField(
        label=gettext_lazy("Student IDs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy("One student ID per line (or separated by commas)."),
    )

    def clean_student_ids(self) -> list[str]:
        import re

        return list(dict.fromkeys(v[:20] for v in re.split(r"[\s,;]+", self.cleaned_data["student_ids"]) if v))

    def clean(self):
        data = super().clean()
        if not (data.get("school") or data.get("graduation_year") or data.get("student_ids")):
            raise forms.ValidationError(_("Choose a school, a graduation year or paste student IDs."))
        return data


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def leaving_form_batch(request):
    if not can_print_leaving_batches(request.user):
        raise PermissionDenied
    form = BatchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        clearances = selectors_leaving.clearances_for_batch(
            user=request.user,
            school_id=data["school"].pk if data["school"] else None,
            graduation_year=data["graduation_year"],
            student_ids=data["student_ids"],
        )
        ids = list(clearances.values_list("pk", flat=True)[: LEAVING_BATCH_MAX + 1])
        try:
            document = services.leaving_form_batch_request(
                user=request.user,
                clearance_ids=ids,
                verify_base=_verify_base(request),
                language=_language(),
                title=_("Leaving School Forms: %(count)d students") % {"count": len(ids)},
            )
        except ValidationError as exc:
            form.add_error(None, _message(exc))
        else:
            return redirect("document_detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/clearance/batch.html", {"form": form}, status=status)


# --- Public -----------------------------------------------------------------------------------------------------


@require_safe
def clearance_verify(request, number):
    """Anyone holding a printed form can check it: the number exists and every item was done (no login needed)."""
    clearance = (
        Clearance.objects.select_related("student__school")
        .filter(verification_number=number[:20], completed_at__isnull=False)
        .first()
    )
    return render(
        request,
        "registration/clearance/verify.html",
        {"clearance": clearance, "number": number[:20]},
        status=200 if clearance else 404,
    )
