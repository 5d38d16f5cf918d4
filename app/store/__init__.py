"""Persistence: one module per collection over a small collection interface."""
