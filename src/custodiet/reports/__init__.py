"""The privacy officer's request log: its page with counts and a chart, and its exports."""
