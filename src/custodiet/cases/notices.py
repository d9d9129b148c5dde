"""The email that tells the clerk who took a case in that it has moved on.

Sent once the step has committed: a mail server that is down never undoes an approval,
and a notice about a step that rolled back is never sent. A notice that fails is logged
and the step stands; the case page and the queue still show the clerk their turn.

The email names the case and links to it, and nothing more: no subject's name, no
records, no reason, so that a mailbox read by others learns nothing about anyone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from custodiet.cases.models import Case

log = logging.getLogger(__name__)

# What happened, as a subject line's first words and the body's first sentence.
NEWS = {
    "approved": ("Approved", "was approved for release by a supervisor"),
    "sent_back": ("Sent back", "was sent back by a supervisor"),
    "counsel_released": ("Counsel released", "was decided by counsel: release"),
    "counsel_refused": ("Counsel refused", "was decided by counsel: refuse"),
}


def tell_the_clerk(case: Case, news: str, *, by: object) -> None:
    """Email the person who took the case in, once the current transaction commits."""
    clerk = case.taken_in_by
    if clerk is None or clerk == by or not clerk.is_active or not clerk.email:
        return
    public_id = case.request.public_id
    address = clerk.email
    transaction.on_commit(lambda: _send(public_id, news, address))


def _send(public_id: str, news: str, address: str) -> None:
    heading, sentence = NEWS[news]
    link = settings.CUSTODIET_BASE_URL.rstrip("/") + reverse("case", args=[public_id])
    try:
        send_mail(
            subject=f"{heading}: request {public_id}",
            message=(
                f"Request {public_id}, which you took in, {sentence}.\n\n"
                f"Open the case to see its next step:\n{link}\n"
            ),
            from_email=None,
            recipient_list=[address],
        )
    except Exception:
        # Any backend's failure (SMTP, a refused address, a timeout) must leave the step
        # recorded; the log is where an operator learns the notice did not go.
        log.exception("could not email the notice %r about request %s", news, public_id)
