"""Use cases: the operations of the product, shared by GraphQL, jobs and the CLI."""
