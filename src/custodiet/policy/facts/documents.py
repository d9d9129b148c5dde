"""What each legal document is: court-issued process, or administrative paperwork.

Colorado's rules turn on whether a request is backed by court-issued process (LAW.md,
"Legal process: judicial or administrative?"). Requesters describe their documents loosely
and sometimes wrongly: an ICE Form I-200 arrives called "a warrant", an I-205 names a
district judge, an ICE subpoena says it is part of a criminal case. `classify_document`
reads one document's form number, title, issuer, signer and text, and says what kind it
is, why (in words a clerk can read aloud), and whether counsel must look.

It never imports Django and runs for every document of every decision. Each field is cut
into lower-case words once; a table maps the few words that matter ("court", "judge",
"officer", "I", "8") to a small reader that looks at the words around it. Matching whole
words is also what keeps "police", "notice" and "justice" from meaning ICE.

Court-issued process is what a court issued and a judge or magistrate signed (a clerk, for
subpoenas). A blank signature line, a printed caption or title, a "[PROPOSED]" or unsigned
order, or a signature by an executive officer is not a court's signature (contract 1.1):
such a paper is of a court's kind but not court-issued, and `because` says what was
missing (`_signature`).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

KINDS = (
    "judicial_warrant",
    "court_order",
    "court_subpoena",
    "grand_jury_subpoena",
    "administrative_warrant",
    "administrative_subpoena",
    "detainer",
    "other",
)
COURT_ISSUED = frozenset(
    {"judicial_warrant", "court_order", "court_subpoena", "grand_jury_subpoena"}
)
_ADMINISTRATIVE_KINDS = frozenset({"administrative_warrant", "administrative_subpoena", "detainer"})


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """What one legal document is, as the system treats it, and why."""

    kind: str  # one of KINDS
    inferred: bool  # the kind was not stated, or was stated and overruled by the document
    because: str  # one or two sentences a clerk can read aloud
    court_issued: bool  # kind in COURT_ISSUED
    immigration: bool  # issued by or for immigration authorities
    ambiguous: bool  # nothing recognisable, or signs that disagree: counsel must look
    stated_kind: str | None  # the kind the requester stated, if any
    signals: tuple[str, ...]  # what was recognised: ("form I-200", "signed by ...")
    # A court's kind of paper that no judge (or clerk, for a subpoena) signed: a blank
    # signature line, a proposed order, an executive officer's signature. Not court-issued.
    unsigned: bool = False


# --- What the documents look like ----------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Legal documents say what they are on their first pages; bounding the scan keeps every
# decision fast whatever is pasted into the text field.
_MAX_TEXT = 200_000
# A long court order says "the Court" on every page; the first mentions decide.
_MAX_HITS = 24

# Punctuation separates words: "I-200" is "i 200", "U.S.C." is "u s c", "287.4" is "287 4".
# Forms are typed and OCR'd with every kind of hyphen.
_SEPARATORS = str.maketrans(dict.fromkeys("!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~‐‑‒–—−§¶•·", " "))

_DHS_ISSUER = "issued by an immigration officer of the Department of Homeland Security"
# DHS forms: number -> (kind, what the form is).
_DHS_FORMS: dict[str, tuple[str, str]] = {
    "I-200": ("administrative_warrant", "a Warrant for Arrest of Alien"),
    "I-205": ("administrative_warrant", "a Warrant of Removal/Deportation"),
    "I-203": ("detainer", "an Order to Detain or Release Alien"),
    "I-247": ("detainer", "an Immigration Detainer - Notice of Action"),
    "I-247A": ("detainer", "an Immigration Detainer - Notice of Action"),
    "I-247D": ("detainer", "an Immigration Detainer - Request for Voluntary Action"),
    "I-247N": ("detainer", "a Request for Voluntary Notification of Release"),
    "I-247X": ("detainer", "a Request for Voluntary Transfer"),
    "I-138": ("administrative_subpoena", "an Immigration Enforcement Subpoena"),
    "I-862": ("other", "a Notice to Appear in removal proceedings"),
    "I-860": ("other", "a Notice and Order of Expedited Removal"),
    "I-871": ("other", "a Notice of Intent/Decision to Reinstate Prior Order"),
    "I-851": ("other", "a Notice of Intent to Issue a Final Administrative Removal Order"),
}
_DETAINER_SUFFIXES = frozenset({"a", "d", "n", "x"})
# "I200", "i247a": the form number written as one word.
_JOINED_FORMS = {number.replace("-", "").lower(): number for number in _DHS_FORMS}
_VOLUNTARY_REQUESTS = {"action": "I-247D", "notification": "I-247N", "transfer": "I-247X"}

# Forms of the Administrative Office of the U.S. Courts: only federal courts issue them.
# Number -> (kind, what the form is). Colorado's Judicial Department forms ("JDF") are
# court forms too, of every kind.
_COURT_FORMS: dict[str, tuple[str | None, str]] = {
    "AO 93": ("judicial_warrant", "a Search and Seizure Warrant"),
    "AO 93C": ("judicial_warrant", "a Warrant by Telephone or Other Reliable Electronic Means"),
    "AO 109": ("judicial_warrant", "a Warrant to Seize Property Subject to Forfeiture"),
    "AO 442": ("judicial_warrant", "an Arrest Warrant"),
    "AO 88": ("court_subpoena", "a Subpoena to Appear and Testify in a Civil Action"),
    "AO 88A": ("court_subpoena", "a Subpoena to Testify at a Deposition"),
    "AO 88B": ("court_subpoena", "a Subpoena to Produce Documents"),
    "AO 89": ("court_subpoena", "a Subpoena to Testify in a Criminal Case"),
    "AO 110": ("grand_jury_subpoena", "a Subpoena to Testify Before a Grand Jury"),
}
_AO_NUMBERS = frozenset(number[3:].lower() for number in _COURT_FORMS)

# Who issues subpoenas or summonses under each provision, with no court at all.
_AUTHORITY_ISSUERS = {
    "8 U.S.C. 1225(d)": "immigration officers",
    "INA 235(d)": "immigration officers",
    "8 CFR 287.4": "immigration officers",
    "19 U.S.C. 1509": "customs officers",
}
# Sections of title 8 that give immigration officers their arrest and detention powers.
_IMMIGRATION_SECTIONS = frozenset({"1226", "1231", "1357"})

_AGENCY_LONG = {
    "DHS": "the Department of Homeland Security",
    "HSI": "Homeland Security Investigations",
    "ICE": "U.S. Immigration and Customs Enforcement",
    "CBP": "U.S. Customs and Border Protection",
    "USBP": "the Border Patrol",
    "USCIS": "U.S. Citizenship and Immigration Services",
    "ERO": "ICE Enforcement and Removal Operations",
    "INS": "the Immigration and Naturalization Service",
}
_AGENCY_WORDS = frozenset(acronym.lower() for acronym in _AGENCY_LONG)
# "ice", "ins" and "Ina" are also words; the agencies and the Act are written in capitals.
_CASED_ACRONYMS = {"ice": "ICE", "ina": "INA", "ins": "INS"}
# States have their own "Department of Homeland Security" (Indiana's, for one): not DHS.
_STATE_WORDS = _word_set(
    """alabama alaska arizona arkansas california colorado connecticut delaware florida
    georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland
    massachusetts michigan minnesota mississippi missouri montana nebraska nevada ohio
    oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington
    wisconsin wyoming hampshire jersey mexico york carolina dakota island state"""
)

_SIGNATURE_WORDS = frozenset({"signature", "signed", "printed"})  # "/s/" is read as "signed"
# Where a signature goes: a blank line beside one of these is a signature left blank.
_SIGNATURE_PLACES = frozenset(
    {"court", "judge", "magistrate", "justice", "clerk", "signature", "signed", "hon"}
)
# Who signed, by the first title among the signer's words. A modifier ("deputy", "chief")
# waits for the title after it ("Deputy Clerk", "Chief Judge").
_SIGNER_TITLES: dict[str, str] = {
    **dict.fromkeys(
        _word_set("judge judges magistrate justice hon honorable honourable referee"), "judge"
    ),
    "clerk": "clerk",
    **dict.fromkeys(
        _word_set(
            """sheriff undersheriff governor mayor director commissioner secretary administrator
            detective det ofc sergeant sgt captain capt lieutenant lt trooper officer agent
            inspector investigator marshal prosecutor warden superintendent manager supervisor
            police department"""
        ),
        "executive",
    ),
    **dict.fromkeys(_word_set("esq esquire attorney attorneys counsel lawyer"), "attorney"),
}
_SIGNER_MODIFIERS = _word_set(
    "deputy assistant acting chief senior supervisory special associate presiding"
)
# "District Attorney", "U.S. Attorney", "Attorney General": prosecutors, the executive.
_PUBLIC_ATTORNEYS = frozenset({"district", "states", "s", "county", "city", "state"})
_SIGNER_PHRASES = {
    "judge": "a judge",
    "clerk": "a clerk",
    "executive": "an executive officer",
    "attorney": "an attorney",
    "name": "a signer",
}
_SIGNATURE_REACH = 14
# The captions under the DHS forms' signature lines: "(Signature of immigration officer)",
# "(Title of immigration officer)", "Printed Name and Title of Authorized Immigration Officer".
_SIGNATURE_BLOCK = frozenset({"signature", "title"})
# A title in a document's first words is its own; further down it may be quoted.
_HEADING_WORDS = 30

_JUDGE_TITLE_WORDS = _word_set(
    """united states u s chief senior presiding district magistrate circuit county
    municipal superior court probate juvenile bankruptcy associate trial"""
)
_COURT_TYPES = _word_set(
    """supreme superior district circuit municipal justice probate juvenile family
    bankruptcy magistrate magistrates criminal civil water chancery surrogate surrogates
    tribal county appellate trial tax surveillance"""
)
# Courts named by what they hear: "Court of Appeals", "Court of Common Pleas".
_COURT_OF = (
    ["appeals"],
    ["claims"],
    ["chancery"],
    ["common", "pleas"],
    ["criminal", "appeals"],
    ["federal", "claims"],
    ["international", "trade"],
)
_DISTRICT_DIRECTIONS = frozenset(
    {"northern", "southern", "eastern", "western", "middle", "central"}
)
_TWO_WORD_PLACES = frozenset({"new", "north", "south", "west", "rhode", "puerto", "district"})
# Words that precede a court's name without being part of it.
_NOT_A_NAME = _word_set(
    """the a an of this that said and or in for to by from any states immigration warrant
    order subpoena search arrest v vs no case before at with on is was s"""
)

# What a document calls itself, by the word it uses.
_COURT_KIND_BY_WORD = {
    "grand_jury": "grand_jury_subpoena",
    "subpoena": "court_subpoena",
    "warrant": "judicial_warrant",
    "order": "court_order",
}
_ADMIN_KIND_BY_WORD = {
    "detainer": "detainer",
    "subpoena": "administrative_subpoena",
    "summons": "administrative_subpoena",
    "warrant": "administrative_warrant",
    # An immigration judge's or officer's order (of removal, say) is none of the three.
    "order": "other",
}

_KIND_PHRASES = {
    "judicial_warrant": "a judicial warrant",
    "court_order": "a court order",
    "court_subpoena": "a court subpoena",
    "grand_jury_subpoena": "a grand jury subpoena",
    "administrative_warrant": "an administrative warrant",
    "administrative_subpoena": "an administrative subpoena",
    "detainer": "an immigration detainer",
    "other": "another kind of document",
}
_SMALL_WORDS = frozenset({"a", "an", "and", "for", "of", "the", "in", "at", "on", "or", "to"})


# --- The fact --------------------------------------------------------------------------------


def classify_document(
    *,
    kind: str | None = None,
    form: str | None = None,
    title: str | None = None,
    issued_by: str | None = None,
    signed_by: str | None = None,
    text: str | None = None,
) -> DocumentFacts:
    """What one document of a request's `legal_process` is, and why.

    `kind` is the kind the requester stated, if any. The other arguments describe the
    document; any may be missing. Never raises.
    """
    return _classify(kind, form, title, issued_by, signed_by, text)


def recognised_form(facts: DocumentFacts) -> tuple[str, str] | None:
    """The form a document was recognised as, by number and title ("I-200", "Warrant for
    Arrest of Alien"), or None: a letter names by it a document its requester sent only as
    a file. A form number seen in it comes before a form's title seen in it."""
    tables = (("form ", _DHS_FORMS), ("court form ", _COURT_FORMS), ("title of form ", _DHS_FORMS))
    for prefix, table in tables:
        for signal in facts.signals:
            number = signal.removeprefix(prefix)
            if signal.startswith(prefix) and number in table:
                title = table[number][1].split(" ", 1)[1]  # without its article
                return number, title
    return None


# Partners send the same forms again and again (an I-200, a detainer, their own subpoena
# template): a document read once is not read again while it is in the cache.
@functools.lru_cache(maxsize=1024)
def _classify(
    kind: str | None,
    form: str | None,
    title: str | None,
    issued_by: str | None,
    signed_by: str | None,
    text: str | None,
) -> DocumentFacts:
    stated = kind if kind in KINDS else None
    given = (
        (_FORM, form),
        (_TITLE, title),
        (_ISSUED_BY, issued_by),
        (_SIGNED_BY, signed_by),
        (_TEXT, text),
    )
    fields = {name: value[:_MAX_TEXT] for name, value in given if value and not value.isspace()}
    if not fields:
        return _nothing_given(stated)
    reading, signals = _read(fields, stated)
    return _decide(stated, reading, signals)


def _nothing_given(stated: str | None) -> DocumentFacts:
    if stated is None:
        because = (
            "No details of the document were given (no form, title, issuer, signer or text), "
            "so nothing identifies it; counsel should read it."
        )
    else:
        because = (
            f"Stated as {_KIND_PHRASES[stated]}; no details of the document were given to "
            "check that against."
        )
    return DocumentFacts(
        kind=stated or "other",
        inferred=stated is None,
        because=because,
        court_issued=stated in COURT_ISSUED,
        immigration=stated == "detainer",
        ambiguous=stated is None,
        stated_kind=stated,
        signals=(),
    )


# --- Finding the signs ---------------------------------------------------------------------

_FORM, _TITLE, _ISSUED_BY, _SIGNED_BY, _TEXT = "form", "title", "issued_by", "signed_by", "text"
# What the requester says of a document comes before what its text says.
_FIELD_ORDER = {_FORM: 0, _TITLE: 1, _ISSUED_BY: 2, _SIGNED_BY: 3, _TEXT: 4}


class _Hit(NamedTuple):  # a tuple: one is built for every sign seen, so it must be cheap
    field: str
    start: int  # the word's place in its field
    key: str  # canonical: a form number, an agency's acronym, a provision, a kind of sign
    shown: str  # lower-case words as written, for explanations


_Hits = dict[str, list[_Hit]]


class _Scan:
    """The signs found in one field of a document, added to those of the others."""

    __slots__ = ("capitals", "field", "hits", "keywords", "original", "words")

    def __init__(self, field: str, original: str, words: list[str], hits: _Hits) -> None:
        self.field = field
        self.original = original
        self.words = words
        self.hits = hits
        self.keywords: set[str] = set()
        self.capitals: dict[str, bool] = {}

    def in_capitals(self, word: str) -> bool:
        """Whether the field writes `word` in capitals somewhere ("ICE", not "ice")."""
        found = self.capitals.get(word)
        if found is None:  # looked up once: a text may say "ice" a thousand times
            found = self.capitals[word] = _has_cased_word(self.original, word)
        return found

    def add(self, category: str, i: int, key: str, shown: str = "") -> None:
        found = self.hits[category]
        if len(found) < _MAX_HITS:
            # tuple.__new__ skips the named tuple's Python-level constructor.
            found.append(tuple.__new__(_Hit, (self.field, i, key, shown or key)))

    def keyword(self, i: int, key: str) -> None:
        """Note where the field first calls the document by one of its kinds' words.

        A caption's "In re Grand Jury Subpoena No. 25-2" names the matter the document is
        about, not the document: an order to comply with a subpoena is an order."""
        if "re" in self.words[max(0, i - 5) : i] and self.words[max(0, i - 6) : i].count("in"):
            return
        if key not in self.keywords:
            self.keywords.add(key)
            self.add("keyword", i, key)

    def after(self, i: int, *expected: str) -> bool:
        return self.words[i + 1 : i + 1 + len(expected)] == list(expected)

    def before(self, i: int, *expected: str) -> bool:
        return i >= len(expected) and self.words[i - len(expected) : i] == list(expected)

    def signed_near(self, i: int) -> bool:
        if self.field == _SIGNED_BY:
            return True
        return not _SIGNATURE_WORDS.isdisjoint(self.words[max(0, i - _SIGNATURE_REACH) : i])


# A signature line left blank ("BY THE COURT: ________") is read as one word of its own.
_BLANK = "\u2423"  # ␣
_BLANK_LINE = re.compile(r"_{3,}|\.{6,}|…{3,}")
# "s/ Jane Roe" is an electronic signature like "/s/ Jane Roe".
_BARE_SIGNATURE = re.compile(r"(?<![\w/])s/(?=\s*\w)")


# A signature mark followed by nothing but a printed title to the end of its line.
_UNNAMED_SIGNATURE = re.compile(
    r"(?:/s/|(?<![\w/])s/|\bsigned:?)[ \t]*(?:\n[ \t]*)?(?:(?:united\s+states|u\.\s*s\.|chief"
    r"|senior|presiding|district|county|magistrate|circuit|court|judge|clerk|of|the)[ \t,]*)+$",
    re.IGNORECASE | re.MULTILINE,
)


def _words(s: str) -> list[str]:
    low = s.lower()
    if "___" in low or "..." in low or "……" in low:
        low = _BLANK_LINE.sub(f" {_BLANK} ", low)
    if "/s/" in low:
        low = low.replace("/s/", " signed ")
    if "s/" in low:
        low = _BARE_SIGNATURE.sub(" signed ", low)
    if "&" in low:
        low = low.replace("&", " and ")
    return low.translate(_SEPARATORS).split()


def _has_cased_word(s: str, word: str) -> bool:
    i = s.find(word)
    while i != -1:
        end = i + len(word)
        if (i == 0 or not s[i - 1].isalnum()) and (end == len(s) or not s[end].isalnum()):
            return True
        i = s.find(word, end)
    return False


def _scan(field: str, original: str, hits: _Hits) -> None:
    """Record every recognisable sign in one field."""
    words = _words(original)
    scan = _Scan(field, original, words, hits)
    readers = _READERS
    for i in [i for i, word in enumerate(words) if word in readers]:
        readers[words[i]](scan, i)


# Each reader is called at a word that may begin or end a sign, and looks around it.


def _read_i(scan: _Scan, i: int) -> None:
    """A DHS form number: "I-200", "I 200", "Form I-247A", "I-247 A"; never "I-20" or "I-2000"."""
    number = scan.words[i + 1] if i + 1 < len(scan.words) else ""
    if number == "247" and i + 2 < len(scan.words) and scan.words[i + 2] in _DETAINER_SUFFIXES:
        number += scan.words[i + 2]
    form = "I-" + number.upper()
    if form in _DHS_FORMS:
        scan.add("dhs_form", i, form)


def _read_joined_form(scan: _Scan, i: int) -> None:
    scan.add("dhs_form", i, _JOINED_FORMS[scan.words[i]])


def _read_warrant(scan: _Scan, i: int) -> None:
    scan.keyword(i, "warrant")
    following = scan.words[i + 1 : i + 2]
    if following == ["for"]:
        after = [w for w in scan.words[i + 1 : i + 7] if w not in ("the", "an", "a")]
        if after[:4] == ["for", "arrest", "of", "alien"]:
            scan.add("dhs_title", i, "I-200")
    elif following == ["of"] and scan.words[i + 2 : i + 3] in (["removal"], ["deportation"]):
        scan.add("dhs_title", i, "I-205")
    if scan.before(i, "administrative"):
        scan.add("admin_phrase", i, "warrant")


def _read_order(scan: _Scan, i: int) -> None:
    if not scan.before(i, "in"):  # "in order to" is English, not an order
        scan.keyword(i, "order")
    if scan.after(i, "to", "detain", "or", "release"):
        scan.add("dhs_title", i, "I-203")


def _read_detainer(scan: _Scan, i: int) -> None:
    scan.keyword(i, "detainer")
    if scan.before(i, "immigration"):
        scan.add("dhs_title", i - 1, "I-247A")


def _read_hold(scan: _Scan, i: int) -> None:
    if scan.before(i, "ice") or scan.before(i, "immigration"):
        scan.keyword(i - 1, "detainer")


def _read_voluntary(scan: _Scan, i: int) -> None:
    request = _VOLUNTARY_REQUESTS.get(scan.words[i + 1] if i + 1 < len(scan.words) else "")
    if request and scan.before(i, "request", "for"):
        scan.add("dhs_title", i - 2, request)


def _read_subpoena(scan: _Scan, i: int) -> None:
    scan.keyword(i, "subpoena")
    if scan.before(i, "immigration", "enforcement"):
        scan.add("dhs_title", i - 2, "I-138")
    elif scan.before(i, "administrative"):
        scan.add("admin_phrase", i, "subpoena")


def _read_summons(scan: _Scan, i: int) -> None:
    scan.keyword(i, "summons")
    if scan.before(i, "customs"):
        scan.add("authority", i - 1, "19 U.S.C. 1509")
    elif scan.before(i, "administrative"):
        scan.add("admin_phrase", i, "summons")


def _code_section(words: list[str], i: int, code: tuple[str, ...]) -> str | None:
    """The section cited at i as "<title> U.S.C. <section>" or "<title> CFR <section>"."""
    rest = words[i + 1 : i + 8]
    for spelling in (list(code), ["".join(code)]):
        if rest[: len(spelling)] == spelling:
            rest = rest[len(spelling) :]
            break
    else:
        return None
    if rest[:1] in (["sec"], ["section"], ["part"], ["pt"]):
        rest = rest[1:]
    return rest[0] if rest else ""


def _read_eight(scan: _Scan, i: int) -> None:
    if _code_section(scan.words, i, ("c", "f", "r")) is not None:
        scan.add("citation", i, "8 CFR")
    elif _code_section(scan.words, i, ("u", "s", "c")) in _IMMIGRATION_SECTIONS:
        scan.add("citation", i, "8 U.S.C.")


_CUSTOMS_SUMMONS = "19 U.S.C. 1509"


def _read_nineteen(scan: _Scan, i: int) -> None:
    if _code_section(scan.words, i, ("u", "s", "c")) == "1509":
        scan.add("authority", i, _CUSTOMS_SUMMONS)


def _read_subpoena_section(scan: _Scan, i: int) -> None:
    """8 U.S.C. 1225(d), which is INA 235(d): the immigration subpoena power."""
    if scan.after(i, "d"):
        scan.add("authority", i, "8 U.S.C. 1225(d)" if scan.words[i] == "1225" else "INA 235(d)")


def _read_287(scan: _Scan, i: int) -> None:
    near = scan.words[max(0, i - 5) : i]
    if scan.after(i, "4") and ("cfr" in near or "r" in near):
        scan.add("authority", i, "8 CFR 287.4")


def _read_ina(scan: _Scan, i: int) -> None:
    if scan.in_capitals("INA"):
        scan.add("citation", i, "the INA")


def _read_nationality(scan: _Scan, i: int) -> None:
    if scan.before(i, "immigration", "and") and scan.after(i, "act"):
        scan.add("citation", i - 2, "the INA")


def _read_title(scan: _Scan, i: int) -> None:
    if scan.after(i, "8"):
        scan.add("citation", i, "title 8")


def _read_homeland(scan: _Scan, i: int) -> None:
    if not scan.after(i, "security"):
        return
    if scan.after(i, "security", "investigations"):
        scan.add("agency", i, "HSI", "homeland security investigations")
    elif (scan.before(i, "department", "of") or scan.before(i, "secretary", "of")) and (
        i < 3 or scan.words[i - 3] not in _STATE_WORDS
    ):
        scan.add("agency", i - 2, "DHS", "department of homeland security")


def _read_customs(scan: _Scan, i: int) -> None:
    if scan.before(i, "immigration", "and") and scan.after(i, "enforcement"):
        scan.add("agency", i - 2, "ICE", "immigration and customs enforcement")
    elif scan.after(i, "and", "border", "protection"):
        scan.add("agency", i, "CBP", "customs and border protection")


def _read_patrol(scan: _Scan, i: int) -> None:
    if scan.before(i, "border"):
        scan.add("agency", i - 1, "USBP", "border patrol")


def _read_citizenship(scan: _Scan, i: int) -> None:
    if scan.after(i, "and", "immigration", "services"):
        scan.add("agency", i, "USCIS", "citizenship and immigration services")


def _read_removal(scan: _Scan, i: int) -> None:
    if scan.before(i, "enforcement", "and") and scan.after(i, "operations"):
        scan.add("agency", i - 2, "ERO", "enforcement and removal operations")


def _read_naturalization(scan: _Scan, i: int) -> None:
    if scan.before(i, "immigration", "and") and scan.after(i, "service"):
        scan.add("agency", i - 2, "INS", "immigration and naturalization service")


def _read_acronym(scan: _Scan, i: int) -> None:
    word = scan.words[i]
    cased = _CASED_ACRONYMS.get(word)
    if cased is None or scan.in_capitals(cased):
        scan.add("agency", i, word.upper())


def _read_immigration(scan: _Scan, i: int) -> None:
    if scan.words[i + 1 : i + 2] == ["court"]:
        scan.add("immigration_judge", i, "immigration court")


def _read_eoir(scan: _Scan, i: int) -> None:
    scan.add("immigration_judge", i, "immigration court")


def _read_review(scan: _Scan, i: int) -> None:
    if scan.before(i, "executive", "office", "for", "immigration"):
        scan.add("immigration_judge", i - 4, "immigration court")


def _read_appeals(scan: _Scan, i: int) -> None:
    if scan.before(i, "board", "of", "immigration"):
        scan.add("immigration_judge", i - 3, "immigration court")


def _read_officer(scan: _Scan, i: int) -> None:
    title = _officer_title(scan, i)
    if title is None:
        return
    if title == "special agent":
        if scan.signed_near(i):
            scan.add("agent_signature", i, title)
        return
    caption = i - len(title.split())  # "(Signature of Authorized Immigration Officer)"
    if (
        "immigration offic" in title
        and caption > 0
        and scan.words[caption] == "of"
        and scan.words[caption - 1] in _SIGNATURE_BLOCK
    ):
        scan.add("signature_block", i, title)
    scan.add("officer_signature" if scan.signed_near(i) else "officer", i, title)


def _officer_title(scan: _Scan, i: int) -> str | None:
    """The immigration officer's title ending at word i, or None if it is not one."""
    anchor = "officer" if scan.words[i].startswith("officer") else scan.words[i]
    before = scan.words[max(0, i - 4) : i]
    last = before[-1] if before else ""
    if last in _AGENCY_WORDS:
        return f"{last} {anchor}"
    if anchor == "officer":
        if last == "deportation":
            lead = "detention and " if before[-3:-1] == ["detention", "and"] else ""
            if lead and before[:1] == ["supervisory"]:
                lead = "supervisory " + lead
            return f"{lead}deportation officer"
        if last == "immigration":
            return (
                "authorized " if before[-2:-1] == ["authorized"] else ""
            ) + "immigration officer"
        if last == "asylum":
            return "asylum officer"
        after = scan.words[i + 1 : i + 8]
        if after[:2] == ["of", "the"] and "homeland" in after:
            return "officer of the Department of Homeland Security"
        return None
    if anchor == "official":
        return "immigration official" if last == "immigration" else None
    if anchor == "director":
        if before[-2:] != ["field", "office"]:
            return None
        lead = before[-3] if before[-3:-2] in (["assistant"], ["deputy"]) else ""
        return f"{lead} field office director".strip()
    if before[-2:] == ["immigration", "enforcement"]:
        return "immigration enforcement agent"
    if last == "immigration":
        return "immigration agent"
    if before[-2:] == ["border", "patrol"]:
        return "border patrol agent"
    in_charge = scan.after(i, "in", "charge")
    if last == "patrol" and in_charge:
        return "patrol agent in charge"
    if last == "special":
        if before[-2:-1] and before[-2] in _AGENCY_WORDS:
            return f"{before[-2]} special agent"
        return "special agent in charge" if in_charge else "special agent"
    return None


def _read_judge(scan: _Scan, i: int) -> None:
    title = _judge_title(scan.words, i)
    j = i - len(title)
    qualifier = scan.words[j - 1] if j else ""
    if qualifier == "immigration":
        scan.add("immigration_judge", i, "immigration judge")
    elif qualifier != "law":  # an administrative law judge is an agency's, not a court's
        scan.add("judge", i, "judge", " ".join([*title, "judge"]))


def _judge_title(words: list[str], i: int) -> list[str]:
    """The words of a judge's title before "judge": "United States District or Magistrate"."""
    j = i
    while j > max(0, i - 8):
        word = words[j - 1]
        joins = word in ("or", "and") and j >= 2 and words[j - 2] in _JUDGE_TITLE_WORDS
        # "Court" belongs to the title only after a court's type ("County Court Judge").
        court = word == "court" and j >= 2 and words[j - 2] in _COURT_TYPES
        if not (joins or court or (word in _JUDGE_TITLE_WORDS and word != "court")):
            break
        j -= 1
    return words[j:i]


def _read_honorable(scan: _Scan, i: int) -> None:
    """A judge's style, "Hon." or "Honorable", unless the judge is an immigration judge.

    Followed by a name, in a signature block, it is the judge's signature; followed by a
    blank line, the signature is missing. "Before the Honorable ..." names the judge who
    hears a case, not one who signed.
    """
    ahead = scan.words[i + 1 : i + 14]
    for j, word in enumerate(ahead[:-1]):
        if word == "immigration" and ahead[j + 1] == "judge":
            return
    scan.add("judge", i, "honorable", "judge")
    following = ahead[0] if ahead else ""
    if following == _BLANK:
        scan.add("blank_line", i + 1, "blank")
    elif (
        following
        and following not in _JUDGE_TITLE_WORDS
        and following != "judge"
        and not scan.before(i, "before", "the")
        and not scan.before(i, "before")
    ):
        scan.add("named_judge", i, "judge")


def _read_blank(scan: _Scan, i: int) -> None:
    """A blank line where a judge, a clerk or a signature goes, not any form field."""
    around = scan.words[max(0, i - 4) : i + 7]
    if _SIGNATURE_PLACES.isdisjoint(around):
        return
    scan.add("blank_line", i, "blank")


def _read_proposed(scan: _Scan, i: int) -> None:
    """A "[PROPOSED] ORDER": what a party asks the court to sign, in its heading."""
    heading = scan.field == _TITLE or i < _HEADING_WORDS
    if heading or scan.words[i + 1 : i + 2] in (["order"], ["judgment"], ["warrant"]):
        scan.add("proposed", i, "proposed")


def _read_unsigned(scan: _Scan, i: int) -> None:
    scan.add("unsigned", i, "unsigned")


def _read_signed(scan: _Scan, i: int) -> None:
    """A signature mark ("/s/", "signed:", "electronically signed"), and who signed."""
    if scan.before(i, "not") or scan.before(i, "not", "yet") or scan.before(i, "be"):
        scan.add("unsigned", i, "unsigned")
        return
    after = scan.words[i + 1 : i + 14]
    while after[:1] in (["by"], ["electronically"], ["digitally"]):
        after = after[1:]
    if not after or after[0] == _BLANK:
        scan.add("blank_line", i, "blank")
        return
    if after[0] in _PRINTED_TITLES and _UNNAMED_SIGNATURE.search(scan.original):
        # "/s/" over a printed title ("District Court Judge") with no name: nobody signed.
        scan.add("blank_line", i, "unnamed")
        return
    scan.add("signature", i, _signer_kind(after), " ".join(after[:6]))


def _read_magistrate(scan: _Scan, i: int) -> None:
    scan.add("judge", i, "magistrate", "magistrate")


def _read_peace(scan: _Scan, i: int) -> None:
    if scan.before(i, "justice", "of", "the"):
        scan.add("judge", i - 3, "magistrate", "justice of the peace")


def _read_justice(scan: _Scan, i: int) -> None:
    # In a signature a justice is a judge; elsewhere it is usually the Department of Justice.
    if scan.field == _SIGNED_BY and not scan.before(i, "of") and not scan.after(i, "court"):
        scan.add("judge", i, "judge", "justice")


def _read_clerk(scan: _Scan, i: int) -> None:
    if (
        scan.before(i, "deputy")
        or scan.before(i, "court")
        or (scan.after(i, "of") and "court" in scan.words[i + 2 : i + 6])
    ):
        scan.add("clerk", i, "clerk")


def _read_court(scan: _Scan, i: int) -> None:
    if scan.before(i, "by", "the"):  # Colorado's courts sign "BY THE COURT:"
        _read_by_the_court(scan, i)
    name = _court_name(scan.words, i)
    if name is not None:
        scan.add("court", i, "court", name)


# Words of a printed title under a signature line: "District Court Judge", "Clerk".
_PRINTED_TITLES = _JUDGE_TITLE_WORDS | {"judge", "magistrate", "clerk"}


def _read_by_the_court(scan: _Scan, i: int) -> None:
    """What follows "BY THE COURT:": a name is the signature; a blank line, or only the
    printed title ("District Court Judge"), is none. A signature mark or "Hon." that
    follows is read by its own reader."""
    following = scan.words[i + 1 : i + 2]
    if following == [_BLANK]:
        scan.add("blank_line", i + 1, "blank")
    elif following in (["signed"], ["hon"], ["honorable"], ["honourable"]):
        return
    elif following and following[0] not in _PRINTED_TITLES:
        scan.add("clerk", i, "by the court")


def _court_name(words: list[str], i: int) -> str | None:
    """The name of the court whose word "court" is at i, or None if it names no court."""
    before = words[max(0, i - 5) : i]
    after = words[i + 1 : i + 8]
    of = None
    if after[:1] == ["of"]:
        of = next((tail for tail in _COURT_OF if after[1 : 1 + len(tail)] == tail), None)
    place: list[str] = []
    if of is not None:
        name, k = ["court", "of", *of], len(before) - 1
    elif before and before[-1] in _COURT_TYPES:
        name, k = [before[-1], "court"], len(before) - 2
        if k >= 0 and before[k] == "county" and before[-1] != "county":
            name.insert(0, "county")
            k -= 1
        place = _court_place(after)
    else:
        return None
    if after[:1] in (["judge"], ["clerk"]):  # "Angela Ruiz, County Court Judge": a title
        k = -1
    if k >= 1 and before[k - 1 : k + 1] in (["united", "states"], ["u", "s"]):
        name[:0] = ["united", "states"] if before[k] == "states" else ["u.s."]
    elif k >= 0 and before[k].isalpha() and before[k] not in _NOT_A_NAME:
        name.insert(0, before[k])
        place = [] if place[:1] in (["county"], ["city"]) else place  # "Denver County Court"
    if place[:1] == ["for"] or place[:1] == ["of"]:
        return " ".join(name + place)
    # Colorado's courts are named "District Court, City and County of Denver".
    return " ".join(name) + (", " + " ".join(place) if place else "")


def _court_place(after: list[str]) -> list[str]:
    """Where a court sits, as its name gives it: "for the District of Colorado"."""
    if after[:2] == ["for", "the"]:
        rest = after[2:]
        if rest[:1] and rest[0] in _DISTRICT_DIRECTIONS:
            rest = rest[1:]
        if rest[:2] == ["district", "of"] and rest[2:3]:
            length = 4 if rest[2] in _TWO_WORD_PLACES else 3
            return after[: len(after) - len(rest)] + rest[:length]
        return []
    if after[:2] == ["county", "of"]:
        return after[:3]
    if after[:4] == ["city", "and", "county", "of"]:
        return after[:5]
    if after[1:2] == ["county"] and after[0].isalpha() and after[0] not in _NOT_A_NAME:
        return after[:2]
    if after[:1] == ["of"] and after[1:2] and after[1].isalpha() and after[1] not in _NOT_A_NAME:
        return after[:2]
    return []


def _read_grand(scan: _Scan, i: int) -> None:
    if scan.after(i, "jury"):
        scan.add("grand_jury", i, "grand jury")
        scan.keyword(i, "grand_jury")


def _read_ao(scan: _Scan, i: int) -> None:
    number = scan.words[i + 1] if i + 1 < len(scan.words) else ""
    if number in _AO_NUMBERS:
        scan.add("court_form", i, f"AO {number.upper()}")


def _read_jdf(scan: _Scan, i: int) -> None:
    number = scan.words[i + 1] if i + 1 < len(scan.words) else ""
    if number[:1].isdigit():
        scan.add("court_form", i, f"JDF {number.upper()}")


def _read_criminal(scan: _Scan, i: int) -> None:
    scan.add("criminal_claim", i, scan.words[i])


_Reader = Callable[[_Scan, int], None]
_READERS: dict[str, _Reader] = {
    "i": _read_i,
    **dict.fromkeys(_JOINED_FORMS, _read_joined_form),
    **dict.fromkeys(("warrant", "warrants"), _read_warrant),
    **dict.fromkeys(("order", "orders"), _read_order),
    **dict.fromkeys(("detainer", "detainers"), _read_detainer),
    **dict.fromkeys(("hold", "holds"), _read_hold),
    "voluntary": _read_voluntary,
    **dict.fromkeys(("subpoena", "subpoenas", "subpena", "subpenas"), _read_subpoena),
    **dict.fromkeys(("summons", "summonses"), _read_summons),
    "8": _read_eight,
    "19": _read_nineteen,
    **dict.fromkeys(("1225", "235"), _read_subpoena_section),
    "287": _read_287,
    "ina": _read_ina,
    "nationality": _read_nationality,
    "title": _read_title,
    "homeland": _read_homeland,
    "customs": _read_customs,
    "patrol": _read_patrol,
    "citizenship": _read_citizenship,
    "removal": _read_removal,
    "naturalization": _read_naturalization,
    **dict.fromkeys(_AGENCY_WORDS, _read_acronym),
    "immigration": _read_immigration,
    "eoir": _read_eoir,
    "review": _read_review,
    "appeals": _read_appeals,
    **dict.fromkeys(("officer", "officers", "official", "agent", "director"), _read_officer),
    "judge": _read_judge,
    **dict.fromkeys(("hon", "honorable", "honourable"), _read_honorable),
    **dict.fromkeys(("magistrate", "magistrates"), _read_magistrate),
    "peace": _read_peace,
    "justice": _read_justice,
    "clerk": _read_clerk,
    "court": _read_court,
    _BLANK: _read_blank,
    "proposed": _read_proposed,
    "unsigned": _read_unsigned,
    "signed": _read_signed,
    "grand": _read_grand,
    "ao": _read_ao,
    "jdf": _read_jdf,
    **dict.fromkeys(("criminal", "trafficking", "smuggling", "prosecution"), _read_criminal),
}


# --- Weighing what was seen --------------------------------------------------------------

_COURT = "court"
_ADMINISTRATIVE = "administrative"


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the document itself shows, before any stated kind is weighed against it."""

    family: str | None  # _COURT, _ADMINISTRATIVE, or None when nothing shows who issued it
    kind: str
    strength: str  # "firm", "moderate", "conflict", "words" or "none"
    kind_source: str  # "form" (a form number or title), "word" (what it calls itself) or "default"
    evidence: str  # what was seen, as a clause: "Form I-200 is a Warrant for ..."
    caveat: str  # a second sentence, or ""
    immigration: bool
    # A court's paper: what its signature lacks ("its signature line is blank"), or what
    # leaves it in doubt for counsel; "" when a court signed it or nothing shows either way.
    unsigned: str = ""
    doubt: str = ""


def _in(hits: list[_Hit], *fields: str) -> list[_Hit]:
    return [h for h in hits if h.field in fields]


def _place(hit: _Hit) -> tuple[int, int]:
    return _FIELD_ORDER[hit.field], hit.start


def _first(hits: Iterable[_Hit]) -> _Hit | None:
    return min(hits, key=_place, default=None)


def _article(phrase: str) -> str:
    lower = phrase.lower()
    vowel = lower[:1] in "aeio" or (lower[:1] == "u" and not lower.startswith(("uni", "u.s", "us")))
    return ("an " if vowel else "a ") + phrase


_DISPLAY_WORDS = (
    {w: w for w in _SMALL_WORDS} | {"u.s.": "U.S."} | {w: w.upper() for w in _AGENCY_WORDS}
)


@functools.lru_cache(maxsize=1024)  # the same courts and judges' titles come back all day
def _display(words: str) -> str:
    """Lower-case words as a name reads in a sentence: "United States District Court"."""
    words = (" " + words + " ").replace(" u s ", " u.s. ").strip()  # "U.S." was cut in two
    out = [_DISPLAY_WORDS.get(w, "") or w.capitalize() for w in words.split(" ")]
    out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def _officer_phrase(hit: _Hit) -> str:
    return _article(" ".join(w.upper() if w in _AGENCY_WORDS else w for w in hit.shown.split(" ")))


def _judge_phrase(judges: list[_Hit]) -> str:
    titled = [h for h in judges if h.key == "judge"]
    if titled:
        shown = max(titled, key=lambda h: len(h.shown)).shown
        return "a judge" if shown == "judge" else _article(_display(shown))
    if any(h.key == "magistrate" for h in judges):
        return "a magistrate"
    return "a judge"


def _agency_phrase(agencies: list[_Hit]) -> str:
    first = _first(agencies)
    return _AGENCY_LONG.get(first.key, first.key) if first else "an immigration agency"


def _court_phrase(courts: list[_Hit]) -> str:
    first = _first(courts)
    return "the " + _display(first.shown) if first else "a court"


def _read(fields: dict[str, str], stated: str | None = None) -> tuple[_Reading, tuple[str, ...]]:
    hits: _Hits = defaultdict(list)
    for name, value in fields.items():
        _scan(name, value, hits)
    return _weigh_signs(hits, fields, stated), _signals(hits)


def _weigh_signs(hits: _Hits, fields: dict[str, str], stated: str | None = None) -> _Reading:
    """Which family the signs point to, and how firmly.

    First the administrative signs that decide (`_administrative_decider`); then a court
    that stands behind the document (it issued it, or it is named and a judge, its clerk
    or its grand jury is there too); then the weaker signs of a court alone, of an
    immigration agency alone, or of both, which counsel must settle.
    """
    courts, judges, clerks = hits["court"], hits["judge"], hits["clerk"]
    grand_jury, agencies = hits["grand_jury"], hits["agency"]
    court_named = bool(courts or hits["court_form"])
    court_firm = bool(
        _in(courts, _ISSUED_BY)
        or _in(judges, _SIGNED_BY)
        or _in(clerks, _SIGNED_BY)
        or (court_named and (judges or clerks or grand_jury))
    )
    # A customs summons (19 U.S.C. 1509) comes from DHS too, but it is customs process, not
    # immigration process (contract 1.1): an agency's name alone does not make it so.
    # Nor does the signature of the special agent in charge who issues it.
    customs = any(h.key == _CUSTOMS_SUMMONS for h in hits["authority"])
    immigration = bool(
        hits["dhs_form"]
        or hits["dhs_title"]
        or hits["immigration_judge"]
        or (agencies and not customs)
        or hits["citation"]
        or hits["officer"]
        or (hits["officer_signature"] and not customs)
        or any(h.key != _CUSTOMS_SUMMONS for h in hits["authority"])
    )

    decider = _administrative_decider(hits, court_firm)
    if decider is not None:
        return _administrative(hits, decider, "firm", immigration)
    if court_firm:
        return _court(hits, fields, "firm", immigration, stated)
    court_weak = bool(court_named or judges or clerks or grand_jury)
    agency_weak = bool(
        agencies
        or hits["citation"]
        or hits["officer"]
        or hits["officer_signature"]
        or hits["agent_signature"]
        or hits["immigration_judge"]
    )
    if court_weak and agency_weak:
        return _conflict(hits, immigration)
    if court_weak:
        return _court(hits, fields, "moderate", immigration, stated)
    if agency_weak:
        return _administrative(hits, "named", "moderate", immigration)
    return _unidentified(hits, immigration)


def _administrative_decider(hits: _Hits, court_firm: bool) -> str | None:
    """Which sign makes the document administrative, if one does.

    A DHS form number or a DHS form's title heading the document, the caption under a DHS
    form's signature line ("Signature of immigration officer"), an immigration judge or
    court as signer or issuer, or an immigration officer or agency as signer decide
    whatever else the page says (an I-205 names the judge who ordered the removal). Signs
    that a court's papers may well quote (a DHS title or a subpoena provision further down
    the text, an officer or immigration judge named there, an agency given as issuer)
    decide only when no court and judge stand behind the document.
    """
    if hits["dhs_form"]:
        return "form"
    titles = hits["dhs_title"]
    if _in(titles, _TITLE, _FORM) or any(h.start < _HEADING_WORDS for h in _in(titles, _TEXT)):
        return "dhs_title"
    if hits["signature_block"] or _in(hits["officer_signature"], _SIGNED_BY):
        return "officer_signature"
    if _in(hits["immigration_judge"], _ISSUED_BY, _SIGNED_BY):
        return "immigration_judge"
    if _in(hits["agency"], _SIGNED_BY) or _in(hits["agent_signature"], _SIGNED_BY):
        return "agency_signature"
    if court_firm:
        return None
    # A court's caption over an immigration officer's own signature, and no judge or clerk
    # anywhere: the officer signed it, not a court (contract 1.1).
    signers = {h.key for h in hits["signature"]}
    if (
        hits["officer_signature"]
        and "executive" in signers
        and not (hits["judge"] or hits["clerk"] or hits["named_judge"])
    ):
        return "officer_signature"
    for category in ("dhs_title", "authority", "admin_phrase"):
        if hits[category]:
            return category
    # An immigration judge heading the paper issued it; one named below an agency's header
    # is where the agency sends the person (a Notice to Appear).
    judge, agency = _first(hits["immigration_judge"]), _first(hits["agency"])
    if judge is not None and (agency is None or _place(judge) < _place(agency)):
        return "immigration_judge"
    if _in(hits["agency"], _ISSUED_BY):
        return "agency_issuer"
    if hits["court"] or hits["court_form"] or hits["judge"] or hits["clerk"] or hits["grand_jury"]:
        return None  # an officer beside a court: neither settles it
    if hits["officer_signature"]:
        return "officer_signature"
    if hits["agent_signature"]:
        return "agency_signature"
    return "officer" if hits["officer"] else None


def _best_dhs_form(hits: _Hits) -> _Hit | None:
    """The document's own form number: a field gives it, or its title is on the page."""
    forms = hits["dhs_form"]
    titled = {h.key for h in hits["dhs_title"]}
    return (
        _first(_in(forms, _FORM, _TITLE))
        or _first(h for h in forms if h.key in titled)
        or _first(forms)
    )


