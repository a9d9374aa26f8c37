"""Output analysis: pure functions on tidy tables (survival estimates, queue stability, statistics)."""
