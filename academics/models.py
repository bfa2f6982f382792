"""Models of the academics app; the domain issue (#7) fills this module.

The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""