_KEYWORD_FIELDS = {_TITLE: 0, _FORM: 1, _TEXT: 2, _ISSUED_BY: 3, _SIGNED_BY: 4}


def _keyword_kind(hits: _Hits, mapping: dict[str, str]) -> str | None:
    """The kind the document's own heading word gives it: the first such word wins.

    A title says what the document is better than its text does, and a text says it at
    the top ("SEARCH AND SEIZURE WARRANT") before it mentions anything else.
    """
    grand_jury = bool(hits["grand_jury"])
    for hit in sorted(hits["keyword"], key=lambda h: (_KEYWORD_FIELDS[h.field], h.start)):
        kind = mapping.get(hit.key)
        if kind == "court_subpoena" and grand_jury:
            return "grand_jury_subpoena"
        if kind:
            return kind
    return None


def _administrative(hits: _Hits, decider: str, strength: str, immigration: bool) -> _Reading:
    form = _best_dhs_form(hits) or _first(hits["dhs_title"])
    if form is not None:
        (kind, name), source = _DHS_FORMS[form.key], "form"
        if hits["dhs_form"]:
            evidence = f"Form {form.key} is {name} {_DHS_ISSUER}"
        else:
            evidence = f"its title marks it as {name} (DHS Form {form.key}), {_DHS_ISSUER}"
    else:
        word_kind = _keyword_kind(hits, _ADMIN_KIND_BY_WORD)
        kind, source = word_kind or "other", "word" if word_kind else "default"
        evidence = _administrative_evidence(hits, decider)
    if kind == "administrative_subpoena" and hits["criminal_claim"]:
        caveat = "Its claim to be part of a criminal investigation does not make it court-issued."
    elif hits["judge"]:
        caveat = f"Naming {_judge_phrase(hits['judge'])} does not make it court-issued."
    elif hits["court"]:
        caveat = f"Naming {_court_phrase(hits['court'])} does not make it court-issued."
    else:
        caveat = ""
    return _Reading(_ADMINISTRATIVE, kind, strength, source, evidence, caveat, immigration)


