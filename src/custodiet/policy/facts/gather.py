"""Gather the named facts a pack's conditions read, each with the reason it holds.

The intelligence lives in the sibling modules (who the requester is, what a purpose
means, what a document is); this module only applies them to one request and names the
results. `FACTS` is the catalogue a pack may use, and `custodiet policy show` prints it
so that counsel can read what every condition means.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from custodiet.policy.facts.agencies import Directory, RequesterFacts, default_directory
from custodiet.policy.facts.documents import DocumentFacts, classify_document
from custodiet.policy.facts.judges import (
    ARTICLE_III,
    FEDERAL_COURT,
    MAGISTRATE,
    Signer,
    signer_rank,
)
from custodiet.policy.facts.purpose import (
    CLAUSE_END,
    DENIED_BEFORE,
    PurposeFacts,
    immigration_offense,
    immigration_purpose,
)
from custodiet.policy.model import Request

CERTIFICATION_VALID_DAYS = 365
GOVERNMENT_LEVELS = frozenset({"federal", "state", "local", "tribal"})
# The kind of body the deployment is, which decides which laws bind it (a pack layer's
# `binds`): a state agency; a local government (city, county, their departments); the
# judicial or the legislative branch; an institution of Colorado's Article 74.1 (schools,
# child care, colleges, hospitals and health facilities, libraries that take state money).
AGENCY_KINDS = ("state", "local_government", "judicial", "legislative", "institution")
KIND_NAMES = {
    "state": "a state agency",
    "local_government": "a local government",
    "judicial": "the judicial branch",
    "legislative": "the legislative branch",
    "institution": "an Article 74.1 institution (school, child care, college, hospital, library)",
}

FACTS: dict[str, str] = {
    "purpose_category": "The purpose category the requester gave, or 'unknown'.",
    "requester_level": "Federal, state, local, tribal, private or individual: as stated, else from the agency directory, else 'unknown'.",
    "government_requester": "The requester is a federal, state, local or tribal government body.",
    "immigration_agency": "The requester is ICE (ERO, HSI), CBP (Border Patrol, OFO), USCIS, or acts under a 287(g) agreement or on behalf of one of them.",
    "enforcement_component": "The requester is ICE Enforcement and Removal Operations, Border Patrol, or a 287(g) officer.",
    "third_party": "The requester is not the agency that holds the records.",
    "immigration_purpose_stated": "The stated purpose or offence speaks of immigration enforcement (removal, deportation, detainers, an ICE hold, immigration status, unlawful presence), not of an immigration officer as the victim or subject of a crime, of a denial, of work that protects immigrants, or of another sense of the word.",
    "immigration_role_unclear": "The stated purpose or offence names immigration authorities in a role that cannot be told (victim, subject, or enforcement), and names no immigration enforcement plainly.",
    "immigration_offense": "The stated offence or purpose is illegal entry or re-entry (8 U.S.C. 1325, 1326).",
    "immigration_law_claimed": "The claimed legal requirement rests on immigration law (8 U.S.C. 1373, 1644, 1357, the INA).",
    "criminal_investigation_details": "A case number or an offence is given for the criminal investigation.",
    "court_process": "A judicial warrant, court order, court subpoena or grand jury subpoena is offered (as stated, or as the document shows).",
    "only_administrative_immigration_process": "Legal process is offered, and all of it is administrative immigration process (DHS warrants, subpoenas, detainers).",
    "ambiguous_process": "A legal document was offered that could not be identified.",
    "claimed_legal_requirement": "The requester cites a law that it says compels disclosure.",
    "facial_recognition": "A facial recognition search is requested: the request says so, or its purpose asks for one.",
    "facial_recognition_authorized": "This deployment records an explicit legislative authorization for facial recognition of DMV photos.",
    "database_access": "Access is through a database or automated network, or in bulk.",
    "certification_current": "A 24-74-105 certification signed within the 365 days before the request is on file.",
    "person_in_interest": "The requester is the person in interest asking for their own record: stated (relationship self), or an individual whose name is the only subject's name; never a government body.",
    "written_consent": "The requester acts with the written consent of the person whose record it is (relationship consent: a parent of a minor, an attorney, an insurer with a signed release).",
    "agency_kind": "The kind of body this deployment is: state, local_government, judicial, legislative or institution (an Article 74.1 school, child care center, college, hospital, health facility or library); set by CUSTODIET_AGENCY_KIND.",
    "dhs_requester": "The requester is the Department of Homeland Security or one of its components (ICE, HSI, ERO, CBP, Border Patrol, USCIS), or acts for one.",
    "subpoena_offered": "A subpoena or summons is offered (administrative, court or grand jury).",
    "federal_court_process": "Court-issued process is offered that a federal court issued (a United States district or magistrate judge).",
    "open_records_request": "The request is made under an open-records law (CORA, C.R.S. 24-72-201) or the Criminal Justice Records Act (C.R.S. 24-72-301).",
    "data_sharing_agreement": "The request is made under a data-sharing agreement, memorandum of understanding or interagency agreement.",
    "election_request": "The request concerns an election: voter registration, voter rolls, ballots or candidates.",
    "protected_education_or_health_records": "The records sought are education records (FERPA) or health information (HIPAA).",
    "receiving_agencies": "The receiving agency's code and the codes of the agencies it belongs to (CO-DOR-DMV belongs to CO-DOR).",
    "immigration_enforcement_agency": "The requester is an agency that primarily enforces immigration law: ICE (ERO and HSI alike) or CBP (Border Patrol, OFO), or acts for one of them or under a 287(g) agreement. USCIS and the Department itself are immigration agencies but not this.",
    "article_iii_warrant": "A court-issued judicial warrant is offered that a judge appointed under Article III signed (a United States district or circuit judge), not a magistrate judge, a bankruptcy judge, an immigration judge or a state judge.",
    "article_iii_process": "Court-issued process of any kind is offered that a judge appointed under Article III signed.",
    "magistrate_judge_process": "Court-issued process is offered that a United States magistrate judge signed (28 U.S.C. 631), who is not an Article III judge.",
    "court_order_offered": "A court-issued court order is offered (signed by a judge of any court).",
    "court_subpoena_offered": "A court-issued subpoena is offered: a court's subpoena or a grand jury's.",
    "federal_court_subpoena": "A subpoena of a federal court or a federal grand jury is offered, court-issued.",
    "whole_database_sought": "The request, or its process, seeks a whole database or a population (all drivers, every licence holder, a bulk extract), not the records of named people.",
    "certification_on_file": "A certification that the requester will not use or pass on the records for immigration enforcement is on file, signed on or before the request (New York asks for it before access, with no yearly renewal).",
    "trusted_traveler_or_vehicle_trade": "The purpose is a trusted traveler program (Global Entry, NEXUS, SENTRI, FAST) or the import or export of a vehicle.",
    "warrant_signer_unknown": "A court-issued judicial warrant is offered and neither it nor the request says which court's judge signed it (where a state accepts only an Article III judge's warrant, counsel reads it).",
    "individual_records": "The request names the people whose records it seeks (by name, date of birth or licence number) and does not seek a whole database or a population.",
}


@dataclass(frozen=True)
class Settings:
    """What the deployment decides, not the request: read from the environment by callers."""

    facial_recognition_authorization: str | None = None
    agency_kind: str = "state"
    # Where the request's certification was taken from when the deployment's own records
    # supplied it rather than the requester (the partner registry), said as a noun phrase.
    certification_source: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        kind = environ.get("CUSTODIET_AGENCY_KIND") or "state"
        if kind not in AGENCY_KINDS:
            raise ValueError(
                f"CUSTODIET_AGENCY_KIND must be one of {', '.join(AGENCY_KINDS)}, not {kind!r}"
            )
        return cls(
            facial_recognition_authorization=environ.get("CUSTODIET_FRS_AUTHORIZATION") or None,
            agency_kind=kind,
        )


class Reasons(Mapping[str, str]):
    """Each fact's reason, computed on first reading."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], dict[str, str]]) -> None:
        self._build = build
        self._built: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._built is None:
            self._built = self._build()
        return self._built

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


