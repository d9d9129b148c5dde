"""The words for every vocabulary value, in English and Spanish, for people to read.

The contract's vocabularies (contract/REQUESTS.md) and the policy packs' effects and
obligations are codes (`administrative_warrant`, `log_request`) that tools exchange and
store; people read the words below. Pages, letters and the exports for people all take
their words from these tables, so a value reads the same wherever it appears; the
machine formats (the API, record.csv, the ledger) keep the codes.

Words are written as they sit inside a sentence ("a request for the driving record");
`label` gives them a capital for a list item, a cell or a heading. A value the tables do
not know (one recorded under a later vocabulary, say) reads as its own words, never as
an error: a page must still show what the record holds.
"""

from __future__ import annotations

LANGUAGES = ("en", "es")
# Each value's words: English, Spanish.
Words = tuple[str, str]

CHANNELS: dict[str, Words] = {
    "email": ("email", "correo electrónico"),
    "phone": ("telephone", "teléfono"),
    "in_person": ("in person", "en persona"),
    "mail": ("mail", "correo postal"),
    "portal": ("online portal", "portal en línea"),
    "api": ("API", "API"),
    "database": ("database access", "acceso a la base de datos"),
}

LEVELS: dict[str, Words] = {
    "federal": ("federal", "federal"),
    "state": ("state", "estatal"),
    "local": ("local", "local"),
    "tribal": ("tribal", "tribal"),
    "private": ("private", "privado"),
    "individual": ("individual", "particular"),
}

RECORDS: dict[str, Words] = {
    "name": ("name", "nombre"),
    "address": ("address", "domicilio"),
    "date_of_birth": ("date of birth", "fecha de nacimiento"),
    "license_number": (
        "driver's license or ID card number",
        "número de licencia de conducir o de tarjeta de identificación",
    ),
    "license_status": ("license status", "estado de la licencia"),
    "driving_record": ("driving record", "historial de manejo"),
    "photo": ("photograph", "fotografía"),
    "physical_description": ("physical description", "descripción física"),
    "vehicle_registration": ("vehicle registration", "registro del vehículo"),
    "phone": ("telephone number", "número de teléfono"),
    "email": ("email address", "dirección de correo electrónico"),
    "ssn": ("Social Security number", "número de Seguro Social"),
    "place_of_birth": ("place of birth", "lugar de nacimiento"),
    "immigration_status": ("immigration status", "situación migratoria"),
    "citizenship_status": ("citizenship status", "ciudadanía"),
    "identity_documents": ("identity documents", "documentos de identidad"),
    "signature": ("signature", "firma"),
    "other": ("other records", "otros datos"),
}

PURPOSE_CATEGORIES: dict[str, Words] = {
    "criminal_investigation": ("criminal investigation", "investigación penal"),
    "civil_immigration_enforcement": (
        "civil immigration enforcement",
        "control migratorio civil",
    ),
    "agency_function": ("government agency function", "función de una agencia pública"),
    "court_proceeding": ("court proceeding", "procedimiento judicial"),
    "other": ("other purpose", "otro propósito"),
    "unknown": ("not known", "desconocido"),
}

# What the system took each document to be, as the requester should read it: whether a
# court issued it is what the law turns on, so the words say so.
PROCESS_KINDS: dict[str, Words] = {
    "judicial_warrant": ("judicial warrant", "mandamiento judicial (warrant)"),
    "court_order": ("court order", "orden de un tribunal"),
    "court_subpoena": ("subpoena issued by a court", "citación emitida por un tribunal"),
    "grand_jury_subpoena": ("grand jury subpoena", "citación de un gran jurado"),
    "administrative_warrant": (
        "administrative warrant, not issued by a court",
        "orden administrativa, no emitida por un tribunal",
    ),
    "administrative_subpoena": (
        "administrative subpoena, not issued by a court",
        "citación administrativa, no emitida por un tribunal",
    ),
    "detainer": (
        "immigration detainer, not issued by a court",
        "solicitud de detención migratoria (detainer), no emitida por un tribunal",
    ),
    "other": ("document of another kind", "documento de otro tipo"),
}

RELATIONSHIPS: dict[str, Words] = {
    "self": ("the person in interest", "la persona interesada"),
    "consent": ("with the person's written consent", "con el consentimiento escrito de la persona"),
    "third_party": ("third party", "tercero"),
}

OUTCOMES: dict[str, Words] = {
    "refuse": ("refuse", "denegar"),
    "legal_review": ("legal review", "revisión jurídica"),
    "eligible": ("eligible", "procedente"),
}

# contract/REPORTS.md's final statuses: what happened to the request in the end.
FINAL_STATUSES: dict[str, Words] = {
    "released": ("released", "entregada"),
    "refused": ("refused", "denegada"),
    "pending": ("pending", "pendiente"),
    "withdrawn": ("withdrawn", "retirada"),
}

OBLIGATIONS: dict[str, Words] = {
    "log_request": ("log the request", "registrar la solicitud"),
    "supervisor_notice": ("tell a supervisor", "avisar a un supervisor"),
    "use_restriction_notice": ("use-restriction notice", "aviso de restricción de uso"),
    "verify_certification": ("check the certification", "verificar la certificación"),
    "notify_subject": ("tell the person", "avisar a la persona"),
    "verify_identity": ("check the requester's identity", "verificar la identidad del solicitante"),
    "governor_review": ("Governor's office review", "revisión de la oficina del Gobernador"),
    "record_officer": ("record the officer", "registrar los datos del agente"),
}

# A pack rule's effect, as the tag beside its reason says it.
EFFECTS: dict[str, Words] = {
    "refuse": ("refuse", "denegar"),
    "legal_review": ("counsel must review", "revisión por la asesoría jurídica"),
    "eligible": ("eligible", "procedente"),
    "withhold": ("withhold records", "retener datos"),
    "obligation": ("obligation", "obligación"),
    "report": ("whether it is reported", "si se informa"),
}

# By the contract's field name (and the packs' words for theirs), so a caller names where
# the value came from: "other" is another records, another purpose or another document.
VOCABULARIES: dict[str, dict[str, Words]] = {
    "channel": CHANNELS,
    "level": LEVELS,
    "records_requested": RECORDS,
    "purpose_category": PURPOSE_CATEGORIES,
    "kind": PROCESS_KINDS,
    "relationship": RELATIONSHIPS,
    "outcome": OUTCOMES,
    "final_status": FINAL_STATUSES,
    "obligation": OBLIGATIONS,
    "effect": EFFECTS,
}


def _unambiguous() -> dict[str, Words]:
    """Values found in one vocabulary only, or said the same way in each they are in."""
    said: dict[str, set[Words]] = {}
    for table in VOCABULARIES.values():
        for value, words in table.items():
            said.setdefault(value, set()).add(words)
    return {value: next(iter(ways)) for value, ways in said.items() if len(ways) == 1}


_ANY = _unambiguous()


def words(value: str, vocabulary: str | None = None, language: str = "en") -> str:
    """`value` in words, in lower case as inside a sentence (but for proper names).

    Without `vocabulary`, a value found in several vocabularies with different words
    (`other`, `email`, `legal_review`) reads as its own words; name the vocabulary to get
    the table's.
    """
    index = LANGUAGES.index(language)
    table = VOCABULARIES[vocabulary] if vocabulary else _ANY
    found = table.get(value)
    return found[index] if found else value.replace("_", " ")


def label(value: str, vocabulary: str | None = None, language: str = "en") -> str:
    """`value` in words with a capital, for a list item, a table cell or a heading."""
    said = words(value, vocabulary, language)
    return said[:1].upper() + said[1:]
