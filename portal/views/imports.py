"""Staff import of the admissions list. (Filled by the import work.)"""

from django.http import Http404


def student_import(request):
    raise Http404
