"""Agency isolation (issue 10): a second agency's people and partners see nothing of the first's.

Two agencies share one deployment: A, the DMV (CO-DOR-DMV), and B, the State Patrol
(CO-CDPS-CSP). Each is filled the same way through its own doors, every free-text field
carrying the agency's marker (B's is the canary CANARY-B-7f3a, A's is OWNA-2c9d):

- a request through its partner's API (requester, purpose, subject, legal document,
  claimed requirement, the sender's id and added fields), then sent back by a supervisor
  and resubmitted by a clerk, each with a reason;
- a request taken in at the counter by its clerk (`/cases/new/`) with an uploaded PDF,
  refused by counsel with a reason, and closed with the refusal letters (English and
  Spanish);
- two partners, one certified and sent a notice by mail, one sent a notice by hand and
  acknowledged;
- an access log scanned and imported with `custodiet scan --import --agency`, whose
  organization, user, subject, reason and file name carry the marker;
- its people, one per role, whose user names and addresses carry the marker too.

A gets the same data as B so that its own pages are in their full state (rows, charts,
PDFs, findings): a forgotten `agency=` shows there, never on an empty page.

For every role of A, and anonymous, every URL the resolver knows is requested. A URL added
later is requested too, and `test_every_route_has_its_parameters_filled` fails until its
parameters are known here. What is checked, and why:

- Path parameters are filled with B's objects and A's, alone and crossed (A's case with B's
  letter, B's case with A's ledger entry, A's partner with B's certification), so that an
  object reached through a parent of one's own is tried too: case ids, documents, letters,
  proof entries, partners, notices, certifications, findings, the API's request id.
- Whatever names B's object answers 401, 403, 404 or 405 (anonymous: the sign-in page),
  never 200, and the very answer the same URL gives with an id that does not exist, so it
  tells no one that the object exists. Each is also POSTed (same refusal, same status as
  for an id that does not exist), and nothing of B's changes and no mail is sent.
- Every answer holds no canary, none of B's request ids, partner names or notice
  references, and is none of B's stored files; none is a 500. Answers are read whole:
  pages (with their inline SVG charts), JSON, CSV, XLSX (the XML of every part), PDFs
  (their text, and their bytes) and the headers. List pages, downloads and the monitor
  are also asked with filters that name B (its scan, a part of its canary, its code).
- The numbers: the request log and the monitor count A's requests and flags only, for
  every role that sees counts; the CSV holds A's rows only; naming B's scan is refused.
- The API: A's partner cannot submit a request addressed to B (422, nothing recorded),
  nor learn which request ids B holds by sending one as its own (ids are unique within an
  agency, not across them).
- Mail: what B's work sent, reminders and A's bulk re-send of notices reach A's people
  with nothing of B's, and reach none of B's partners.
- The CLI: `requests export --agency CO-DOR-DMV` holds nothing of B's; without --agency,
  with two agencies, it refuses and names --agency.

The checks would pass vacuously if a marker never reached an output, so
`test_each_agency_sees_its_own_marker` shows each output carrying its agency's marker for
that agency's own people, read the same way.

The data is built once for the module, inside a transaction rolled back at its end (each
test runs in a savepoint of its own), with time frozen at Monday, March 10, 2025, 9:30 in
Denver.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from pypdf import PdfReader

from custodiet.accounts.models import Agency, ApiToken, Membership, Role
from custodiet.cases import actions as case_actions
from custodiet.cases import subject_notices
from custodiet.cases.models import Case, State, SubjectNotice
from custodiet.directory.current import current_directory
from custodiet.jobs import start
from custodiet.ledger.models import Entry
from custodiet.monitor.models import FlaggedAccess, Scan
from custodiet.oversight.models import Receipt
from custodiet.partners import actions as partner_actions
from custodiet.partners.models import (
    AcknowledgedBy,
    Acknowledgment,
    Certification,
    Delivery,
    Kind,
    Notice,
    Partner,
)
from custodiet.records.models import Event, RequestRecord
from custodiet.reports import actions as report_actions
from custodiet.reports.recount import Period
from hostile_pdfs import I200_LINES, text_pdf
from scanner.logs import CANONICAL_HEADER

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=DENVER)
CANARY = "CANARY-B-7f3a"
OWN = "OWNA-2c9d"
# Part of the canary, for filters: a page may repeat a filter's words, never B's data.
CANARY_PART = CANARY[:8]
A_CODE = "CO-DOR-DMV"
B_CODE = "CO-CDPS-CSP"
VIEWERS = (*Role.values, "anonymous")
LOGIN = "/accounts/login/"
REQUESTS = "/api/v1/requests"
# What a request for another agency's object may answer.
DENIED = {401, 403, 404, 405}
# Ids of the same shapes that name nothing.
MISSING_ID = "R-20250307-00000000"
MISSING_NUMBER = "99999999"
CERTIFICATION_LINES = [
    "Third-Party Entity/Organization Certification for Access to PII",
    "I certify under penalty of perjury that the entity will not use",
    "personal identifying information for federal immigration enforcement.",
]


# The URLs ---------------------------------------------------------------------------------

_PARAMETER = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # with its <converter:parameter>s, from the site's root
    parameters: tuple[str, ...]
    plain: bool  # a RoutePattern, which `fill` knows how to fill


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            route = prefix + str(entry.pattern)
            yield Route(
                name=f"{namespace}{entry.name}",
                pattern="/" + route,
                parameters=tuple(found["name"] for found in _PARAMETER.finditer(route)),
                plain=isinstance(entry.pattern, RoutePattern),
            )


ROUTES = list(_walk(get_resolver().url_patterns))
# Parameters that name no agency's object: the agency directory is the deployment's.
SHARED = {"agency_id"}
# Parameters that name no object but what to do or show, with the values tried.
# A notice's position is its place among the people a case names, not an object's id.
FIXED = {
    "act": ("deactivate", "password", "unlock"),
    "language": ("en", "es"),
    "position": ("0", "1"),
}
# Parameters that name an object of an agency, and the string ids among them.
OWNED = {
    "public_id",
    "id",
    "document_id",
    "letter_id",
    "entry",
    "partner_id",
    "notice_id",
    "certification_id",
    "finding_id",
    "report_id",
    "job_id",
    "receipt_id",
    "user_id",
    "token_id",
}
STRING_IDS = {"public_id", "id"}


def fill(pattern: str, values: dict[str, str]) -> str:
    return _PARAMETER.sub(lambda found: values[found["name"]], pattern)


# The two agencies -------------------------------------------------------------------------


@dataclass
class Side:
    agency: Agency
    marker: str
    people: dict[str, Any]
    tokens: dict[str, str]
    cases: list[Case]  # the API's, then the counter's
    partners: list[Partner]
    scan: Scan
    # Every value a path parameter may take for this agency's objects, by parameter.
    ids: dict[str, list[str]]
    # The SHA-256 of every file stored for the agency: documents, letters, forms, notices.
    files: set[str]
    # What no other agency's people may ever be shown.
    secrets: tuple[str, ...]

    @property
    def emails(self) -> set[str]:
        return {person.email for person in self.people.values()}


@dataclass
class World:
    a: Side
    b: Side
    # Every message sent while the agencies were filled.
    mail: list[Any]
    directory_id: str


def _member(agency: Agency, role: str, marker: str) -> Any:
    # No password: the clients sign in with force_login, and hashing one is slow.
    user = get_user_model().objects.create_user(
        username=f"{agency.code.lower()}-{role}-{marker}",
        email=f"{role}@{marker.lower()}.example",
        first_name=role.replace("_", " ").title(),
        last_name=marker,
    )
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


def _api_request(agency: Agency, marker: str) -> dict[str, Any]:
    return {
        "id": f"{marker}-api-1",
        "received_at": "2025-03-07T10:00:00-07:00",
        "receiving_agency": agency.code,
        "requester": {
            "name": f"Det. Alex {marker}",
            "organization": f"Denver Police Department {marker}",
            "component": f"Robbery Unit {marker}",
            "level": "local",
        },
        "subjects": [
            {"name": f"Pat {marker}", "date_of_birth": "1990-02-03", "license_number": marker}
        ],
        "records_requested": ["address", "photo"],
        "purpose": f"Armed robbery investigation {marker}",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {"case_number": f"DPD-{marker}", "offense": f"robbery {marker}"},
        "legal_process": [
            {
                "title": f"Subpoena {marker}",
                "issued_by": f"District Court {marker}",
                "signed_by": f"Judge {marker}",
                "text": f"You are commanded to produce the records of Pat {marker}.",
            }
        ],
        "claimed_legal_requirement": f"C.R.S. 16-3-301 {marker}",
        "partner_reference": marker,
        "partner_notes": {"desk": f"front desk {marker}"},
    }


def _intake_form(marker: str) -> dict[str, Any]:
    return {
        "received_date": "2025-03-07",
        "received_time": "14:40",
        "channel": "email",
        "requester_name": f"Deportation officer {marker}",
        "requester_organization": f"U.S. Immigration and Customs Enforcement ({marker})",
        "requester_component": "ERO",
        "requester_level": "federal",
        "subject_name": f"Juan {marker}",
        "subject_date_of_birth": "1985-07-21",
        "subject_license_number": f"991-{marker}",
        "records_requested": ["address"],
        "purpose": f"Locate for removal proceedings {marker}",
        "purpose_category": "civil_immigration_enforcement",
        "case_number": f"ERO-{marker}",
        "offense": f"overstay {marker}",
        "process_form": "I-200",
        "process_title": f"Warrant for Arrest of Alien {marker}",
        "process_issued_by": f"ERO Denver {marker}",
        "process_signed_by": f"SDDO {marker}",
        "claimed_legal_requirement": f"8 U.S.C. 1373 {marker}",
        "documents": SimpleUploadedFile(
            f"{marker}-i-200.pdf", text_pdf([[*I200_LINES, marker]]), "application/pdf"
        ),
    }


def _submit(token: str, body: dict[str, Any]) -> HttpResponseBase:
    return Client().post(
        REQUESTS,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _case(public_id: str) -> Case:
    return Case.objects.select_related("request").get(request__public_id=public_id)


def _submit_by_api(people: dict[str, Any], token: str, agency: Agency, marker: str) -> Case:
    answer = _submit(token, _api_request(agency, marker))
    assert answer.status_code == 201, answer.content
    case = _case(answer.json()["id"])
    assert case.state == State.AWAITING_APPROVAL  # eligible: a detective's, with a subpoena
    # Sent back and resubmitted, to leave the marker in a reason and a note.
    case = case_actions.send_back(case, by=people["supervisor"], reason=f"Check {marker}")
    return case_actions.resubmit(case, by=people["clerk"], note=f"Checked {marker}")


def _take_in_at_the_counter(people: dict[str, Any], marker: str) -> Case:
    clerk = Client()
    clerk.force_login(people["clerk"])
    answer = clerk.post("/cases/new/", data=_intake_form(marker))
    assert answer.status_code == 302, answer.content.decode()
    case = _case(answer["Location"].strip("/").split("/")[-1])
    assert case.state == State.WITH_COUNSEL  # the organization's name is not ICE's alone
    case = case_actions.counsel_decide(
        case, by=people["counsel"], release=False, reason=f"Civil warrant {marker}"
    )
    return case_actions.refuse(case, by=people["clerk"])


def _register_partners(agency: Agency, officer: Any, marker: str) -> list[Partner]:
    insurer = partner_actions.register_partner(
        agency=agency,
        by=officer,
        details=partner_actions.Details(
            name=f"{marker} Mutual Insurance",
            kind=Kind.PRIVATE,
            contact_name=f"Dana {marker}",
            contact_email=f"compliance@{marker.lower()}-mutual.example",
            contact_address=f"1 {marker} Way, Denver CO",
        ),
    )
    partner_actions.record_certification(
        insurer,
        by=officer,
        signed_on=dt.date(2025, 1, 15),
        signer_name=f"Dana {marker}",
        signer_title=f"Compliance Officer {marker}",
        filename=f"{marker}-certification.pdf",
        content=text_pdf([[*CERTIFICATION_LINES, f"Signed: Dana {marker}"]]),
    )
    partner_actions.send_notice(insurer, by=officer, method=Delivery.MAIL)
    freight = partner_actions.register_partner(
        agency=agency,
        by=officer,
        details=partner_actions.Details(
            name=f"{marker} Freight Lines",
            kind=Kind.OTHER,
            contact_name=f"Lee {marker}",
            contact_address=f"2 {marker} Road, Pueblo CO",
        ),
    )
    notice = partner_actions.send_notice(
        freight, by=officer, method=Delivery.HAND, sent_to=f"Lee {marker}, dispatcher"
    )
    partner_actions.acknowledge(
        notice,
        by=officer,
        acknowledged_on=NOW.date(),
        acknowledged_by=f"Lee {marker}, manager",
        method=AcknowledgedBy.SIGNED_COPY,
    )
    return [insurer, freight]


def _import_scan(agency: Agency, marker: str, folder: Path) -> Scan:
    def query(day: int, user: str, reason: str) -> tuple[str, ...]:
        # A sheriff the directory does not know, querying the state's switch (DQ ... CO).
        record = {
            "occurred_at": f"2025-02-{day:02d}T10:00:00Z",
            "system": "switch",
            "ori": "CO0300000",
            "organization": f"{marker} County Sheriff",
            "user_id": f"{user}-{marker}",
            "query_type": "DQ",
            "destination": "CO",
            "subject": f"PLATE{day}-{marker}",
            "reason": reason,
            "case_number": f"SO{day}-{marker}",
        }
        return tuple(record[column] for column in CANONICAL_HEADER)

    rows = [
        query(4, "deputy", f"ICE DETAINER {marker}"),  # an immigration reason
        query(5, "deputy", "TEST"),  # no articulable purpose
        query(6, "sergeant", f"ROBBERY {marker}"),  # nothing to flag
    ]
    path = folder / f"{marker}-access.csv"
    path.write_text(
        "\n".join(",".join(row) for row in (CANONICAL_HEADER, *rows)) + "\n", encoding="utf-8"
    )
    call_command(
        "scan",
        str(path),
        "--format",
        "canonical",
        "--import",
        "--agency",
        agency.code,
        "--summary",
        "--no-progress",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return Scan.objects.get(agency=agency)


def _fill_agency(code: str, name: str, marker: str, folder: Path) -> Side:
    agency = Agency.objects.create(code=code, name=name)
    people = {role: _member(agency, role, marker) for role in Role.values}
    tokens = {role: ApiToken.issue(user, f"{role}'s token")[1] for role, user in people.items()}
    cases = [
        _submit_by_api(people, tokens["partner"], agency, marker),
        _take_in_at_the_counter(people, marker),
    ]
    partners = _register_partners(agency, people["privacy_officer"], marker)
    scan = _import_scan(agency, marker, folder)
    officer = people["privacy_officer"]
    report = report_actions.build_report(agency, Period.parse("2024-Q4"), by=officer)
    # A build of another period, waiting (its process starts only once this commits).
    job = start("report-build", user=officer, agency=agency, args={"period": "2024-Q3"})
    # A bundle sent to the agency's people of the oversight role, refused at the door.
    receipt = Receipt.objects.create(
        office=agency, uploaded_by=people["oversight"], size=3, refused=f"Not gzip {marker}"
    )
    # A notice to the person on the counter case, sent: its letters are the agency's too.
    owed = SubjectNotice.objects.create(
        case=cases[1],
        position=0,
        subject=f"Subject {marker}",
        due_on=dt.date(2025, 3, 10),
        citation="N.Y. Veh. & Traf. Law 201(12)(a)",
        period="3 days",
    )
    sent = subject_notices.send(
        owed, by=people["clerk"], method="mail", to=f"{marker} Street\nAlbany, NY"
    )
    documents = [d for case in cases for d in case.documents.order_by("id")]
    letters = [item for case in cases for item in case.letters.order_by("id")]
    notices = list(Notice.objects.filter(partner__in=partners).order_by("id"))
    certifications = list(Certification.objects.filter(partner__in=partners).order_by("id"))
    # One ledger entry of each case is enough: the proof page looks them all up alike.
    entries = [
        str(Entry.objects.filter(event__request=case.request).order_by("index").last().index)
        for case in cases
    ]
    public_ids = [case.request.public_id for case in cases]
    blobs = [
        *(bytes(d.content) for d in documents),
        *(bytes(item.pdf) for item in letters),
        *(bytes(c.form) for c in certifications),
        *(bytes(n.pdf) for n in notices),
        bytes(sent.letter_en),
        bytes(sent.letter_es),
    ]
    return Side(
        agency=agency,
        marker=marker,
        people=people,
        tokens=tokens,
        cases=cases,
        partners=partners,
        scan=scan,
        ids={
            "public_id": public_ids,
            "id": public_ids,
            "document_id": [str(d.pk) for d in documents],
            "letter_id": [str(item.pk) for item in letters],
            "entry": entries,
            "partner_id": [str(p.pk) for p in partners],
            "notice_id": [str(n.pk) for n in notices],
            "certification_id": [str(c.pk) for c in certifications],
            "finding_id": [str(f.pk) for f in scan.findings.order_by("id")[:3]],
            "report_id": [str(report.pk)],
            "job_id": [str(job.pk)],
            "receipt_id": [str(receipt.pk)],
            "user_id": [str(person.pk) for person in people.values()],
            "token_id": [
                str(token.pk) for token in ApiToken.objects.filter(user__in=people.values())
            ],
        },
        files={hashlib.sha256(blob).hexdigest() for blob in blobs},
        secrets=(
            marker,
            *public_ids,
            *(p.name for p in partners),
            *(n.reference for n in notices),
        ),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Both agencies, filled once for the module; rolled back after its last test."""
    folder = tmp_path_factory.mktemp("isolation")
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        # Frozen for the whole module: the sessions signed in later expire by this clock.
        patch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
        with override_settings(
            STORAGES=storages,
            STATIC_ROOT=folder,
            CUSTODIET_LOG_KEY_FILE=folder / "log.key",
            CUSTODIET_REPORTS_DIR=folder / "reports",
        ):
            call_command("ledger", "keygen", stdout=io.StringIO(), stderr=io.StringIO())
            mail.outbox = []
            a = _fill_agency(A_CODE, "Colorado Division of Motor Vehicles", OWN, folder)
            b = _fill_agency(B_CODE, "Colorado State Patrol", CANARY, folder)
            sent = list(mail.outbox)
            # Any entry: the directory is the deployment's, read alike by every agency.
            directory_id = min(entry.id for entry in current_directory().agencies)
        yield World(a=a, b=b, mail=sent, directory_id=directory_id)
        transaction.set_rollback(True)