def _administrative_evidence(hits: _Hits, decider: str) -> str:
    if decider == "immigration_judge":
        return (
            "it comes from an immigration judge, part of the Department of Justice's Executive "
            "Office for Immigration Review and not a court for this purpose"
        )
    if decider == "officer_signature":
        signatures = hits["officer_signature"]
        signer = (
            _first(_in(signatures, _SIGNED_BY))
            or _first(hits["signature_block"])
            or _first(signatures)
        )
        return (
            f"it is signed by {_officer_phrase(signer) if signer else 'an officer'}, not by a judge"
        )
    if decider == "agency_signature":
        agencies = _in(hits["agency"], _SIGNED_BY)
        if agencies:
            return f"it is signed by an officer of {_agency_phrase(agencies)}, not by a judge"
        return "it is signed by a special agent, not by a judge"
    if decider == "authority":
        provision = _first(hits["authority"])
        key = provision.key if provision else "a subpoena provision"
        return f"it cites {key}, under which {_AUTHORITY_ISSUERS[key]} issue subpoenas without any court"
    if decider == "admin_phrase":
        phrase = _first(hits["admin_phrase"])
        return f"it calls itself an administrative {phrase.key if phrase else 'document'} and names no court"
    if decider == "agency_issuer":
        return f"it was issued by {_agency_phrase(_in(hits['agency'], _ISSUED_BY))}, not by a court"
    officer = _first(hits["officer"])
    if decider == "officer" and officer is not None:
        return f"it names {_officer_phrase(officer)} and no court or judge"
    if hits["agency"]:
        return f"it names {_agency_phrase(hits['agency'])} and no court or judge"
    if hits["immigration_judge"]:
        return "it names an immigration judge and no court of the judiciary"
    citation = _first(hits["citation"])
    return f"it cites {citation.key if citation else 'immigration law'} and names no court or judge"


