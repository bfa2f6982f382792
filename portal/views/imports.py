"""Staff import of the admissions list: upload a CSV, see what was created, updated and rejected."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal import imports, permissions
from portal.decorators import staff_required
from portal.models import School


class AdmissionsUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Admissions list (CSV, UTF-8)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file; import nothing"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before a byte is read; the service checks the size again for the command line.
        if upload.size > imports.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s; split it into smaller files.")
                % {"size": filesizeformat(imports.MAX_FILE_BYTES)}
            )
        return upload


def import_page_context(form: AdmissionsUploadForm, result: imports.ImportResult | None) -> dict:
    """What the import page shows; shared by the staff page and the admin page."""
    return {
        "form": form,
        "result": result,
        "columns": imports.column_help(),
        "schools": School.objects.order_by("code"),
        "max_rows": imports.MAX_ROWS,
        "max_size": imports.MAX_FILE_BYTES,
    }


def handle_import_upload(request) -> tuple[AdmissionsUploadForm, imports.ImportResult | None]:
    """Validate the upload and run the import; a problem with the whole file becomes a form error."""
    form = AdmissionsUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.admissions_import(
                source=form.cleaned_data["file"], actor=request.user, dry_run=form.cleaned_data["dry_run"]
            )
        except imports.AdmissionsFileError as exc:
            form.add_error("file", str(exc))
        else:
            _report(request, result)
    return form, result


def _report(request, result: imports.ImportResult) -> None:
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    if result.dry_run:
        summary = (
            _(
                "Check only, nothing was imported. Would be created: %(created)s, updated: %(updated)s, "
                "unchanged: %(unchanged)s."
            )
            % counts
        )
    else:
        summary = _("Created: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s.") % counts
    if not result.errors:
        messages.success(request, summary)
        return
    rejected = ngettext(
        "%(n)s row was rejected; see the list below.", "%(n)s rows were rejected; see the list below.", result.rejected
    ) % {"n": result.rejected}
    messages.warning(request, f"{summary} {rejected}")


@staff_required
def student_import(request):
    if not permissions.can_import_students(request.user):
        raise PermissionDenied
    if request.method == "GET" and request.GET.get("download") == "template":
        # An empty list with the right header; the BOM makes Excel open it as UTF-8.
        response = HttpResponse(imports.admissions_csv([], bom=True), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="admissions-list-template.csv"'
        return response
    form, result = handle_import_upload(request)
    return render(request, "portal/staff_import.html", import_page_context(form, result))
