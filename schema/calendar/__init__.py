"""GraphQL face of the release calendar."""
