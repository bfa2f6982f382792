"""Generated documents: request, progress, download; batch printing for staff. (Filled by the PDF work.)"""

from django.http import Http404


def _pending(request, *args, **kwargs):
    raise Http404


document_list = enrolment_certificate_request = document_detail = document_status = document_download = _pending
batch_print = _pending
