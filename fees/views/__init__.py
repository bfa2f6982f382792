"""Pages of the fees app: the student's account (student.py) and the finance office's work (finance.py)."""