def _signer_kind(words: Sequence[str]) -> str:
    """Who a signature's words name: "judge", "clerk", "executive", "attorney" or "name"."""
    modifier = ""
    for j, word in enumerate(words):
        if word in (_BLANK, "signed") or words[j : j + 3] == ["by", "the", "court"]:
            break
        if word == "commissioner" and j and words[j - 1] == "court":
            return "judge"
        if word == "justice" and j and words[j - 1] == "of" and words[j + 1 : j + 2] != ["the"]:
            return "executive"  # the Department of Justice, not a justice of the peace
        if word in ("attorney", "attorneys") and (
            (j and words[j - 1] in _PUBLIC_ATTORNEYS) or words[j + 1 : j + 2] == ["general"]
        ):
            return "executive"
        kind = _SIGNER_TITLES.get(word)
        if kind:
            return kind
        if word in _SIGNER_MODIFIERS:
            modifier = word
    return "executive" if modifier in ("chief", "deputy") else "name"


_NO_SIGNER = frozenset({"", _BLANK, "none", "unsigned", "n a", "na", "not signed", "blank"})


def _signature(hits: _Hits, fields: dict[str, str], kind: str) -> tuple[str, str]:
    """Whether a court's paper is signed as court-issued process must be.

    Returns ("signed" | "unsigned" | "doubt" | "unknown", what is missing or in doubt). A
    judge or magistrate signs; a clerk may sign a subpoena. Signs that it is signed: the
    signer the requester names, a signature mark ("/s/") before a name, "Hon." before a
    name, a name after "BY THE COURT:". Signs that it is not: a proposed order, "unsigned",
    a blank signature line, a signer who is an executive officer or an attorney. A text
    that shows neither shows only printed words; with no text, nothing shows either way.
    """
    signer = fields.get(_SIGNED_BY, "")
    signer_words = _words(signer)
    if " ".join(signer_words) in _NO_SIGNER:
        by_field = "blank" if signer else None
    else:
        by_field = _signer_kind(signer_words)
    on_paper = [h for h in hits["signature"] if h.field != _SIGNED_BY]
    marks = {h.key for h in on_paper}
    paper = (_TITLE, _TEXT, _FORM)
    subpoena = kind in ("court_subpoena", "grand_jury_subpoena")
    judge = (
        "judge" in marks
        or bool(_in(hits["named_judge"], *paper))
        or any(h.key == "by the court" for h in _in(hits["clerk"], *paper))
    )
    clerk = "clerk" in marks
    named = "name" in marks
    signed_by = by_field in ("judge", "name") or (by_field == "clerk" and subpoena)
    on_its_face = judge or named or (clerk and subpoena)

    missing: list[str] = []
    if hits["proposed"]:
        missing.append(
            "it is marked as proposed: what a party asks the court to sign, not what a judge signed"
        )
    if hits["unsigned"]:
        missing.append("it says it is not signed")
    blanks = _in(hits["blank_line"], *paper)
    if any(h.key == "unnamed" for h in blanks):
        missing.append(
            'its signature mark ("/s/") carries no name, only a printed title: no judge or '
            "magistrate signed it"
        )
    elif blanks:
        missing.append("its signature line is blank: no judge or magistrate signed it")
    if by_field == "blank":
        missing.append(f'its signer is given as "{signer.strip()}": no judge signed it')
    for title in ("executive", "attorney"):
        who = f'"{signer.strip()}"' if by_field == title else None
        if who is None and title in marks:
            mark = next(h for h in on_paper if h.key == title)
            who = f'"{_display(mark.shown)}"'
        if who:
            missing.append(
                f"it is signed by {who}, {_SIGNER_PHRASES[title]}, not by a judge or magistrate"
            )
    if (clerk or by_field == "clerk") and not subpoena:
        missing.append("it is signed by a clerk, which only a subpoena may be, not by a judge")

    if on_its_face or signed_by:
        if hits["proposed"] or (not on_its_face and missing):
            doubt = missing[0] if missing else "it is marked as proposed"
            return "doubt", f"{doubt}, though a signature is given"
        return "signed", ""
    if missing:
        return "unsigned", missing[0]
    if _TEXT in fields:
        return "unsigned", (
            "no judge's or clerk's signature was recognised: a printed caption or title is not "
            "a court's signature"
        )
    return "unknown", ""


