"""The request record: every request received, every decision on it, every step as an event."""
