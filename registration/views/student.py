"""The student's semester registration form: an overview, one page per step, and the submission (GUIDE; NOTICE)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fees.selectors import remittance_status_for
from portal.decorators import student_required
from portal.models import Semester
from portal.services import ConflictError
from registration import rules, services
from registration.forms import STEP_FORMS, StepForm
from registration.models import FormStatus, ItemState, RegistrationForm

STEPS = [
    ("contacts", gettext_lazy("Contacts")),
    ("passport", gettext_lazy("Passport")),
    ("tuition", gettext_lazy("Tuition")),
    ("location", gettext_lazy("Location and insurance")),
    ("housing", gettext_lazy("Housing")),
    ("permit", gettext_lazy("Visa / residence permit")),
    ("agree", gettext_lazy("Regulations")),
]
STEP_LABELS = dict(STEPS)

# GUIDE (tuition step): remittance needs a remittance confirmation in fees/ first; the step says where it stands.
REMITTANCE_WORDS = {
    None: gettext_lazy("You have not filed a remittance confirmation. File one under Fees before choosing remittance."),
    "pending": gettext_lazy("Your remittance confirmation is waiting for the finance office."),
    "confirmed": gettext_lazy("Your remittance has been confirmed by the finance office."),
    "rejected": gettext_lazy("Your remittance confirmation was rejected; see Fees for the reason."),
}


def _registration_semester(now) -> Semester | None:
    """The semester whose registration the student sees.

    1. A window open now: that is the form the student can fill (the one closing soonest, if windows overlap).
    2. Otherwise the latest closed window of a semester that has not ended yet: its forms are still being
       reviewed and the student needs to see the decisions, even when the next window is already scheduled.
    3. Otherwise the next window to open, so the student sees the dates ahead.
    4. Otherwise the most recent closed window, read-only.
    """
    windows = Semester.objects.filter(preregistration_opens_at__isnull=False, preregistration_closes_at__isnull=False)
    open_now = Q(preregistration_opens_at__lte=now, preregistration_closes_at__gt=now)
    closed = Q(preregistration_closes_at__lte=now)
    return (
        windows.filter(open_now).order_by("preregistration_closes_at").first()
        or windows.filter(closed, ends_on__gte=timezone.localdate(now)).order_by("-preregistration_closes_at").first()
        or windows.filter(preregistration_opens_at__gt=now).order_by("preregistration_opens_at").first()
        or windows.filter(closed).order_by("-preregistration_closes_at").first()
    )


def _window_state(semester: Semester, now) -> rules.WindowState:
    return rules.preregistration_window_state(
        opens_at=semester.preregistration_opens_at, closes_at=semester.preregistration_closes_at, now=now
    )


def _student_form(request, semester: Semester, state: rules.WindowState) -> RegistrationForm | None:
    """The student's form; a draft is started only while the form can still be filled in."""
    student = request.user.student
    if state in (rules.WindowState.OPEN, rules.WindowState.NOT_YET_OPEN):
        return services.registration_form_for(student=student, semester=semester)
    return RegistrationForm.objects.filter(student=student, semester=semester).first()


def _read_only_reason(registration: RegistrationForm, state: rules.WindowState, step: str, items: dict) -> str:
    """Why this step cannot be changed now, or "" when it can (the same checks as the service, said up front)."""
    correcting_after_window = registration.status == FormStatus.RETURNED and services.registration_open_for_changes(
        form=registration
    )
    if state == rules.WindowState.NOT_YET_OPEN:
        return _("Online pre-registration has not opened yet; the form can only be read.")
    if state != rules.WindowState.OPEN and not correcting_after_window:
        return _("Online pre-registration is closed; the form can only be read.")
    if registration.status in (FormStatus.SUBMITTED, FormStatus.APPROVED):
        return _("The form has been submitted and is being reviewed; it cannot be changed now.")
    item = items.get(services.STEP_ITEM.get(step))
    if item is not None and item.state == ItemState.APPROVED:
        return _("This part of the form was approved and cannot be changed.")
    return ""


def _next_step(step: str, registration: RegistrationForm) -> str | None:
    slugs = [slug for slug, _label in STEPS]
    following = slugs[slugs.index(step) + 1 :]
    # Only students in China hold a residence permit (GUIDE step 6); the others go straight to the regulations.
    if not registration.in_china and "permit" in following:
        following.remove("permit")
    return following[0] if following else None


