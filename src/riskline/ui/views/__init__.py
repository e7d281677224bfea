"""Console views, one router per area."""