def _court(
    hits: _Hits, fields: dict[str, str], strength: str, immigration: bool, stated: str | None = None
) -> _Reading:
    court_form = _first(hits["court_form"])
    form_kind, form_name = (
        _COURT_FORMS.get(court_form.key, (None, "")) if court_form else (None, "")
    )
    grand_jury = bool(hits["grand_jury"])
    word_kind = _keyword_kind(hits, _COURT_KIND_BY_WORD)
    kind = form_kind or word_kind or ("grand_jury_subpoena" if grand_jury else "court_order")
    source = "form" if form_kind else "word" if word_kind or grand_jury else "default"
    issuers = _in(hits["court"], _ISSUED_BY)
    if issuers:
        court = f"was issued by {_court_phrase(issuers)}"
    elif hits["court"]:
        court = f"names {_court_phrase(hits['court'])}"
    elif court_form:
        court = f"is on court form {court_form.key}" + (f" ({form_name})" if form_name else "")
    else:
        court = ""
    # A clerk may sign a subpoena: where the document does not say what it is, the kind the
    # requester stated decides whose signature it needs.
    signed_as = stated if source == "default" and stated in COURT_ISSUED else kind
    status, missing = _signature(hits, fields, signed_as)
    judges = _in(hits["judge"], _SIGNED_BY) or hits["judge"]
    if status in ("unsigned", "doubt"):
        signer = ""
    elif judges:
        signer = f"is signed by {_judge_phrase(judges)}"
    elif hits["clerk"]:
        by_clerk = any(h.key == "clerk" for h in hits["clerk"])
        signer = "is signed by the clerk of court" if by_clerk else 'is signed "By the Court"'
    elif status == "signed" and fields.get(_SIGNED_BY):
        signer = f'is signed by "{fields[_SIGNED_BY].strip()}"'
    elif status == "signed":
        signer = "is signed"
    elif grand_jury:
        signer = "is issued for a grand jury, which acts under a court's authority"
    else:
        signer = ""
    if status in ("unsigned", "doubt"):
        evidence = f"it {court}" if court else f"it calls itself {_KIND_PHRASES[kind]}"
    elif court and signer:
        evidence = f"it {court} and {signer}"
    elif court:
        evidence = f"it {court}, though no judge's or clerk's signature was recognised"
    else:
        evidence = f"it {signer}, though no court is named"
    if hits["agency"]:
        caveat = f"Its mention of {_agency_phrase(hits['agency'])} does not make it administrative."
    elif hits["officer"] or hits["immigration_judge"] or hits["agent_signature"]:
        caveat = "Its mention of immigration officials does not make it administrative."
    else:
        caveat = ""
    return _Reading(
        _COURT,
        kind,
        strength,
        source,
        evidence,
        caveat,
        immigration,
        unsigned=missing if status == "unsigned" else "",
        doubt=missing if status == "doubt" else "",
    )