# Reading answers ---------------------------------------------------------------------------


def _client(side: Side, role: str) -> Client:
    """A signed-in browser that also sends the person's API token (pages ignore it)."""
    if role == "anonymous":
        return Client()
    client = Client(headers={"Authorization": f"Bearer {side.tokens[role]}"})
    client.force_login(side.people[role])
    return client


def _read(answer: HttpResponseBase) -> tuple[bytes, str]:
    """The answer's bytes, and all its text: headers, then the body as a person reads it."""
    raw = b"".join(answer.streaming_content) if answer.streaming else answer.content
    parts = [f"{header}: {value}" for header, value in answer.items()]
    if raw.startswith(b"PK\x03\x04"):  # a workbook: the XML of every part
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            parts += [book.read(name).decode("utf-8", "replace") for name in book.namelist()]
    elif raw.startswith(b"%PDF-"):
        parts += [_pdf_text(raw), raw.decode("latin-1")]
    else:
        parts.append(raw.decode("utf-8", "replace"))
    return raw, "\n".join(parts)


@functools.cache
def _pdf_text(content: bytes) -> str:
    """The text of a PDF, also without its spaces: a line may break inside a marker, at a
    hyphen. Kept, as several people download the same files."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text + "\n" + re.sub(r"\s+", "", text)


def _leaks(answer: HttpResponseBase, method: str, url: str, owner: Side) -> list[str]:
    """What of `owner` the answer shows, beyond the ids the URL itself names; and a 500."""
    raw, text = _read(answer)
    folded = text.casefold()
    problems = [
        f"{method} {url}: shows {secret!r}"
        for secret in owner.secrets
        if secret.casefold() in folded and secret not in url
    ]
    if hashlib.sha256(raw).hexdigest() in owner.files:
        problems.append(f"{method} {url}: is one of {owner.agency.code}'s stored files")
    if answer.status_code >= 500:
        problems.append(f"{method} {url}: {answer.status_code}")
    return problems


def _refusal(answer: HttpResponseBase, method: str, url: str) -> list[str]:
    status = answer.status_code
    if status in DENIED or (status == 302 and answer["Location"].startswith(LOGIN)):
        return []
    return [f"{method} {url}: {status}, not a refusal"]


_NOISE = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(r'nonce="[^"]*"'),
    re.compile(r"csrftoken=[^;\s]*"),
    re.compile(r"^(Expires|Date): .*$", re.MULTILINE),  # the wall clock, never frozen
]


def _normal(answer: HttpResponseBase, url: str, ids: tuple[str, ...]) -> tuple[int, str]:
    """The status and text, without what differs from one request to the next or repeats
    the URL asked (a sign-in link's `next`, say)."""
    _, text = _read(answer)
    for value in (url, quote(url), quote(url, safe=""), *ids):
        text = text.replace(value, "{asked}")
    for noise in _NOISE:
        text = noise.sub("", text)
    return answer.status_code, text


@dataclass(frozen=True)
class Address:
    url: str
    # For a URL naming B's objects: the same URL naming nothing, and the string ids of both.
    twin: str | None = None
    ids: tuple[str, ...] = ()


def _addresses(route: Route, world: World) -> list[Address]:
    """The URL filled with every combination of A's and B's objects (B's alone included)."""
    choices = []
    for name in route.parameters:
        if name in SHARED:
            choices.append([(world.directory_id, "shared")])
        elif name in FIXED:
            choices.append([(value, "fixed") for value in FIXED[name]])
        else:
            choices.append(
                [(value, "A") for value in world.a.ids[name]]
                + [(value, "B") for value in world.b.ids[name]]
            )
    found = []
    for combination in itertools.product(*choices):
        values = dict(zip(route.parameters, (value for value, _ in combination), strict=True))
        url = fill(route.pattern, values)
        foreign = [
            name
            for name, (_, owner) in zip(route.parameters, combination, strict=True)
            if owner == "B"
        ]
        if not foreign:
            found.append(Address(url))
            continue
        missing = {name: MISSING_ID if name in STRING_IDS else MISSING_NUMBER for name in foreign}
        ids = tuple(values[name] for name in foreign if name in STRING_IDS)
        found.append(
            Address(url, twin=fill(route.pattern, values | missing), ids=(*ids, MISSING_ID))
        )
    return found


LOG_QUERIES = [
    f"?requester={CANARY_PART}",
    f"?receiving_agency={B_CODE}",  # the filter the log once had, by any agency
    "?outcome=refuse",
    "?channel=api",
    "?immigration_related=yes",
    "?start=2025-01-01&end=2025-12-31",
]


def _queries(route: Route, world: World) -> list[str]:
    """Filters that name B, or would show B's rows, for the pages that take filters."""
    return {
        "cases": ["?state=refused", "?state=awaiting_approval", "?state=to_refuse"],
        "request-log": LOG_QUERIES,
        "request-log-csv": LOG_QUERIES,
        "request-log-xlsx": LOG_QUERIES,
        "monitor": [
            f"?scan={world.b.scan.pk}",
            f"?accessor={CANARY_PART}",
            "?category=immigration&start=2025-01&end=2025-12",
        ],
        "partners": [f"?q={CANARY_PART}", "?certification=current", "?notice=waiting"],
    }.get(route.name, [])


def _fingerprint(side: Side) -> tuple[Any, ...]:
    """What a change to the agency's data (or anyone's ledger) would change."""
    return (
        Event.objects.count(),
        Entry.objects.count(),
        RequestRecord.objects.filter(agency=side.agency).count(),
        tuple(
            Case.objects.filter(agency=side.agency)
            .order_by("id")
            .values_list("state", "updated_at", "approved_by", "decided_by")
        ),
        tuple(
            Partner.objects.filter(agency=side.agency)
            .order_by("id")
            .values_list("name", "contact_email", "updated_at")
        ),
        Notice.objects.filter(partner__agency=side.agency).count(),
        Certification.objects.filter(partner__agency=side.agency).count(),
        Acknowledgment.objects.filter(notice__partner__agency=side.agency).count(),
        tuple(
            get_user_model()
            .objects.filter(pk__in=[person.pk for person in side.people.values()])
            .order_by("id")
            .values_list("is_active", "password", "membership__role", "membership__agency")
        ),
        tuple(
            ApiToken.objects.filter(user__membership__agency=side.agency)
            .order_by("id")
            .values_list("revoked_at")
        ),
        len(mail.outbox),
    )


# Every page, export and endpoint -----------------------------------------------------------


def test_every_route_has_its_parameters_filled():
    unknown = {
        route.name: [name for name in route.parameters if name not in OWNED | SHARED | set(FIXED)]
        for route in ROUTES
    }
    assert {name: params for name, params in unknown.items() if params} == {}
    assert [route.name for route in ROUTES if not route.plain] == []
    # The site's own pages, the API and its documents are all in the walk.
    names = {route.name for route in ROUTES}
    assert {"case-proof", "request-log-xlsx", "monitor-finding", "api:request"} <= names
    assert {"api:openapi-json", "partner-certification", "directory-agency"} <= names


@pytest.mark.parametrize(
    ("role", "route"),
    [pytest.param(role, route, id=f"{role}-{route.name}") for route in ROUTES for role in VIEWERS],
)
def test_no_answer_to_a_shows_anything_of_b(world, role, route):
    client = _client(world.a, role)
    before = _fingerprint(world.b) if route.parameters else None
    problems = []
    for address in _addresses(route, world):
        answer = client.get(address.url)
        problems += _leaks(answer, "GET", address.url, world.b)
        if address.twin is None:
            continue
        problems += _refusal(answer, "GET", address.url)
        twin = client.get(address.twin)
        if _normal(answer, address.url, address.ids) != _normal(twin, address.twin, address.ids):
            problems.append(f"GET {address.url}: not the answer for {address.twin}")
        posted = client.post(address.url)
        problems += _leaks(posted, "POST", address.url, world.b)
        problems += _refusal(posted, "POST", address.url)
        if posted.status_code != client.post(address.twin).status_code:
            problems.append(f"POST {address.url}: not the answer for {address.twin}")
    if not route.parameters:
        for query in _queries(route, world):
            url = route.pattern + query
            problems += _leaks(client.get(url), "GET", url, world.b)
    assert problems == []
    if route.parameters:
        assert _fingerprint(world.b) == before, "a POST of A's changed B's data or sent mail"


# The numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["privacy_officer", "auditor", "administrator"])
def test_the_counts_a_sees_are_of_a_alone(world, role):
    client = _client(world.a, role)
    own_requests = RequestRecord.objects.filter(agency=world.a.agency).count()
    own_flags = FlaggedAccess.objects.filter(finding__scan=world.a.scan).count()
    assert own_requests == 2 and own_flags > 0
    assert RequestRecord.objects.filter(agency=world.b.agency).count() == 2

    log = client.get("/log/")
    assert log.status_code == 200
    assert log.context["counts"].total == own_requests
    assert sum(month.total for month in log.context["counts"].months) == own_requests
    assert "<svg" in log.content.decode()  # the chart is drawn, from A's numbers alone

    monitor = client.get("/monitor/")
    assert monitor.status_code == 200
    assert monitor.context["counts"].total == own_flags
    assert monitor.context["scan_count"] == 1
    assert [scan.pk for scan in monitor.context["scans"]] == [world.a.scan.pk]
    assert "<svg" in monitor.content.decode()

    # B's scan is not one A may choose: refused, with no numbers at all.
    chosen = client.get(f"/monitor/?scan={world.b.scan.pk}")
    assert chosen.status_code == 400
    assert "counts" not in chosen.context
    # A filter that matches only B's rows finds nothing in A's.
    assert client.get(f"/monitor/?accessor={CANARY_PART}").context["counts"].total == 0


def test_the_request_log_download_holds_a_s_rows_only(world):
    client = _client(world.a, "privacy_officer")
    answer = client.get("/log/export.csv")
    lines = b"".join(answer.streaming_content).decode("utf-8").strip().splitlines()
    assert len(lines) == 1 + 2
    assert {line.split(",")[0] for line in lines[1:]} == set(world.a.ids["public_id"])


# The API ----------------------------------------------------------------------------------


def test_a_s_partner_cannot_submit_a_request_for_b(world):
    recorded = RequestRecord.objects.count()
    body = _api_request(world.b.agency, OWN) | {"id": f"{OWN}-for-b"}
    answer = _submit(world.a.tokens["partner"], body)
    assert answer.status_code == 422
    assert "receiving_agency" in {problem["field"] for problem in answer.json()["errors"]}
    assert RequestRecord.objects.count() == recorded


def test_a_s_partner_cannot_tell_which_request_ids_b_holds(world):
    token = world.a.tokens["partner"]
    body = _api_request(world.a.agency, OWN)
    b_s_id = world.b.cases[0].request.public_id
    unused = _submit(token, body | {"id": f"{OWN}-never-used"})
    taken = _submit(token, body | {"id": b_s_id})
    # An id is the agency's own: B's id is free for A, and taking it leaks nothing.
    assert taken.status_code == unused.status_code == 201


def test_a_s_partner_reads_its_own_request_and_not_b_s(world):
    client = _client(world.a, "partner")
    own, theirs = world.a.ids["id"][0], world.b.ids["id"][0]
    assert client.get(f"{REQUESTS}/{own}").status_code == 200
    answer = client.get(f"{REQUESTS}/{theirs}")
    assert answer.status_code == 404
    assert answer.json() == client.get(f"{REQUESTS}/{MISSING_ID}").json()


# Mail ---------------------------------------------------------------------------------------


def _recipients(message: Any) -> set[str]:
    return {*message.to, *message.cc, *message.bcc}


def _message_text(message: Any) -> str:
    parts = [message.subject, message.body]
    parts += [
        _pdf_text(content)
        for _, content, kind in message.attachments
        if kind == "application/pdf" and isinstance(content, bytes)
    ]
    return "\n".join(parts)


def _mail_problems(messages: list[Any], world: World) -> list[str]:
    problems = []
    for message in messages:
        to_a = _recipients(message) & world.a.emails
        text = _message_text(message).casefold()
        shown = [secret for secret in world.b.secrets if secret.casefold() in text]
        if to_a and shown:
            problems.append(f"{message.subject!r} to {sorted(to_a)} shows {shown}")
    return problems


def test_b_s_mail_reaches_b_s_people_only(world):
    to_b = [message for message in world.mail if _recipients(message) & world.b.emails]
    # B's supervisor was asked to approve B's request (twice: taken in, and resubmitted).
    assert any(CANARY in message.subject for message in to_b)
    assert _mail_problems(world.mail, world) == []


def test_reminders_reach_each_agency_s_own_people(world):
    call_command("reminders", "--today", "2025-12-31", stdout=io.StringIO())
    sent = list(mail.outbox)
    assert any(_recipients(message) & world.b.emails for message in sent)
    assert any(_recipients(message) & world.a.emails for message in sent)
    assert _mail_problems(sent, world) == []


@pytest.mark.parametrize("role", ["privacy_officer", "administrator"])
def test_re_sending_notices_emails_a_s_partners_only(world, role):
    client = _client(world.a, role)
    b_addresses = {p.contact_email for p in world.b.partners if p.contact_email}
    answer = client.post("/partners/notices/resend/")
    assert answer.status_code == 302
    followed = client.get(answer["Location"])
    assert _leaks(followed, "GET", answer["Location"], world.b) == []
    sent = list(mail.outbox)
    assert sent  # A's insurer, which has not acknowledged its notice
    assert not any(_recipients(message) & b_addresses for message in sent)
    assert not any(CANARY.casefold() in _message_text(m).casefold() for m in sent)


# The command line ---------------------------------------------------------------------------


def test_the_request_log_export_for_a_holds_nothing_of_b(world):
    out = io.StringIO()
    call_command("requests", "export", "--agency", A_CODE, stdout=out)
    text = out.getvalue()
    assert [secret for secret in world.b.secrets if secret in text] == []
    assert all(public_id in text for public_id in world.a.ids["public_id"])


def test_the_request_log_export_names_no_agency_by_default_when_there_are_two(world):
    with pytest.raises(CommandError, match="--agency"):
        call_command("requests", "export", stdout=io.StringIO())


# The checks can see: each agency's own people are shown its marker ---------------------------


def _own_pages(side: Side) -> list[tuple[str, str]]:
    """(role, URL) of each kind of output, for the agency's own people."""
    by_api, at_counter = side.cases
    insurer = side.partners[0]
    letter_id = at_counter.letters.order_by("id").first().pk
    document_id = at_counter.documents.get().pk
    certification_id = insurer.certifications.get().pk
    notice_id = insurer.notices.get().pk
    finding_id = side.scan.findings.order_by("id").first().pk
    case = f"/cases/{at_counter.request.public_id}"
    return [
        ("clerk", "/cases/?state=refused"),
        ("supervisor", "/cases/"),
        ("clerk", f"/cases/{by_api.request.public_id}/"),
        ("counsel", f"{case}/"),
        ("clerk", f"{case}/letters/{letter_id}.pdf"),
        ("privacy_officer", f"{case}/documents/{document_id}"),
        ("privacy_officer", "/log/"),
        ("privacy_officer", "/log/export.csv"),
        ("privacy_officer", "/log/export.xlsx"),
        ("privacy_officer", "/partners/"),
        ("privacy_officer", "/partners/notices/"),
        ("privacy_officer", "/partners/certifications/"),
        ("administrator", f"/partners/{insurer.pk}/"),
        ("privacy_officer", f"/partners/{insurer.pk}/certifications/{certification_id}.pdf"),
        ("privacy_officer", f"/partners/{insurer.pk}/notices/{notice_id}.pdf"),
        ("privacy_officer", "/monitor/"),
        ("auditor", "/monitor/"),  # the chart by accessing agency names the sheriff
        ("privacy_officer", f"/monitor/findings/{finding_id}/"),
        ("partner", f"{REQUESTS}/{by_api.request.public_id}"),
    ]


@pytest.mark.parametrize("which", ["a", "b"])
def test_each_agency_sees_its_own_marker(world, which):
    side = getattr(world, which)
    unseen = []
    for role, url in _own_pages(side):
        answer = _client(side, role).get(url)
        assert answer.status_code == 200, (role, url)
        _, text = _read(answer)
        if side.marker.casefold() not in text.casefold():
            unseen.append((role, url))
    assert unseen == []
