"""Models of the discipline app; the domain issue (#later issues) fills this module.

The shared kernel (Student, School, Semester, Evidence and its review) lives in portal.models.
"""
