"""Django admin registrations of the registration app."""
