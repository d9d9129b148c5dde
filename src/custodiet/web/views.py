"""The staff pages: the decision explorer, the rules in force, and a health check.

Thin adapters: read the form, call the policy engine, render. The explorer stores
nothing and logs nothing; it is for counsel and trainers to see how the rules decide, not
a way to answer a real request (that is a case, and every case is ledgered). The case
pages show a recorded decision with the same words (`present_decision`).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from custodiet.accounts.access import require
from custodiet.accounts.ratelimit import limit_uploads
from custodiet.directory.current import current_directory
from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import FACTS, Settings
from custodiet.policy.model import Decision, RequestError, parse_request
from custodiet.policy.packs import LATE_FACTS, Pack, Rule, get_pack
from custodiet.web.examples import all_examples, get_example
from custodiet.web.forms import (
    ExplorerForm,
    PolicyDateForm,
    initial_from_contract,
    vocabulary_label,
)

# How each outcome is said to a person: the alert's colour, its heading and what to do.
OUTCOMES = {
    "refuse": {
        "alert": "error",
        "heading": "Refuse",
        "lead": "Disclosure is not permitted. Send the refusal letter; release nothing.",
    },
    "legal_review": {
        "alert": "warning",
        "heading": "Counsel must review",
        "lead": "The system cannot decide this request alone. Send it to counsel; "
        "release nothing until counsel decides.",
    },
    "eligible": {
        "alert": "success",
        "heading": "Eligible for release once the obligations are met",
        "lead": "The records below may be released, but only after every obligation listed is met.",
    },
}
OBLIGATIONS = {
    "log_request": "Enter the request in the agency's request log, whatever the outcome.",
    "supervisor_notice": "Tell a supervisor before anything is released.",
    "use_restriction_notice": "Send with the release the notice that the data may be used only "
    "for criminal investigations, not immigration enforcement.",
    "verify_certification": "Check the requester's C.R.S. 24-74-105 certification in the "
    "registry before giving access.",
    "notify_subject": "Tell the person whose records were requested.",
    "verify_identity": "Check the requester's identity: they say they are the person whose "
    "record this is.",
    "governor_review": "Send the subpoena to the Governor's office for review before any answer.",
    "record_officer": "Record the lead officer's name, agency and badge number, and keep a copy "
    "of the process.",
}


def _pack() -> Pack:
    return get_pack(settings.CUSTODIET_POLICY_PACK)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # Staff who work cases start the day at their queue, the Governor's office at the
    # reports it received, the administrator at the administration; everyone else at the
    # explorer. A partner system's account and one of no agency have no page: they land on
    # one that says so and what to do, since their sign-in worked and a refusal would read
    # as a fault.
    membership = getattr(request.user, "membership", None)
    if membership is None or membership.can_submit_by_api:
        return render(request, "web/account_home.html", {"partner": membership is not None})
    if membership.can_see_cases:
        return redirect("cases")
    if membership.can_oversee:
        return redirect("oversight")
    if membership.can_administer:
        return redirect("administration")
    return redirect("explorer")


@login_required
@limit_uploads
@require_http_methods(["GET", "HEAD", "POST"])
def explorer(request: HttpRequest) -> HttpResponse:
    require(request.user, "can_explore")
    example = None
    result = None
    comparison = None
    if request.method == "POST":
        form = ExplorerForm(request.POST, request.FILES)
        if form.is_valid():
            contract = form.contract()
            try:
                parsed = parse_request(contract)
            except RequestError as error:
                form.add_contract_problems(error.problems)
            else:
                pack = _pack()
                decision = decide(
                    parsed,
                    pack,
                    as_of=form.cleaned_data["as_of"],
                    settings=Settings.from_env(),
                    directory=current_directory(),
                    explain=True,
                )
                result = present_decision(decision, contract, pack)
                other = form.cleaned_data.get("compare_with")
                if other:
                    comparison = _compare(parsed, contract, pack, get_pack(other), form)
    else:
        slug = request.GET.get("example")
        example = get_example(slug) if slug else None
        if slug and example is None:
            raise Http404("No example by that name.")
        form = ExplorerForm(initial=initial_from_contract(example.request) if example else None)
    context = {
        "nav": "explorer",
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
        "result": result,
        "comparison": comparison,
        "example": example,
        "example_outcome": OUTCOMES[example.outcome]["heading"] if example else None,
        "examples": all_examples(),
    }
    return render(request, "web/explorer.html", context)


def _compare(
    parsed: Any, contract: Any, pack: Pack, other: Pack, form: ExplorerForm
) -> list[dict[str, Any]]:
    """The request decided under the deployment's pack and under another, for a table of
    the two side by side: what each decides, on which provision, and what it obliges."""
    columns = []
    for each in (pack, other):
        decision = decide(
            parsed,
            each,
            as_of=form.cleaned_data["as_of"],
            settings=Settings.from_env(),
            directory=current_directory(),
        )
        shown = present_decision(decision, contract, each)
        received_on = decision.policy.as_of
        duty = each.notice_on(received_on) if "notify_subject" in decision.obligations else None
        columns.append(
            {
                "pack": each,
                "result": shown,
                "notice": (
                    f"within {duty.period} ({duty.citation}), by "
                    f"{each.notice_due(received_on, settings.CUSTODIET_CLOSING_DAYS):%B %-d, %Y}"
                    if duty is not None
                    else ""
                ),
            }
        )
    return columns


def present_decision(decision: Decision, contract: Any, pack: Pack) -> dict[str, Any]:
    """What `web/_decision.html` shows, with every code also said in words."""
    # A fact with no reason of its own is explained by its definition, which the page sets
    # apart; terms explain themselves in the polarity they hold.
    definitions = dict(FACTS)
    return {
        "decision": decision,
        "outcome": OUTCOMES[decision.outcome],
        "reasons": [
            {"reason": reason, "effect": vocabulary_label(reason.effect, "effect")}
            for reason in decision.reasons
        ],
        "also_considered": [
            {"reason": reason, "effect": vocabulary_label(reason.effect, "effect")}
            for reason in decision.also_considered
        ],
        "obligations": [
            {
                "name": name,
                "label": vocabulary_label(name, "obligation"),
                "meaning": OBLIGATIONS.get(name, ""),
            }
            for name in decision.obligations
        ],
        "releasable": [
            vocabulary_label(record, "records_requested") for record in decision.releasable_records
        ],
        "for_counsel": [
            vocabulary_label(record, "records_requested") for record in decision.records_for_counsel
        ],
        "withheld": [
            {
                "record": vocabulary_label(item.record, "records_requested"),
                "citation": item.citation,
            }
            for item in decision.withheld_records
        ],
        "documents": [
            {
                "finding": finding,
                "kind": vocabulary_label(finding.kind, "kind"),
                "stated": vocabulary_label(finding.stated_kind, "kind")
                if finding.stated_kind
                else None,
                "overruled": bool(finding.stated_kind and finding.stated_kind != finding.kind),
            }
            for finding in decision.legal_process
        ],
        "facts": [
            {
                "name": fact.fact,
                "value": _fact_value(fact.value),
                "because": fact.because,
                "is_definition": fact.because == definitions.get(fact.fact),
            }
            for fact in decision.facts or ()
        ],
        "decision_json": decision.to_json(indent=2),
        "request_json": json.dumps(contract, indent=2, ensure_ascii=False),
    }


def _fact_value(value: bool | str | list[str] | None) -> str:
    if value is None:
        return "not known"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return value


@login_required
@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    require(request.user, "can_explore")
    pack = _pack()
    today = timezone.localdate()
    form = PolicyDateForm(request.GET if "as_of" in request.GET else None, initial={"as_of": today})
    context: dict[str, Any] = {"nav": "policy", "form": form, "pack": pack, "layers": None}
    if not form.is_bound or form.is_valid():
        on = (form.cleaned_data["as_of"] if form.is_bound else None) or today
        terms, rules = pack.in_force(on, Settings.from_env().agency_kind)
        context |= {
            "on": on,
            "layers": _by_layer(pack, rules),
            "rule_count": len(rules),
            "terms": terms,
            "facts": sorted((FACTS | LATE_FACTS).items()),
        }
    return render(request, "web/policy.html", context)


def _by_layer(pack: Pack, rules: tuple[Rule, ...]) -> list[dict[str, Any]]:
    """Rules grouped by the law or guidance they come from, in the pack's order."""
    sources: dict[str, dict[str, Any]] = {}
    for source in (pack.baseline, pack):
        if source is None:
            continue
        sources[source.id] = {"name": source.name, "citation": "", "start": None}
        for layer in source.layers:
            sources[layer.id] = {
                "name": layer.name,
                "citation": layer.citation,
                "start": layer.start,
            }
    groups: dict[str, dict[str, Any]] = {}
    for rule in rules:
        source = sources.get(rule.layer, {"name": rule.layer, "citation": "", "start": None})
        group = groups.setdefault(rule.layer, {"id": rule.layer, **source, "rules": []})
        group["rules"].append(
            {
                "rule": rule,
                "effect": vocabulary_label(rule.effect, "effect"),
                "until": None if rule.end.year == 9999 else rule.end,
                "obligations": [vocabulary_label(duty, "obligation") for duty in rule.obligations],
                "records": [
                    vocabulary_label(record, "records_requested") for record in rule.records
                ],
            }
        )
    return list(groups.values())
