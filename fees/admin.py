"""Django admin registrations of the fees app."""
