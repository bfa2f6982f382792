"""Django admin registrations of the scholarships app."""
