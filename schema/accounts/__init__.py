"""Accounts: users, tokens and the viewer."""
