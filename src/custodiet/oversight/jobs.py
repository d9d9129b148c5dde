"""The office's background job: checking a received bundle (`custodiet job run ID`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from custodiet.jobs.launch import Run
from custodiet.oversight import actions
from custodiet.oversight.models import Receipt


def receive(run: Run) -> dict[str, Any]:
    receipt = Receipt.objects.get(job_id=run.job.pk)
    verdict = actions.check(receipt, Path(run.args["path"]), progress=run.progress)
    if verdict.accepted:
        summary = f"Accepted: {verdict.agency}'s report for {verdict.period} is kept."
    elif verdict.error:
        summary = f"Refused, nothing was kept: {verdict.error}"
    else:
        summary = f"Refused, nothing was kept: {', '.join(verdict.failed)} failed."
    return {
        "receipt": receipt.pk,
        "accepted": verdict.accepted,
        "url": reverse("oversight-receipt", args=[receipt.pk]),
        "summary": summary,
    }
