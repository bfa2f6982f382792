from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models import EvidenceKind
from portal.uploads import clean_evidence_file


class EvidenceFileField(forms.FileField):
    """A file field that checks type from content, size and integrity as part of form validation."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            # Keep the checked, re-encoded content so the service does not check it a second time.
            upload.portal_clean = clean_evidence_file(upload)
        return upload


class EvidenceUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=EvidenceKind.choices)
    file = EvidenceFileField(
        label=_("File (PDF, JPEG or PNG, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )


class EvidenceReplaceForm(forms.Form):
    file = EvidenceUploadForm.base_fields["file"]


class ReviewDecisionForm(forms.Form):
    """Approve, or reject with a reason the student reads; subclasses name what is rejected."""

    missing_reason = _("Say why the document is rejected, so the student can fix it.")

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason (required to reject; the student sees it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": self.missing_reason})
        return data


def add_service_errors(form, exc: ValidationError, *, renames: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: each field's errors on that field (a service field named
    differently on the form through `renames`, e.g. the upload service's "file" as the form's "proof"), the rest
    above the form, so the page shows every reason beside what the user typed."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        field = (renames or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)