def _conflict(hits: _Hits, immigration: bool) -> _Reading:
    """Signs of a court and of an immigration agency, and neither settles it.

    The issuer heads a document, so whichever shows first is read as the issuer until
    counsel has looked; a tie goes to the agency, the reading that permits less.
    """
    court_side = (
        hits["court"] + hits["court_form"] + hits["judge"] + hits["clerk"] + hits["grand_jury"]
    )
    agency_side = (
        hits["agency"]
        + hits["citation"]
        + hits["officer"]
        + hits["officer_signature"]
        + hits["agent_signature"]
        + hits["immigration_judge"]
    )
    court_first, agency_first = _first(court_side), _first(agency_side)
    court_leads = (
        court_first is not None
        and agency_first is not None
        and _place(court_first) < _place(agency_first)
    )
    family = _COURT if court_leads else _ADMINISTRATIVE
    word_kind = _keyword_kind(hits, _COURT_KIND_BY_WORD if court_leads else _ADMIN_KIND_BY_WORD)
    kind = word_kind or ("court_order" if court_leads else "other")
    court = _court_phrase(hits["court"]) if hits["court"] else _judge_phrase(hits["judge"])
    officers = hits["officer"] + hits["officer_signature"] + hits["agent_signature"]
    if hits["agency"]:
        agency = _agency_phrase(hits["agency"])
    elif officers:
        agency = _officer_phrase(officers[0])
    elif hits["immigration_judge"]:
        agency = "an immigration judge"
    else:
        agency = "immigration law"
    evidence = f"it names both {court} and {agency}, and nothing shows which of them issued it"
    return _Reading(
        family, kind, "conflict", "word" if word_kind else "default", evidence, "", immigration
    )


