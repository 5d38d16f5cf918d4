"""Executors: what running one activity of each kind means, free of releases and stores."""
