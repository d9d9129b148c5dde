"""The agency directory's pages: everyone on staff reads it, the privacy officer edits it.

Thin adapters: check the role, bind the form, call `actions.save_agency`, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from custodiet.accounts.access import require
from custodiet.directory import actions
from custodiet.directory.current import current_directory
from custodiet.directory.forms import AgencyForm
from custodiet.directory.models import DirectoryChange
from custodiet.policy.facts.agencies import LEVELS, Agency
from custodiet.web import pages

PAGE_SIZE = 50
directory_page = pages.staff_page(not_found="directory/not_found.html")


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@directory_page
@require_safe
def agency_list(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_explore")
    directory = current_directory()
    query = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    immigration = request.GET.get("immigration", "")
    agencies = sorted(directory.agencies, key=lambda a: a.id)
    if query:
        needle = query.casefold()
        agencies = [
            a
            for a in agencies
            if needle in " ".join((a.id, a.name, *a.aliases, *a.acronyms, *a.oris)).casefold()
        ]
    if level in LEVELS:
        agencies = [a for a in agencies if a.level == level]
    if immigration in ("yes", "no"):
        agencies = [a for a in agencies if a.immigration == (immigration == "yes")]
    page = Paginator(agencies, PAGE_SIZE).get_page(request.GET.get("page"))
    changed = {c.agency_id for c in DirectoryChange.objects.only("agency_id")}
    context = {
        "nav": "directory",
        "page": page,
        "query": query,
        "level": level,
        "immigration": immigration,
        "levels": LEVELS,
        "changed": changed,
        "can_edit": membership.can_edit_directory,
        "total": len(directory.agencies),
    }
    return render(request, "directory/list.html", context)


def _agency(agency_id: str) -> Agency:
    agency = current_directory().get(agency_id)
    if agency is None:
        raise Http404(agency_id)
    return agency


@directory_page
@require_safe
def agency_detail(request: HttpRequest, agency_id: str) -> HttpResponse:
    membership = require(request.user, "can_explore")
    agency = _agency(agency_id)
    directory = current_directory()
    context = {
        "nav": "directory",
        "agency": agency,
        "parent": directory.get(agency.parent) if agency.parent else None,
        "components": [a for a in directory.agencies if a.parent == agency.id],
        "changes": DirectoryChange.objects.filter(agency_id=agency.id).order_by("-id"),
        "can_edit": membership.can_edit_directory,
    }
    return render(request, "directory/detail.html", context)


@directory_page
@require_http_methods(["GET", "HEAD", "POST"])
def agency_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "can_edit_directory")
    # Prefilled from the monitor's list of organizations the directory does not know.
    initial = {
        "name": request.GET.get("name", "")[:300],
        "oris": request.GET.get("ori", "")[:9].upper(),
    }
    form = AgencyForm(
        _posted(request), directory=current_directory(), editing=None, initial=initial
    )
    return _save(request, form, new=True)


@directory_page
@require_http_methods(["GET", "HEAD", "POST"])
def agency_edit(request: HttpRequest, agency_id: str) -> HttpResponse:
    require(request.user, "can_edit_directory")
    agency = _agency(agency_id)
    form = AgencyForm(
        _posted(request),
        directory=current_directory(),
        editing=agency,
        initial=AgencyForm.initial_for(agency),
    )
    return _save(request, form, new=False)


def _save(request: HttpRequest, form: AgencyForm, *, new: bool) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_agency(
                form.entry(),
                note=form.cleaned_data["note"],
                by=request.user.get_username(),
                new=new,
            )
        except actions.DirectoryError as error:
            form.show_directory_error(str(error))
        else:
            name = form.cleaned_data["name"]
            messages.success(
                request, f"{name} is {'added to' if new else 'saved in'} the directory."
            )
            return redirect("directory-agency", form.cleaned_data["id"])
    context = {
        "nav": "directory",
        "form": form,
        "agency": form.editing,
        "errors": form.error_summary() if form.is_bound else [],
    }
    return render(request, "directory/form.html", context)