def _unidentified(hits: _Hits, immigration: bool) -> _Reading:
    words = sorted(
        (h for h in hits["keyword"] if h.field in (_TITLE, _FORM, _TEXT)),
        key=lambda h: (_KEYWORD_FIELDS[h.field], h.start),
    )
    if words:
        evidence = (
            f"it calls itself {_article(words[0].key.replace('_', ' '))} but names no court, "
            "judge, agency or form number that shows who issued it"
        )
        return _Reading(None, "other", "words", "default", evidence, "", immigration)
    evidence = (
        "nothing in it identified it: no court, judge, agency, form number or signer was recognised"
    )
    return _Reading(None, "other", "none", "default", evidence, "", immigration)


# A short label for each sign recognised, in the order they are reported.
_SIGNAL_LABELS: dict[str, Callable[[_Hit], str]] = {
    "dhs_form": lambda h: f"form {h.key}",
    "dhs_title": lambda h: f"title of form {h.key}",
    "authority": lambda h: f"cites {h.key}",
    "admin_phrase": lambda h: f"calls itself an administrative {h.key}",
    "immigration_judge": lambda h: h.key,
    "officer_signature": lambda h: f"signed by {_officer_phrase(h)}",
    "agent_signature": lambda h: "signed by a special agent",
    "officer": lambda h: f"names {_officer_phrase(h)}",
    "agency": lambda h: f"{'signed for' if h.field == _SIGNED_BY else 'names'} {h.key}",
    "citation": lambda h: f"cites {h.key}",
    "court": lambda h: f"names {_court_phrase([h])}",
    "court_form": lambda h: f"court form {h.key}",
    "judge": lambda h: f"{'signed by' if h.field == _SIGNED_BY else 'names'} {_judge_phrase([h])}",
    "clerk": lambda h: "clerk of court" if h.key == "clerk" else "signed by the court",
    "grand_jury": lambda h: "grand jury",
    "blank_line": lambda h: "blank signature line",
    "proposed": lambda h: "marked proposed",
    "unsigned": lambda h: "says unsigned",
}
_MAX_SIGNALS = 16


