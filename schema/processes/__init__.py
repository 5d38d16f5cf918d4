"""Processes: blueprint types, queries and mutations."""