def _add_service_errors(form: StepForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        # The upload service names its field "file"; here that is the step's file field.
        if field == "file" and form.upload_field:
            field = form.upload_field
        form.add_error(field if field in form.fields else None, errors)


@require_safe
@student_required
def registration_overview(request):
    now = timezone.now()
    semester = _registration_semester(now)
    if semester is None:
        return render(request, "registration/student/overview.html", {"semester": None})
    state = _window_state(semester, now)
    registration = _student_form(request, semester, state)
    steps = []
    editable = can_submit = False
    if registration is not None:
        missing = services.registration_missing(registration)
        items = {item.kind: item for item in registration.items.all()}
        for slug, label in STEPS:
            if slug == "permit" and registration.location and not registration.in_china:
                continue
            steps.append(
                {
                    "slug": slug,
                    "label": label,
                    "missing": missing.get(slug, ""),
                    "item": items.get(services.STEP_ITEM.get(slug)),
                }
            )
        editable = services.registration_open_for_changes(form=registration)
        can_submit = editable and not missing
    context = {
        "semester": semester,
        "window_state": state,
        "registration": registration,
        "steps": steps,
        "editable": editable,
        "can_submit": can_submit,
        "visa_letter_available": registration is not None and services.visa_letter_available(registration),
    }
    return render(request, "registration/student/overview.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@student_required
def registration_step(request, step):
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        raise Http404
    now = timezone.now()
    semester = _registration_semester(now)
    if semester is None:
        messages.error(request, _("No registration is open at the moment."))
        return redirect("registration_overview")
    state = _window_state(semester, now)
    registration = _student_form(request, semester, state)
    if registration is None:
        messages.error(request, _("You did not fill in a registration form for this semester."))
        return redirect("registration_overview")
    items = {item.kind: item for item in registration.items.all()}
    read_only_reason = _read_only_reason(registration, state, step, items)
    status = 200
    if request.method == "POST" and not read_only_reason:
        form = form_class(request.POST, request.FILES, registration=registration)
        if form.is_valid():
            kind = form.upload_kind()
            upload = form.cleaned_data.get(form.upload_field) if form.upload_field else None
            uploads = [services.StepUpload(form.upload_field, kind, upload)] if kind and upload else []
            try:
                registration = services.registration_step_save(
                    form=registration,
                    step=step,
                    data=form.step_data(),
                    uploads=uploads,
                    user=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                messages.error(request, str(exc))
                return redirect("registration_overview")
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved: %(step)s.") % {"step": STEP_LABELS[step]})
                if step == "permit" and registration.permit_expires_on:
                    warning = rules.check_residence_permit(
                        expires_on=registration.permit_expires_on,
                        today=timezone.localdate(),
                        semester_ends_on=semester.ends_on,
                    )
                    if warning is not None:
                        # Handbook: Residence permit — apply for the extension at least 30 days before it expires.
                        messages.warning(
                            request,
                            _(
                                "Your residence permit expires on %(expires)s, before the semester ends. Apply for "
                                "the extension by %(by)s; the visa-extension letter is available once your form "
                                "is approved."
                            )
                            % {"expires": warning.expires_on, "by": warning.apply_for_extension_by},
                        )
                following = _next_step(step, registration)
                if following is None:
                    return redirect("registration_overview")
                return redirect("registration_step", step=following)
        status = 400
    else:
        form = form_class(registration=registration)
        if read_only_reason:
            form.make_read_only()
            # Refused, not ignored: the page says why nothing was saved.
            status = 400 if request.method == "POST" else 200
    context = {
        "semester": semester,
        "window_state": state,
        "registration": registration,
        "step": step,
        "step_label": STEP_LABELS[step],
        "steps": STEPS,
        "form": form,
        "read_only_reason": read_only_reason,
        "item": items.get(services.STEP_ITEM.get(step)),
        "missing": services.registration_missing(registration).get(step, ""),
    }
    if step == "tuition":
        remittance = remittance_status_for(student=registration.student, semester=semester)
        context.update(remittance=REMITTANCE_WORDS[remittance], remittance_confirmed=remittance == "confirmed")
    return render(request, "registration/student/step.html", context, status=status)


@require_POST
@student_required
def registration_submit(request):
    now = timezone.now()
    semester = _registration_semester(now)
    registration = None
    if semester is not None:
        registration = RegistrationForm.objects.filter(student=request.user.student, semester=semester).first()
    if registration is None:
        messages.error(request, _("There is no registration form to submit."))
        return redirect("registration_overview")
    try:
        services.registration_submit(form=registration, user=request.user, now=now)
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            messages.error(request, _("The form cannot be submitted yet. Still missing:"))
            for slug, errors in exc.error_dict.items():
                for error in errors:
                    messages.error(request, f"{STEP_LABELS.get(slug, slug)}: {' '.join(error.messages)}")
        else:
            for message in exc.messages:
                messages.error(request, message)
    else:
        messages.success(
            request, _("Your registration form was submitted. You will get a message when it has been reviewed.")
        )
    return redirect("registration_overview")


@require_POST
@student_required
def registration_visa_letter(request):
    semester = _registration_semester(timezone.now())
    registration = (
        RegistrationForm.objects.filter(student=request.user.student, semester=semester).first() if semester else None
    )
    if registration is None:
        messages.error(request, _("There is no approved registration form for this semester."))
        return redirect("registration_overview")
    try:
        document = services.visa_letter_request(form=registration, user=request.user, language=get_language())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("registration_overview")
    return redirect("document_detail", pk=document.pk)
