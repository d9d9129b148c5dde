"""The ledger page: the log's size and key, its signed checkpoints with the witnesses'
cosignatures, and the last verification, with a button that starts one.

The ledger is one log for the whole deployment, so the page is the same for every
agency's readers; it shows no entry's data, only sizes, hashes and signatures. The last
verification is whoever ran it (a person of any agency, or `custodiet ledger verify` from
cron), but who started another agency's, and that job's own page, stay with that agency.
Verifying reads the whole log, so it runs as a background job, never in a request.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from custodiet import jobs
from custodiet.accounts.access import require
from custodiet.accounts.models import Membership
from custodiet.jobs.models import Job, State
from custodiet.ledger import store
from custodiet.ledger.models import Checkpoint
from custodiet.web.pages import staff_page

# Nothing on these pages is looked up by id; the not-found page is the jobs' for symmetry
# with the job page the button leads to.
page = staff_page(not_found="jobs/not_found.html")
KIND = "ledger-verify"
CHECKPOINTS_PER_PAGE = 20
# A verification older than this is worth running again: the page says so.
FRESH_FOR = dt.timedelta(days=7)


@dataclass(frozen=True)
class Verification:
    """A verification job (finished or under way), as this reader may see it."""

    job: Job
    # Of the reader's own agency: who started it and its page may be shown.
    own: bool

    @property
    def by_command(self) -> bool:
        return self.job.agency_id is None

    @property
    def result(self) -> dict[str, Any]:
        return self.job.result or {}

    @property
    def problem(self) -> str:
        """What did not verify, in words that name the entry where it was found."""
        message = str(self.result.get("problem") or "")
        entry = self.result.get("entry")
        if entry is None or message.startswith(f"entry {entry}"):
            return message
        return f"at entry {entry}: {message}"


def _verification(job: Job | None, membership: Membership) -> Verification | None:
    if job is None:
        return None
    return Verification(job, own=job.agency_id == membership.agency_id)


def _checkpoint_row(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "size": checkpoint.size,
        "root": base64.b64encode(bytes(checkpoint.root)).decode(),
        "created_at": checkpoint.created_at,
        "cosignatures": list(checkpoint.cosignatures.all()),
        "note": store.cosigned_note(checkpoint),
    }


def _key() -> tuple[str, str]:
    """The log's origin and its verifier key; no key when this server holds none."""
    try:
        verifier = store.signer().verifier
    except store.LedgerError:
        latest = Checkpoint.objects.order_by("-size").values_list("note", flat=True).first()
        origin = latest.split("\n", 1)[0] if latest else settings.CUSTODIET_LOG_ORIGIN
        return origin, ""
    return verifier.name, verifier.vkey


@page
@require_safe
def ledger_page(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_read_ledger")
    size = store.size()
    paginator = Paginator(
        Checkpoint.objects.order_by("-size").prefetch_related("cosignatures"),
        CHECKPOINTS_PER_PAGE,
    )
    checkpoints = paginator.get_page(request.GET.get("page"))
    latest = Checkpoint.objects.order_by("-size").first()
    finished = Job.objects.filter(kind=KIND, state__in=[State.DONE, State.FAILED]).select_related(
        "started_by"
    )
    last = finished.order_by("-finished_at", "-id").first()
    completed = (
        last
        if last is not None and last.state == State.DONE
        else finished.filter(state=State.DONE).order_by("-finished_at", "-id").first()
    )
    origin, vkey = _key()
    return render(
        request,
        "ledger/ledger.html",
        {
            "nav": "ledger",
            "membership": membership,
            "origin": origin,
            "vkey": vkey,
            "size": size,
            "latest": latest,
            "unsigned": size - latest.size if latest else size,
            "page": checkpoints,
            "page_links": paginator.get_elided_page_range(
                checkpoints.number, on_each_side=1, on_ends=1
            ),
            "rows": [_checkpoint_row(checkpoint) for checkpoint in checkpoints],
            "last": _verification(last, membership),
            "completed": _verification(completed, membership),
            "stale": completed is None
            or completed.finished_at is None
            or timezone.now() - completed.finished_at > FRESH_FOR,
            "fresh_days": FRESH_FOR.days,
            "running": _verification(jobs.running(KIND), membership),
        },
    )


@page
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_verify_ledger")
    # One verification at a time: the log is the same whoever asks.
    under_way = jobs.running(KIND)
    if under_way is not None and under_way.agency_id == membership.agency_id:
        return redirect("job", under_way.pk)
    if under_way is not None:
        messages.info(
            request,
            "A verification started elsewhere is running now; its result will show here "
            "when it ends.",
        )
        return redirect("ledger")
    job = jobs.start(
        KIND, user=request.user, agency=membership.agency, args={"next_url": reverse("ledger")}
    )
    return redirect("job", job.pk)
