"""The reports' background job: building a period's bundle from the web page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from custodiet.jobs.launch import Run
from custodiet.reports.actions import build_report
from custodiet.reports.recount import Period


def build(run: Run) -> dict[str, Any]:
    period = Period.parse(run.args["period"])
    report = build_report(
        run.job.agency,
        period,
        by=run.job.started_by,
        progress=lambda done, total, label: run.progress(done, total, label),
    )
    witnessed = "" if report.witnessed else " Its checkpoint carries no witness's cosignature."
    return {
        "report": report.pk,
        "url": reverse("report", args=[report.pk]),
        "link_text": f"Open the report for {period.label}",
        "summary": (
            f"{period.label}: {report.requests} reportable requests, "
            f"{report.exceptions} exception(s), log size {report.log_size}.{witnessed}"
        ),
    }
