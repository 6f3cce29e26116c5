"""Time-driven work: the ticker (APScheduler, in memory) and the notification dispatcher it drives."""
