"""Reminders a scheduler sends: overdue approvals, expiring certifications, unanswered notices.

`due` finds what is due on a day, `actions` sends one reminder and records it, and the
`custodiet reminders` command runs both. Each reminder is recorded once, under a key that
names what it is about and which reminder of its series it is, so running twice sends
nothing twice.
"""