@dataclass(frozen=True)
class Gathered:
    values: dict[str, Any]
    because: Mapping[str, str]
    documents: tuple[DocumentFacts, ...]
    requester: RequesterFacts


def _join(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


# Federal provisions a requester may cite to claim that immigration law compels disclosure.
_IMMIGRATION_LAW = re.compile(
    r"\b(?:8\s*U\.?\s*S\.?\s*C\.?\s*(?:§+\s*)?(?:1373|1644|1357|1324|1225|1226|1231)"
    r"|immigration\s+and\s+nationality\s+act|\bINA\b|287\s*\(?g\)?)",
    re.IGNORECASE,
)


def _immigration_law(text: str | None) -> PurposeFacts:
    if not text:
        return PurposeFacts(False, (), "No legal requirement is claimed.")
    cited = tuple(match.group(0) for match in _IMMIGRATION_LAW.finditer(text))
    if cited:
        return PurposeFacts(
            True, cited, f"The claimed requirement cites immigration law ({', '.join(cited)})."
        )
    stated = immigration_purpose(text)
    if stated.immigration:
        return stated
    return PurposeFacts(False, (), "The claimed requirement does not rest on immigration law.")


# Phrases a request's free text may use, each read within its clause and not after a
# denial ("no facial recognition search", "not a CORA request").
_FACIAL_RECOGNITION = re.compile(
    r"\b(?:facial[\s-]+recogni(?:tion|[sz]e|[sz]ed|[sz]ing)|face[\s-]+(?:recognition|match(?:es|ing)?"
    r"|search(?:es)?|comparison)|(?-i:FRS)|biometric\s+(?:search|match(?:ing)?|comparison)"
    r"|(?:photo|image)\s+(?:comparison|matching)\s+search|clearview(?:\s+ai)?)\b",
    re.IGNORECASE,
)
_OPEN_RECORDS = re.compile(
    r"\b(?:(?-i:CORA|CCJRA)|(?:colorado\s+)?open\s+records\s+(?:act|law|request)"
    r"|public\s+records\s+(?:act|law|request)|criminal\s+justice\s+records\s+act"
    r"|24-72-(?:20\d|30\d))",
    re.IGNORECASE,
)
_DATA_SHARING = re.compile(
    r"\b(?:(?:data|information)[\s-]+sharing\s+(?:agreement|contract|mou)"
    r"|memorandum\s+of\s+(?:understanding|agreement)|(?-i:MOU|MOA|DSA)|interagency\s+agreement)\b",
    re.IGNORECASE,
)
_ELECTION = re.compile(
    r"\b(?:elections?|electoral|voter\s+(?:registration|rolls?|lists?|files?|eligibility)"
    r"|ballots?|candidate\s+petitions?|(?-i:SCORE)\s+system)\b",
    re.IGNORECASE,
)
_FERPA_HIPAA = re.compile(
    r"\b(?:(?-i:FERPA|HIPAA|PHI)|education(?:al)?\s+records|student\s+records"
    r"|(?:protected\s+)?health\s+information|medical\s+records|health\s+records)\b",
    re.IGNORECASE,
)
_FEDERAL_COURT = FEDERAL_COURT
# A population rather than people: "all drivers", "every licence holder", "the entire
# database", "a bulk extract". "All records of Ana Ruiz" is one person's.
_WHOLE_DATABASE = re.compile(
    r"\b(?:(?:all|every|each)\s+(?:of\s+(?:the|your)\s+)?(?:[\w-]+\s+)?(?:drivers?|licen[cs]ees?"
    r"|licen[cs]e\s+holders?|(?:registered\s+)?owners|registrants?|residents?|persons"
    r"|people|individuals|applicants?)"
    r"|(?:entire|whole|complete|full)\s+(?:[\w-]+\s+){0,2}?(?:database|data\s*base|dataset"
    r"|data\s+set|extract)"
    r"|all\s+records\s+(?:in|of)\s+(?:the|your)\s+(?:\w+\s+)?(?:database|system|files)"
    r"|(?:all|every)\s+(?:[\w-]+\s+)?vehicles?\s+registered\s+in"
    r"|bulk\s+(?:extract|data|records|download|access|file))\b",
    re.IGNORECASE,
)


_TRAVELER = re.compile(
    r"\b(?:trusted\s+traveler|global\s+entry|(?-i:NEXUS|SENTRI)\b|free\s+and\s+secure\s+trade"
    r"|(?-i:FAST)\s+(?:card|program|lane|membership|application)|(?:vehicle|car|automobile)s?"
    r"\s+(?:import|export)s?|(?:import|export)(?:ing|ation)?\s+(?:of\s+)?(?:a\s+|the\s+)?(?:vehicle|car|automobile)s?)",
    re.IGNORECASE,
)
# Agencies that primarily enforce immigration law (New York's words; Illinois's "immigration
# agent" is an agent of the same two), with all their components.
PRIMARILY_ENFORCING = ("US-DHS-ICE", "US-DHS-CBP")


def _signer(process: Any, doc: DocumentFacts) -> Signer:
    signer = signer_rank(
        signed_by=process.signed_by,
        issued_by=process.issued_by,
        title=process.title,
        text=process.text,
    )
    if not signer.federal and any(signal.startswith("court form AO") for signal in doc.signals):
        # The Administrative Office's forms are federal courts' only.
        signer = signer_rank(
            signed_by=process.signed_by,
            issued_by="United States District Court",
            title=process.title,
            text=process.text,
        )
    return signer


def _signed(what: str, found: list[Signer], signers: list[Signer]) -> str:
    if found:
        return " ".join(signer.because for signer in found)
    if not signers:
        return f"No court-issued process is offered, so no {what} signed by an Article III judge."
    return f"No {what} signed by a judge appointed under Article III is offered. " + " ".join(
        signer.because for signer in signers
    )


def mentioned(pattern: re.Pattern[str], *texts: str | None) -> str | None:
    """The first words of `texts` that `pattern` finds and no denial stands before."""
    for text in texts:
        if not text or not pattern.search(text):
            continue
        for clause in CLAUSE_END.split(text):
            for match in pattern.finditer(clause):
                if not DENIED_BEFORE.search(clause[: match.start()]):
                    return match.group(0)
    return None


def _said(words: str | None, what: str, absent: str) -> str:
    if words:
        return f'The request speaks of {what} ("{words}").'
    return f"The request does not speak of {absent}."


def certification_age(request: Request, received_on: dt.date | None = None) -> int | None:
    """Days between the certification's signing and the request, or None if none is on file.

    `received_on` is the date the agency received the request on its own calendar (the
    pack's time zone); without it, the timestamp's own date.
    """
    if request.certification is None or request.certification.signed_on is None:
        return None
    return ((received_on or request.received_on) - request.certification.signed_on).days


# Words in a person's name that do not tell two people apart ("Ms. Ana Ruiz" is "Ana Ruiz");
# generational suffixes do ("Jr.", "Sr.") and are kept.
_COURTESY = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sra", "srta"})


@functools.lru_cache(maxsize=4096)
def _name_words(name: str | None) -> tuple[str, ...]:
    """A person's name as comparable words: case, accents, punctuation and order set aside."""
    if not name:
        return ()
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    words = [word for word in re.split(r"[^\w]+", plain) if word and word not in _COURTESY]
    return tuple(sorted(words))


def same_person(first: str | None, second: str | None) -> bool:
    """Whether two written names are one person's: the same words, in any order, with a
    middle initial written in one and not the other ("Ana M. Ruiz" is "Ruiz, Ana")."""
    a, b = _name_words(first), _name_words(second)
    if not a or not b:
        return False
    if a == b:
        return True
    initials = {word for word in (*a, *b) if len(word) == 1}
    full_a = tuple(word for word in a if word not in initials)
    full_b = tuple(word for word in b if word not in initials)
    return len(full_a) >= 2 and full_a == full_b


@dataclass(frozen=True)
class Relationship:
    """Who the requester is to the person whose record it is, and why it is read so."""

    value: str  # "self", "consent" or "third_party"
    because: str


def relationship(request: Request, *, level: str, known_agency: str | None) -> Relationship:
    """The requester's relationship to the record's subject (contract 1.1).

    A stated relationship is taken unless the request itself contradicts it: a government
    body is never the person in interest, nor is a requester asking for someone else's
    record. With none stated, an individual whose name is the only subject's name is read
    as the person in interest asking for their own record.
    """
    requester = request.requester
    stated = requester.relationship
    person = requester.name or requester.organization
    named = [subject.name for subject in request.subjects if subject.name]
    others = [name for name in named if not same_person(person, name)]
    if stated == "consent":
        return Relationship(
            "consent", "Stated: the requester acts with the person's written consent."
        )
    if stated == "third_party":
        return Relationship("third_party", "Stated: a third party's request.")
    if stated == "self":
        if level in GOVERNMENT_LEVELS or known_agency:
            body = known_agency or f"a {level} government body"
            return Relationship(
                "third_party",
                f"Stated as the person in interest, but the requester is {body}, not a "
                "person; it is decided as a third party's request.",
            )
        if others:
            return Relationship(
                "third_party",
                f"Stated as the person in interest, but the record asked for is "
                f"{_names(others)}'s, not the requester's ({person}); it is decided as a "
                "third party's request.",
            )
        return Relationship(
            "self", "Stated: the requester is the person in interest, asking for their own record."
        )
    individual = level == "individual" or (
        level == "unknown"
        and not known_agency
        and same_person(requester.name, requester.organization)
    )
    if individual and len(request.subjects) == 1 and len(named) == 1 and not others:
        return Relationship(
            "self",
            f"Inferred: no relationship was stated, and the requester, an individual, is the "
            f"only subject ({named[0]}); the request is read as the person in interest asking "
            "for their own record.",
        )
    if individual and named:
        return Relationship(
            "third_party",
            f"No relationship was stated, and the record asked for is not only the "
            f"requester's ({person}): it is a third party's request.",
        )
    return Relationship("third_party", "No relationship was stated: a third party's request.")


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _certification_because(
    request: Request, age: int | None, certified: bool, source: str | None
) -> str:
    if age is None or request.certification is None:
        if source:
            return f"No certification signed on or before the request is on file in {source}."
        return "No certification is on file with the request."
    signed = f"Signed {request.certification.signed_on}, {age} days before the request"
    if source:
        signed += f", according to {source}"
    if certified:
        return signed + "."
    return (
        signed
        + f"; a certification counts for the {CERTIFICATION_VALID_DAYS} days before the request, not after it."
    )


def gather(
    request: Request,
    *,
    settings: Settings,
    directory: Directory | None = None,
    received_on: dt.date | None = None,
) -> Gathered:
    """The facts of one request. `received_on` is its date on the agency's calendar."""
    directory = directory or default_directory()
    requester_info = request.requester
    who = directory.identify(
        organization=requester_info.organization,
        component=requester_info.component,
        ori=requester_info.ori,
        name=requester_info.name,
    )
    acting = directory.acting_for(request.purpose)
    level = requester_info.level or who.level or "unknown"
    investigation = request.criminal_investigation
    offense_text = investigation.offense if investigation else None
    # One per line: a purpose without a closing full stop must not run into the offence.
    stated = immigration_purpose(
        "\n".join(part for part in (request.purpose, offense_text) if part)
    )
    offense = immigration_offense(_join(offense_text, request.purpose))
    law = _immigration_law(request.claimed_legal_requirement)
    documents = tuple(
        classify_document(
            kind=process.kind,
            form=process.form,
            title=process.title,
            issued_by=process.issued_by,
            signed_by=process.signed_by,
            text=process.text,
        )
        for process in request.legal_process
    )
    court = [doc for doc in documents if doc.court_issued]
    federal_court = [
        process
        for process, doc in zip(request.legal_process, documents, strict=True)
        if doc.court_issued
        and mentioned(
            _FEDERAL_COURT, process.issued_by, process.signed_by, process.title, process.text
        )
    ]
    subpoenas = [doc for doc in documents if doc.kind.endswith("subpoena")]
    # Who signed each court-issued document: some states accept only an Article III judge.
    signers = [
        _signer(process, doc)
        for process, doc in zip(request.legal_process, documents, strict=True)
        if doc.court_issued
    ]
    court_docs = [doc for doc in documents if doc.court_issued]
    article_iii = [
        (doc, signer)
        for doc, signer in zip(court_docs, signers, strict=True)
        if signer.rank == ARTICLE_III
    ]
    magistrate = [signer for signer in signers if signer.rank == MAGISTRATE]
    court_subpoenas = [doc for doc in court_docs if doc.kind.endswith("subpoena")]
    federal_subpoenas = [
        doc
        for doc, signer in zip(court_docs, signers, strict=True)
        if doc.kind.endswith("subpoena") and signer.federal
    ]
    population = mentioned(
        _WHOLE_DATABASE,
        request.purpose,
        *(part for process in request.legal_process for part in (process.title, process.text)),
    )
    traveler = mentioned(_TRAVELER, request.purpose)
    people_named = any(
        subject.name or subject.date_of_birth or subject.license_number
        for subject in request.subjects
    )
    # Population words beside named people ("all records of Ana Ruiz in your system") are
    # read as that person's records; a bulk request is a whole database whatever it names.
    whole_database = request.bulk or (bool(population) and not people_named)
    facial_text = mentioned(_FACIAL_RECOGNITION, request.purpose)
    texts = (request.purpose, request.claimed_legal_requirement)
    open_records = mentioned(_OPEN_RECORDS, *texts)
    data_sharing = mentioned(_DATA_SHARING, *texts)
    election = mentioned(_ELECTION, *texts)
    protected = mentioned(_FERPA_HIPAA, *texts)
    receiving = directory.get(request.receiving_agency) if request.receiving_agency else None
    receiving_family = (
        (receiving.id, *directory.ancestors(receiving))
        if receiving
        else ((request.receiving_agency,) if request.receiving_agency else ())
    )
    immigration_agency = who.immigration_agency or bool(acting) or bool(stated.acting_for)
    enforcement_agency = (
        who.via_287g
        or any(directory.within(who.agency, parent) for parent in PRIMARILY_ENFORCING)
        or bool(
            acting
            and (
                acting.agency is None
                or any(directory.within(acting.agency, parent) for parent in PRIMARILY_ENFORCING)
            )
        )
        or bool(stated.acting_for)
    )
    dhs = directory.within(who.agency, "US-DHS") or bool(
        acting and (acting.agency is None or directory.within(acting.agency, "US-DHS"))
    )
    administrative_immigration = bool(documents) and all(
        doc.immigration and not doc.court_issued and not doc.ambiguous for doc in documents
    )
    ambiguous = [doc for doc in documents if doc.ambiguous]
    unsigned = [doc for doc in documents if doc.unsigned]
    age = certification_age(request, received_on)
    certified = age is not None and 0 <= age <= CERTIFICATION_VALID_DAYS
    database = request.channel == "database" or request.bulk
    same = directory.same_agency(who, request.receiving_agency)
    related = relationship(
        request, level=level, known_agency=who.agency.name if who.agency else None
    )

    values: dict[str, Any] = {
        "purpose_category": request.purpose_category or "unknown",
        "requester_level": level,
        "government_requester": level in GOVERNMENT_LEVELS,
        "immigration_agency": immigration_agency,
        "enforcement_component": who.enforcement_component or bool(acting and acting.enforcement),
        "third_party": not same,
        "immigration_purpose_stated": stated.enforcement,
        "immigration_role_unclear": stated.role_unclear,
        "immigration_offense": offense.immigration,
        "immigration_law_claimed": law.immigration,
        "criminal_investigation_details": bool(
            investigation and (investigation.case_number or investigation.offense)
        ),
        "court_process": bool(court),
        "only_administrative_immigration_process": administrative_immigration,
        "ambiguous_process": bool(ambiguous),
        "claimed_legal_requirement": bool(request.claimed_legal_requirement),
        "facial_recognition": request.facial_recognition or bool(facial_text),
        "facial_recognition_authorized": bool(settings.facial_recognition_authorization),
        "database_access": database,
        "certification_current": certified,
        "person_in_interest": related.value == "self",
        "written_consent": related.value == "consent",
        "agency_kind": settings.agency_kind,
        "dhs_requester": dhs,
        "subpoena_offered": bool(subpoenas),
        "federal_court_process": bool(federal_court),
        "open_records_request": bool(open_records),
        "data_sharing_agreement": bool(data_sharing),
        "election_request": bool(election),
        "protected_education_or_health_records": bool(protected),
        "receiving_agencies": receiving_family,
        "immigration_enforcement_agency": enforcement_agency,
        "article_iii_warrant": any(doc.kind == "judicial_warrant" for doc, _ in article_iii),
        "article_iii_process": bool(article_iii),
        "magistrate_judge_process": bool(magistrate),
        "court_order_offered": any(doc.kind == "court_order" for doc in court_docs),
        "court_subpoena_offered": bool(court_subpoenas),
        "federal_court_subpoena": bool(federal_subpoenas),
        "whole_database_sought": whole_database,
        "individual_records": people_named and not whole_database,
        "certification_on_file": age is not None and age >= 0,
        "trusted_traveler_or_vehicle_trade": bool(traveler),
        "warrant_signer_unknown": any(
            not signer.rank and doc.kind == "judicial_warrant"
            for doc, signer in zip(court_docs, signers, strict=True)
        ),
    }
    acting_because = (
        f' The purpose says the request is made for {acting.name} ("{acting.quote}"), so the '
        "requester is treated as that agency."
        if acting and not who.immigration_agency
        else f" {stated.because}"
        if stated.acting_for and not who.immigration_agency
        else ""
    )

    # The reasons are words for people: built only when a decision shows them (an
    # explanation, a rule that quotes them), not for every decision made.
    def because() -> dict[str, str]:
        return {
            "purpose_category": f"Stated as {request.purpose_category}."
            if request.purpose_category
            else "No purpose category was given.",
            "requester_level": f"Stated as {requester_info.level}."
            if requester_info.level
            else (
                f"From the agency directory: {who.agency.name}."
                if who.agency
                else "Not stated and not in the agency directory."
            ),
            "government_requester": f"The requester's level is {level}.",
            "immigration_agency": acting_because.strip() or who.because,
            "enforcement_component": acting_because.strip() or who.because,
            "third_party": (
                f"The requester is {request.receiving_agency} itself."
                if same
                else f"The requester is not the receiving agency ({request.receiving_agency})."
                if request.receiving_agency
                else "No receiving agency is named, so the requester is treated as a third party."
            ),
            "immigration_purpose_stated": (
                "No immigration enforcement against the record's subject is stated. "
                + stated.because
                if stated.acting_for and not stated.enforcement
                else stated.because
            ),
            "immigration_role_unclear": stated.because,
            "immigration_offense": offense.because,
            "immigration_law_claimed": law.because,
            "criminal_investigation_details": (
                "Case number or offence given."
                if values["criminal_investigation_details"]
                else "No case number or offence is given."
            ),
            "claimed_legal_requirement": (
                f"Claims: {request.claimed_legal_requirement}."
                if request.claimed_legal_requirement
                else "No legal requirement is claimed."
            ),
            "facial_recognition": (
                "A facial recognition search is requested."
                if request.facial_recognition
                else f'The purpose asks for a facial recognition search ("{facial_text}").'
                if facial_text
                else "No facial recognition search is requested."
            ),
            "court_process": " ".join(doc.because for doc in court)
            or (
                "No legal process was offered."
                if not documents
                else "None of the documents offered is court-issued."
                + "".join(f" {doc.because}" for doc in unsigned)
            ),
            "only_administrative_immigration_process": " ".join(doc.because for doc in documents)
            or "No legal process was offered.",
            "ambiguous_process": " ".join(doc.because for doc in ambiguous)
            or "Every document offered was identified.",
            "database_access": f"Channel {request.channel or 'not stated'}{', bulk' if request.bulk else ''}.",
            "certification_current": _certification_because(
                request, age, certified, settings.certification_source
            ),
            "facial_recognition_authorized": (
                f"Authorization recorded: {settings.facial_recognition_authorization}."
                if settings.facial_recognition_authorization
                else "No legislative authorization is recorded for this deployment."
            ),
            "person_in_interest": related.because,
            "written_consent": related.because,
            "agency_kind": f"This deployment is {KIND_NAMES[settings.agency_kind]}.",
            "dhs_requester": (
                "The requester is part of the Department of Homeland Security"
                + (f" or acts for it ({acting.quote})." if acting else ".")
                if dhs
                else "The requester is not part of the Department of Homeland Security."
            ),
            "subpoena_offered": (
                f"{len(subpoenas)} of the documents offered "
                + ("is a subpoena." if len(subpoenas) == 1 else "are subpoenas.")
                if subpoenas
                else "No subpoena is offered."
            ),
            "federal_court_process": (
                "A federal court issued the process offered."
                if federal_court
                else "No process offered was issued by a federal court."
            ),
            "open_records_request": _said(
                open_records, "an open-records request", "CORA or the Criminal Justice Records Act"
            ),
            "data_sharing_agreement": _said(
                data_sharing, "a data-sharing agreement", "a data-sharing agreement"
            ),
            "election_request": _said(election, "an election", "an election"),
            "protected_education_or_health_records": _said(
                protected, "FERPA or HIPAA records", "FERPA or HIPAA records"
            ),
            "immigration_enforcement_agency": (
                acting_because.strip()
                or (
                    f"{who.because} It is part of ICE or CBP, agencies that primarily "
                    "enforce immigration law."
                    if enforcement_agency
                    else f"{who.because} It is not part of ICE or CBP, nor acts for them."
                    if immigration_agency
                    else "The requester is not an immigration agency."
                )
            ),
            "article_iii_warrant": _signed(
                "judicial warrant",
                [s for d, s in article_iii if d.kind == "judicial_warrant"],
                signers,
            ),
            "article_iii_process": _signed(
                "court-issued process", [s for _, s in article_iii], signers
            ),
            "magistrate_judge_process": " ".join(s.because for s in magistrate)
            or "No process offered was signed by a United States magistrate judge.",
            "court_order_offered": (
                "A court-issued court order is offered."
                if values["court_order_offered"]
                else "No court-issued court order is offered."
            ),
            "court_subpoena_offered": (
                f"{len(court_subpoenas)} court-issued subpoena(s) offered."
                if court_subpoenas
                else "No court-issued subpoena is offered."
            ),
            "federal_court_subpoena": (
                "A federal court's or federal grand jury's subpoena is offered."
                if federal_subpoenas
                else "No subpoena of a federal court or grand jury is offered."
            ),
            "whole_database_sought": (
                "The request is for bulk access."
                if request.bulk
                else f'The request seeks a population, and names no one ("{population}").'
                if whole_database
                else f'The request names the people it is about, so "{population}" is read as their records.'
                if population
                else "The request does not seek a whole database or a population."
            ),
            "certification_on_file": _certification_because(
                request, age, age is not None and age >= 0, settings.certification_source
            ),
            "trusted_traveler_or_vehicle_trade": _said(
                traveler,
                "a trusted traveler program or a vehicle's import or export",
                "a trusted traveler program or a vehicle's import or export",
            ),
            "warrant_signer_unknown": " ".join(
                signer.because
                for doc, signer in zip(court_docs, signers, strict=True)
                if not signer.rank and doc.kind == "judicial_warrant"
            )
            or "No judicial warrant is offered whose signer is not told.",
            "individual_records": (
                "The request names the people whose records it seeks."
                if values["individual_records"]
                else "The request seeks a whole database or a population, not named people's records."
                if whole_database
                else "The request names no person whose records it seeks."
            ),
            "receiving_agencies": (
                f"Received by {', within '.join(receiving_family)}."
                if receiving_family
                else "No receiving agency is named."
            ),
        }

    return Gathered(values=values, because=Reasons(because), documents=documents, requester=who)
