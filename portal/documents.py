"""Official PDFs. (Filled by the PDF work.)"""

DOCUMENT_BUILDERS: dict = {}
