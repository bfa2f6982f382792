"""Models of the residence app; the domain issue (#5) fills this module.

The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""
