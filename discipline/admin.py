"""Django admin registrations of the discipline app."""
