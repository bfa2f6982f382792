"""Models of the fees app; the domain issue (#6) fills this module.

The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""
