"""The pure domain: no I/O, no GraphQL, no driver imports."""
