"""A job's page: how far it has got, and how it ended. It reloads its figures by itself
(a small script polls the status); without the script, the page says to reload."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from custodiet.accounts.access import membership_of
from custodiet.jobs.kinds import KINDS
from custodiet.jobs.models import Job
from custodiet.web.pages import staff_page

page = staff_page(not_found="jobs/not_found.html")


def job_for(request: HttpRequest, job_id: int) -> Job:
    """The job, if it is of the person's agency and their role may follow its kind."""
    membership = membership_of(request.user)
    job = Job.objects.select_related("agency", "started_by").filter(pk=job_id).first()
    kind = KINDS.get(job.kind) if job is not None else None
    if (
        job is None
        or kind is None
        or job.agency_id != membership.agency_id
        or not getattr(membership, kind.capability, False)
    ):
        raise Http404("no such job")
    return job


def status(job: Job) -> dict[str, object]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "state_display": job.get_state_display(),
        "stalled": job.stalled,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "label": job.label,
        "error": job.error,
        "finished": job.finished,
    }


@page
@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for(request, job_id)
    return render(
        request,
        "jobs/job.html",
        {"job": job, "title": KINDS[job.kind].title, "next": job.args.get("next_url", "")},
    )


@page
@require_GET
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(status(job_for(request, job_id)))
