"""Courses, results, GPA, academic warnings and transcripts."""
