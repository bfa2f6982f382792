"""Semester registration, onsite check-in, leave, suspension, withdrawal and leaving-school clearance."""
