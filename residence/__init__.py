"""Passport, visa, residence permit and insurance records, their deadlines and reminders."""
