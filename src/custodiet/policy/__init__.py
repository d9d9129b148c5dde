"""The policy engine: plain Python, no Django, so it runs and is tested without a database."""
