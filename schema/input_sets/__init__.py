"""The input store: input set types, queries and mutations."""
