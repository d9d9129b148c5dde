"""Custodiet: the gate every request for a resident's personal information passes, and
the record of what passed it."""

__version__ = "0.1.0"
