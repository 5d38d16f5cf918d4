"""HTTP surface: GraphQL over HTTP, GraphiQL, health checks."""
