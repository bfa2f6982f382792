"""Django admin registrations of the residence app."""
