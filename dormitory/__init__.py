"""Rooms, dormitory requests, permits and off-campus dwelling."""
