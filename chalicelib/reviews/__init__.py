"""Reviews: the daily check, the weekly, monthly and quarterly process evaluation (pure figures and
suggestions apart from loading), digests, stored runs and metrics."""
