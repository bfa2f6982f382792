"""Django admin registrations of the dormitory app."""
