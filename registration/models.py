"""Models of the registration app; the domain issue (#4 and 8) fills this module.

The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""
