"""The annual Chinese Government Scholarship review."""