def _signals(hits: _Hits) -> tuple[str, ...]:
    labels: dict[str, None] = {}
    titled_judges = [h for h in hits.get("judge", ()) if h.key == "judge"]
    for category in _SIGNAL_LABELS:
        # "Hon." and "Magistrate" say no more than the judge's title next to them.
        chosen = titled_judges if category == "judge" and titled_judges else hits.get(category, ())
        for hit in chosen:
            signer = _SIGNED_BY if hit.field == _SIGNED_BY else _TEXT
            labels[_label(category, tuple.__new__(_Hit, (signer, 0, hit.key, hit.shown)))] = None
            if len(labels) == _MAX_SIGNALS:
                return tuple(labels)
    return tuple(labels)


@functools.lru_cache(maxsize=4096)  # the same signs come back from document to document
def _label(category: str, hit: _Hit) -> str:
    return _SIGNAL_LABELS[category](hit)


# --- Weighing the stated kind against the document ---------------------------------------

# What a stated kind becomes when the document shows the other family and names no kind of
# its own: a "judicial warrant" that ICE issued is an administrative warrant.
_COUNTERPARTS = {
    "judicial_warrant": "administrative_warrant",
    "court_subpoena": "administrative_subpoena",
    "grand_jury_subpoena": "administrative_subpoena",
    "court_order": "other",
    "administrative_warrant": "judicial_warrant",
    "administrative_subpoena": "court_subpoena",
    "detainer": "court_order",
}


def _family(kind: str) -> str | None:
    if kind in COURT_ISSUED:
        return _COURT
    return _ADMINISTRATIVE if kind in _ADMINISTRATIVE_KINDS else None


def _conclusion(kind: str, immigration: bool) -> str:
    if kind == "other" and immigration:
        return "an administrative immigration document (not a warrant, subpoena or detainer)"
    if kind == "other":
        return "an administrative document"
    return _KIND_PHRASES[kind]


def _sentences(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _capital(clause: str) -> str:
    return clause[:1].upper() + clause[1:]


def _as_read(r: _Reading) -> str:
    """The reading in a clerk's words, when no stated kind is overruled by it."""
    evidence, phrase = _capital(r.evidence), _conclusion(r.kind, r.immigration)
    if r.strength in ("words", "none"):
        return f"{evidence}; counsel should read it."
    if r.strength == "conflict":
        return f"{evidence}; counsel should read it (until then it is read as {phrase})."
    if r.family == _COURT and r.unsigned:
        main = f"{evidence}, but {r.unsigned}; it is read as {phrase}, not court-issued process."
        return _sentences(main, r.caveat)
    if r.family == _COURT and r.doubt:
        main = (
            f"{evidence}, but {r.doubt}; counsel should read it (until then it is read as "
            f"{phrase}, not court-issued process)."
        )
        return _sentences(main, r.caveat)
    if r.family == _COURT:
        main = (
            f"{evidence}: {phrase}." if r.strength == "firm" else f"{evidence}: taken as {phrase}."
        )
    else:
        taken = "it is" if r.strength == "firm" else "taken as"
        main = f"{evidence}; {taken} {phrase}, not court-issued process."
    return _sentences(main, r.caveat)


def _overrules(stated: str, r: _Reading) -> bool:
    """Whether the document shows plainly enough that the stated kind is wrong.

    A firm reading overrules a kind of the other family, and a kind of the same family
    when a form fixed it (an I-200 is no detainer). A claim of court process on a paper
    that shows only an immigration agency and no court is not taken on trust either;
    anything weaker leaves the stated kind standing.
    """
    if r.strength == "firm":
        return _family(stated) != r.family or r.kind_source == "form"
    return r.strength == "moderate" and r.family == _ADMINISTRATIVE and _family(stated) == _COURT


def _decide(stated: str | None, r: _Reading, signals: tuple[str, ...]) -> DocumentFacts:
    kind, inferred, ambiguous = stated or r.kind, stated is None, False
    said = f"Stated as {_KIND_PHRASES[stated]}" if stated else ""
    # What a court's paper lacks to be court-issued process, whatever kind it is taken as.
    lacks = (r.unsigned or r.doubt) if r.family == _COURT else ""
    if stated is None:
        because = _as_read(r)
        ambiguous = r.strength in ("conflict", "words", "none")
    elif r.strength in ("words", "none"):
        because = f"{said}; nothing in the document contradicts that."
    elif r.kind == stated:
        because = _as_read(r)
        ambiguous = r.strength == "conflict"
    elif _overrules(stated, r):
        kind, inferred = r.kind, True
        if r.kind_source == "default" and _family(_COUNTERPARTS.get(stated, "")) == r.family:
            kind = _COUNTERPARTS[stated]
        if r.family == _COURT and lacks:
            tail = f"though not court-issued process: {lacks}"
        elif r.family == _COURT:
            tail = "which is court-issued process"
        else:
            tail = "not court-issued process"
        conclusion = _conclusion(kind, r.immigration)
        because = _sentences(
            f"{said}, but {r.evidence}; it is treated as {conclusion}, {tail}.", r.caveat
        )
    elif r.strength == "conflict" or _family(stated) != r.family:
        because = (
            f"{said}, but {r.evidence}; that is not enough to overrule the stated kind, so "
            "counsel should read it."
        )
        ambiguous = True
    elif lacks:
        because = f"{said}; {r.evidence}, but {lacks}, so it is not court-issued process."
    else:
        agrees = "court-issued process" if r.family == _COURT else "administrative process"
        because = f"{said}; {r.evidence}, which agrees that it is {agrees}."
    failed = kind in COURT_ISSUED and bool(lacks)
    return DocumentFacts(
        kind=kind,
        inferred=inferred,
        because=because,
        court_issued=kind in COURT_ISSUED and not failed,
        # The vocabulary's detainer is the immigration detainer (the DHS Form I-247 series).
        immigration=r.immigration or kind == "detainer",
        ambiguous=ambiguous or (failed and bool(r.doubt)),
        stated_kind=stated,
        signals=signals,
        unsigned=failed and not r.doubt,
    )
