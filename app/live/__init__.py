"""Live events: the bus that carries stored events to subscribers, and the subscriptions."""
