"""Discipline cases, sanctions, hearings and appeals."""
