"""Releases: types, queries, mutations, preview and review."""
