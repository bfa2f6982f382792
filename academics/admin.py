"""Django admin registrations of the academics app."""
