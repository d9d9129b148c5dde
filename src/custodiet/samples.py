"""A deterministic generator of varied requests in the contract format, for the demo and benchmarks.

The mix is what a DMV sees: local police with case numbers, immigration agencies with
and without process, insurers through the database, stray requests with no basis, over
the dates of every layer of the Colorado pack.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

REQUESTERS = [
    ({"organization": "Denver Police Department", "ori": "CO0160200", "level": "local"}, 6),
    ({"organization": "Aurora Police Department", "level": "local"}, 3),
    ({"organization": "El Paso County Sheriff's Office", "level": "local"}, 3),
    ({"organization": "Colorado State Patrol", "level": "state"}, 2),
    ({"organization": "Federal Bureau of Investigation", "level": "federal"}, 2),
    (
        {
            "organization": "U.S. Immigration and Customs Enforcement",
            "component": "ERO",
            "level": "federal",
        },
        3,
    ),
    ({"organization": "ICE ERO Denver"}, 2),
    (
        {
            "organization": "Homeland Security Investigations",
            "component": "HSI",
            "level": "federal",
        },
        2,
    ),
    ({"organization": "CBP/USBP", "level": "federal"}, 1),
    ({"organization": "Teller County Sheriff's Office 287(g) Task Force", "level": "local"}, 1),
    ({"organization": "Front Range Mutual Insurance", "level": "private"}, 3),
    ({"organization": "Rocky Mountain Towing LLC", "level": "private"}, 1),
    ({"organization": "Colorado Department of Human Services", "level": "state"}, 2),
]
PURPOSES = [
    (
        "criminal_investigation",
        "Armed robbery investigation",
        {"case_number": "DPD-22-004411", "offense": "aggravated robbery"},
    ),
    (
        "criminal_investigation",
        "Hit and run, suspect vehicle",
        {"case_number": "22-77810", "offense": "leaving the scene"},
    ),
    (
        "criminal_investigation",
        "Human trafficking investigation",
        {"case_number": "DN12QR22", "offense": "sex trafficking"},
    ),
    (
        "criminal_investigation",
        "Criminal re-entry case",
        {"case_number": "20-mj-0112", "offense": "8 U.S.C. 1326 illegal re-entry"},
    ),
    ("criminal_investigation", "Investigation", None),
    ("civil_immigration_enforcement", "Locate subject for removal proceedings.", None),
    ("other", "Need current address, subject has an ICE hold", None),
    ("agency_function", "Underwriting (DPPA 2721(b)(6))", None),
    ("agency_function", "Child support enforcement locate", None),
    ("court_proceeding", "Service of process in a civil suit", None),
    (None, "Please send the address on file.", None),
    ("unknown", None, None),
]
DOCUMENTS = [
    None,
    None,
    None,
    {
        "text": "DEPARTMENT OF HOMELAND SECURITY\nWARRANT FOR ARREST OF ALIEN\nTo: Any immigration officer authorized pursuant to sections 236 and 287 of the Immigration and Nationality Act\n(Signature of Authorized Immigration Officer)\nForm I-200 (Rev. 09/16)"
    },
    {
        "text": "UNITED STATES DISTRICT COURT\nfor the District of Colorado\nSEARCH AND SEIZURE WARRANT\nYOU ARE COMMANDED to execute this warrant.\n/s/ United States Magistrate Judge"
    },
    {"form": "I-247A", "title": "Immigration Detainer - Notice of Action"},
    {
        "title": "Subpoena duces tecum",
        "issued_by": "District Court, City and County of Denver",
        "signed_by": "Hon. District Judge",
    },
    {"kind": "judicial_warrant", "form": "I-200"},
    {"title": "Letter"},
]
RECORDS = [
    "address",
    "photo",
    "date_of_birth",
    "license_status",
    "driving_record",
    "vehicle_registration",
    "immigration_status",
    "phone",
]


def generate(
    count: int, *, seed: int = 2026, start: dt.date = dt.date(2019, 6, 1), days: int = 6 * 365
) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - repeatable samples, not secrets
    people = [requester for requester, weight in REQUESTERS for _ in range(weight)]
    requests = []
    for index in range(count):
        requester = dict(rng.choice(people))
        requester["name"] = f"Requester {index % 97}"
        category, purpose, investigation = rng.choice(PURPOSES)
        received = start + dt.timedelta(days=rng.randrange(0, days))
        database = requester.get("level") == "private" and rng.random() < 0.7
        request: dict[str, Any] = {
            "id": f"bench-{index}",
            "received_at": f"{received.isoformat()}T{rng.randrange(8, 17):02d}:00:00-06:00",
            "channel": "database"
            if database
            else rng.choice(["email", "phone", "mail", "portal", "in_person"]),
            "receiving_agency": "CO-DOR-DMV",
            "requester": requester,
            "subjects": [{"name": "Subject", "date_of_birth": "1990-02-03"}],
            "records_requested": rng.sample(RECORDS, rng.randrange(1, 4)),
            "purpose": purpose,
            "purpose_category": category,
            "criminal_investigation": investigation,
            "bulk": database and rng.random() < 0.5,
            "facial_recognition": rng.random() < 0.03,
        }
        document = rng.choice(DOCUMENTS)
        if document:
            # Real documents differ in file numbers and names; vary the text accordingly.
            document = dict(document)
            if "text" in document:
                number = f"A{rng.randrange(10**8, 10**9)}"
                document["text"] = f"File No. {number}\nIn re subject {index}\n" + document["text"]
            request["legal_process"] = [document]
        if rng.random() < 0.05:
            request["claimed_legal_requirement"] = rng.choice(["8 U.S.C. 1373", "C.R.S. 42-1-206"])
        if database:
            signed = received - dt.timedelta(days=rng.randrange(0, 500))
            request["certification"] = {"signed_on": signed.isoformat()}
        requests.append(request)
    return requests
