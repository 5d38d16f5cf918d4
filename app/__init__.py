"""Cadenza: release orchestration as a GraphQL API."""
