"""Pages of semester registration: the student's form (student.py) and the office's review (staff.py)."""
