"""GraphQL face of release groups."""
