"""Who the requester is: the agency directory and the requester facts drawn from it.

The Colorado rules turn on whether a request comes from an immigration agency (ICE, CBP,
USCIS, or an officer acting for one of them under a 287(g) agreement) and whether that
agency's work is civil immigration enforcement (ICE ERO, the Border Patrol). Requesters
spell their agencies in many ways ("DHS/ICE/ERO", "U.S. Immigration & Customs
Enforcement", "HSI Denver"), so recognition works on normalised whole words against the
directory in `policy/data/agencies.toml`, which the privacy officer maintains and the
database-access monitor shares. Nothing is guessed: an organization the directory does
not know is reported as unknown.
"""

from __future__ import annotations

import functools
import pathlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from custodiet.policy.facts.purpose import (
    ACTING_AFTER,
    ACTING_BEFORE,
    CLAUSE_END,
    DENIED_BEFORE,
)

LEVELS = ("federal", "state", "local", "tribal", "private")
DEFAULT_PATH = pathlib.Path(__file__).resolve().parent.parent / "data" / "agencies.toml"

# States have departments with federal names ("California Department of Justice",
# "Indiana Department of Homeland Security"); a federal name that starts with one of these
# words and follows a state's name is the state's office, not the federal one.
_GENERIC_HEADS = frozenset({"department", "office", "bureau", "division"})
_STATES = frozenset(
    {
        "alabama",
        "alaska",
        "arizona",
        "arkansas",
        "california",
        "colorado",
        "connecticut",
        "delaware",
        "district of columbia",
        "florida",
        "georgia",
        "guam",
        "hawaii",
        "idaho",
        "illinois",
        "indiana",
        "iowa",
        "kansas",
        "kentucky",
        "louisiana",
        "maine",
        "maryland",
        "massachusetts",
        "michigan",
        "minnesota",
        "mississippi",
        "missouri",
        "montana",
        "nebraska",
        "nevada",
        "new hampshire",
        "new jersey",
        "new mexico",
        "new york",
        "north carolina",
        "north dakota",
        "ohio",
        "oklahoma",
        "oregon",
        "pennsylvania",
        "puerto rico",
        "rhode island",
        "south carolina",
        "south dakota",
        "tennessee",
        "texas",
        "utah",
        "vermont",
        "virginia",
        "washington",
        "west virginia",
        "wisconsin",
        "wyoming",
    }
)

# Abbreviations written in requests, expanded so "Denver PD" and "Denver Police
# Department" are one name, and "Sheriff's Office" and "Sheriff Office" too.
_EXPANSIONS: Mapping[str, tuple[str, ...]] = {
    "dept": ("department",),
    "pd": ("police", "department"),
    "sheriffs": ("sheriff",),
    "attorneys": ("attorney",),
    "atty": ("attorney",),
    "ofc": ("office",),
    "govt": ("government",),
    "usa": ("us",),
}

_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
_ORI = re.compile(r"[A-Z0-9]{9}")
_ORI_PREFIX = re.compile(r"[A-Z0-9]{2,8}")
# "U.S.", "U. S.", "F.B.I." are written-out initials: joined before punctuation goes.
_INITIALS = re.compile(r"\b(?:[A-Za-z]\.\s?)+[A-Za-z]\b\.?")
_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[\W_]+")
_287G = re.compile(r"(?<![\w.])287\s*[-(\[]?\s*g\s*[)\]]?(?!\w)", re.IGNORECASE)

_AGENCY_FIELDS = frozenset(
    {
        "id",
        "name",
        "parent",
        "level",
        "immigration",
        "enforcement",
        "aliases",
        "acronyms",
        "oris",
        "ori_prefixes",
    }
)


@dataclass(frozen=True, slots=True)
class Agency:
    """One entry of the directory: an agency or one of its components."""

    id: str
    name: str
    level: str
    immigration: bool
    enforcement: bool
    parent: str | None
    aliases: tuple[str, ...]
    acronyms: tuple[str, ...]
    oris: tuple[str, ...]
    ori_prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RequesterFacts:
    """What the directory says about a requester, and one sentence saying why."""

    agency: Agency | None
    immigration_agency: bool
    enforcement_component: bool
    via_287g: bool
    level: str | None
    because: str


@dataclass(frozen=True, slots=True)
class ActingFor:
    """An immigration agency the request says it is made for, with the words that say so."""

    agency: Agency | None  # None for a 287(g) officer, who acts for ICE ERO
    enforcement: bool
    quote: str
    name: str


# Acting for an agency (contract 1.1: "an officer acting under a 287(g) agreement or
# expressly on behalf of one of them"): the phrases are the purpose reader's, so that a
# mention it reads as the requester's is the agency the requester is treated as.
_ACTING_BEFORE = re.compile(rf"\b(?:{ACTING_BEFORE})\s+", re.IGNORECASE)
_ACTING_AFTER = re.compile(rf"\s*(?:{ACTING_AFTER})\b", re.IGNORECASE)
# A 287(g) officer, deputy, agreement or program, as the requester's own standing.
_287G_OFFICER = re.compile(
    r"(?<![\w.])287\s*[-(\[]?\s*g\s*[)\]]?(?:\s*[-(]?\s*(?:designated|certified|trained"
    r"|deputi[sz]ed))?\s+(?:officers?|deput(?:y|ies)|agreement|program(?:me)?|task\s+force"
    r"|authority|designation)\b",
    re.IGNORECASE,
)
_LEADING = frozenset({"a", "an", "our", "its", "their", "his", "her", "local", "federal", "us"})


@dataclass(frozen=True, slots=True)
class _Phrase:
    agency: Agency
    title: str | None  # the job title, when the phrase is one
    generic: bool  # a federal name a state office may share


@dataclass(frozen=True, slots=True)
class _Found:
    field: str
    value: str
    agencies: tuple[Agency, ...]
    titles: tuple[str, ...]
    via_287g: bool


_Tokens = tuple[tuple[str, ...], tuple[bool, ...]]


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> _Tokens:
    """Lower-case words of `text`, and for each whether it was written in capitals."""
    text = unicodedata.normalize("NFKC", text)
    text = _INITIALS.sub(lambda m: re.sub(r"[.\s]", "", m.group()), text)
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    words: list[str] = []
    caps: list[bool] = []
    for raw in _SEPARATORS.sub(" ", text).split():
        low = raw.lower()
        if low == "the":
            continue
        if low == "states" and words[-1:] == ["united"]:
            words[-1] = "us"
            continue
        if low == "america" and words[-2:] == ["us", "of"]:
            del words[-1], caps[-1]
            continue
        for word in _EXPANSIONS.get(low, (low,)):
            words.append(word)
            caps.append(raw.isupper())
    return tuple(words), tuple(caps)


def _key(text: str) -> str:
    return " ".join(_tokens(text)[0])


class Directory:
    """The agency directory, with the matching built from it."""

    agencies: tuple[Agency, ...]

    def __init__(
        self,
        agencies: Iterable[Agency],
        *,
        word_acronyms: Iterable[str] = (),
        titles: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Index `agencies`; raise ValueError naming the agency and field of any conflict."""
        self.agencies = tuple(agencies)
        self.word_acronyms = tuple(word_acronyms)
        self.titles = tuple(titles)
        self._by_id: dict[str, Agency] = {}
        for index, agency in enumerate(self.agencies):
            if agency.id in self._by_id:
                raise ValueError(f"agency[{index}] ({agency.id}): field 'id': used twice")
            self._by_id[agency.id] = agency
        self._ancestors = {a.id: self._chain(index, a) for index, a in enumerate(self.agencies)}
        mixed_parents = {
            ancestor
            for a in self.agencies
            if not a.immigration
            for ancestor in self._ancestors[a.id]
            if self._by_id[ancestor].immigration
        }
        # An immigration-marked agency with components that are not (DHS): matching it
        # alone is an inference the explanation must own up to.
        self._treated_as_immigration = frozenset(mixed_parents)

        words = {w.upper() for w in word_acronyms}
        all_acronyms = {x.upper() for a in self.agencies for x in a.acronyms}
        strays = sorted(words - all_acronyms)
        if strays:
            raise ValueError(f"field 'word_acronyms': {strays[0]!r} is no agency's acronym")

        self._phrases: dict[str, _Phrase] = {}
        self._word_acronyms: dict[str, Agency] = {}
        self._oris: dict[str, Agency] = {}
        self._ori_prefixes: dict[str, Agency] = {}
        for index, agency in enumerate(self.agencies):
            where = f"agency[{index}] ({agency.id})"
            for field, spellings in (
                ("name", (agency.name,)),
                ("aliases", agency.aliases),
                ("acronyms", agency.acronyms),
            ):
                for spelling in spellings:
                    key = _key(spelling)
                    if not key:
                        raise ValueError(f"{where}: field {field!r}: {spelling!r} has no words")
                    if field == "acronyms" and spelling.upper() in words:
                        self._claim(self._word_acronyms, key, agency, where, field, spelling)
                        continue
                    generic = agency.level == "federal" and key.split()[0] in _GENERIC_HEADS
                    claimed = self._phrases.get(key)
                    if claimed is not None and claimed.agency is not agency:
                        raise ValueError(
                            f"{where}: field {field!r}: {spelling!r} already names "
                            f"{claimed.agency.id}"
                        )
                    self._phrases[key] = _Phrase(agency, None, generic)
            for ori in agency.oris:
                self._claim(self._oris, ori, agency, where, "oris", ori)
            for prefix in agency.ori_prefixes:
                self._claim(self._ori_prefixes, prefix, agency, where, "ori_prefixes", prefix)

        self._name_phrases = dict(self._phrases)
        for index, (phrase, agency_id) in enumerate(titles):
            titled = self._by_id.get(agency_id)
            if titled is None:
                raise ValueError(f"title[{index}]: field 'agency': no agency has id {agency_id!r}")
            if not _key(phrase):
                raise ValueError(f"title[{index}]: field 'phrase': {phrase!r} has no words")
            self._name_phrases[_key(phrase)] = _Phrase(titled, phrase, False)

        self._first_words = frozenset(k.split()[0] for k in self._name_phrases)
        self._longest = max((len(k.split()) for k in self._name_phrases), default=0)
        # Lower-case "ice" counts beside these: "ice ero", "ice/hsi", "dhs ice".
        self._immigration_words = frozenset(
            _key(acronym)
            for a in self.agencies
            if a.immigration
            for acronym in a.acronyms
            if acronym.upper() not in words and " " not in _key(acronym)
        )
        self._identify_cached = functools.lru_cache(maxsize=8192)(self._identify)
        self._match_name_cached = functools.lru_cache(maxsize=8192)(self._match_name)
        self._acting_for_cached = functools.lru_cache(maxsize=8192)(self._acting_for)

    def _chain(self, index: int, agency: Agency) -> tuple[str, ...]:
        chain: list[str] = []
        parent = agency.parent
        while parent is not None:
            if parent not in self._by_id:
                raise ValueError(
                    f"agency[{index}] ({agency.id}): field 'parent': no agency has id {parent!r}"
                )
            if parent == agency.id or parent in chain:
                raise ValueError(
                    f"agency[{index}] ({agency.id}): field 'parent': the parents form a loop"
                )
            chain.append(parent)
            parent = self._by_id[parent].parent
        return tuple(chain)

    @staticmethod
    def _claim(
        index: dict[str, Agency], key: str, agency: Agency, where: str, field: str, value: str
    ) -> None:
        claimed = index.get(key)
        if claimed is not None and claimed is not agency:
            raise ValueError(f"{where}: field {field!r}: {value!r} already names {claimed.id}")
        index[key] = agency

    @classmethod
    def load(cls, path: pathlib.Path | None = None) -> Directory:
        """Read a directory file (default: the packaged one); ValueError names what is wrong."""
        path = DEFAULT_PATH if path is None else path
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except OSError as exc:
            raise ValueError(f"{path}: cannot be read: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from exc
        unknown = sorted(set(data) - {"agency", "title", "word_acronyms"})
        if unknown:
            raise ValueError(f"{path}: field {unknown[0]!r}: not a directory field")
        try:
            return cls(
                _parse_agencies(data.get("agency")),
                word_acronyms=_strings(data, "word_acronyms", "field 'word_acronyms'"),
                titles=_parse_titles(data.get("title", [])),
            )
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc

    def revised(self, entries: Iterable[Mapping[str, Any]]) -> Directory:
        """This directory with `entries` (tables as in the file) added or replacing theirs.

        Raise ValueError naming the entry and field, as loading the file would.
        """
        agencies = {agency.id: agency for agency in self.agencies}
        for agency in _parse_agencies(list(entries)):
            agencies[agency.id] = agency
        return Directory(agencies.values(), word_acronyms=self.word_acronyms, titles=self.titles)

    def get(self, agency_id: str) -> Agency | None:
        """The agency with this id, or None."""
        return self._by_id.get(agency_id)

    def by_ori(self, ori: str) -> Agency | None:
        """The agency an ORI belongs to: an exact ORI first, then the longest known prefix."""
        ori = ori.strip().upper()
        exact = self._oris.get(ori)
        if exact is not None:
            return exact
        for length in range(min(len(ori), 8), 1, -1):
            prefixed = self._ori_prefixes.get(ori[:length])
            if prefixed is not None:
                return prefixed
        return None

    def match_name(self, text: str) -> Agency | None:
        """The most specific agency an organization name names, or None."""
        return self._match_name_cached(" ".join(text.split()))

    def _match_name(self, text: str) -> Agency | None:
        found = self._most_specific(hit.agency for hit in self._scan(text, self._phrases))
        return found[0] if found else None

    def identify(
        self,
        *,
        organization: str,
        component: str | None = None,
        ori: str | None = None,
        name: str | None = None,
    ) -> RequesterFacts:
        """Recognise the requester from what the request says about them."""
        # Cached on the fields as written (whitespace aside): the explanation quotes them.
        return self._identify_cached(
            " ".join(organization.split()),
            " ".join(component.split()) if component else "",
            ori.strip().upper() if ori else "",
            " ".join(name.split()) if name else "",
        )

    def same_agency(self, requester: RequesterFacts, agency_id: str | None) -> bool:
        """Is the requester the given agency itself, or one of its components?"""
        if requester.agency is None or agency_id is None or agency_id not in self._by_id:
            return False
        return requester.agency.id == agency_id or agency_id in self._ancestors[requester.agency.id]

    def _scan(self, text: str, phrases: Mapping[str, _Phrase]) -> list[_Phrase]:
        words, caps = _tokens(text)
        found: list[_Phrase] = []
        count = len(words)
        i = 0
        while i < count:
            if words[i] in self._first_words:
                hit = self._longest_phrase(words, i, phrases)
                if hit is not None:
                    found.append(hit[0])
                    i += hit[1]
                    continue
            word_acronym = self._word_acronyms.get(words[i])
            if word_acronym is not None and (caps[i] or self._beside_immigration(words, i)):
                found.append(_Phrase(word_acronym, None, False))
            i += 1
        return found

    def _longest_phrase(
        self, words: Sequence[str], i: int, phrases: Mapping[str, _Phrase]
    ) -> tuple[_Phrase, int] | None:
        for length in range(min(self._longest, len(words) - i), 0, -1):
            hit = phrases.get(" ".join(words[i : i + length]))
            if hit is not None and not (hit.generic and self._after_state(words, i)):
                return hit, length
        return None

    @staticmethod
    def _after_state(words: Sequence[str], i: int) -> bool:
        return any(" ".join(words[max(0, i - n) : i]) in _STATES for n in (1, 2, 3))

    def _beside_immigration(self, words: Sequence[str], i: int) -> bool:
        return (
            (i > 0 and words[i - 1] in self._immigration_words)
            or (i + 1 < len(words) and words[i + 1] in self._immigration_words)
            or tuple(words[max(0, i - 2) : i]) == ("behalf", "of")
        )

    def _most_specific(self, found: Iterable[Agency]) -> list[Agency]:
        agencies = list(dict.fromkeys(found))
        outranked = {ancestor for a in agencies for ancestor in self._ancestors[a.id]}
        return [a for a in agencies if a.id not in outranked]

    def ancestors(self, agency: Agency) -> tuple[str, ...]:
        """The ids of the agencies `agency` belongs to, nearest first."""
        return self._ancestors.get(agency.id, ())

    def within(self, agency: Agency | None, ancestor_id: str) -> bool:
        """Is `agency` the agency `ancestor_id`, or one of its components?"""
        if agency is None:
            return False
        return agency.id == ancestor_id or ancestor_id in self._ancestors.get(agency.id, ())

    def acting_for(self, text: str | None) -> ActingFor | None:
        """The immigration agency `text` says the request is made for, if it names one.

        "On behalf of HSI", "for our ICE liaison", "assisting ERO", "HSI task force
        officer", "our 287(g)-designated deputy": the requester is then treated as the
        agency it acts for. A denial before the phrase ("we have no ICE liaison", "not on
        behalf of ICE") leaves the requester as it is. Only the words right after (or
        before) the cue count, so "for the assault of an ICE officer" acts for no one.
        """
        return self._acting_for_cached(" ".join(text.split())) if text else None

    def _acting_for(self, text: str) -> ActingFor | None:
        for clause in CLAUSE_END.split(text):
            for match in _287G_OFFICER.finditer(clause):
                if not DENIED_BEFORE.search(clause[: match.start()]):
                    name = "an officer under a 287(g) agreement, who acts for ICE"
                    return ActingFor(None, True, match.group(0), name)
            for match in _ACTING_BEFORE.finditer(clause):
                if DENIED_BEFORE.search(clause[: match.start()]):
                    continue
                rest = clause[match.end() :].split(",")[0]
                agency = self._agency_at_start(rest)
                if agency is not None:
                    quote = " ".join((match.group(0) + rest).split()[:8])
                    return self._acting(agency, quote)
            for match in _ACTING_AFTER.finditer(clause):
                before = clause[: match.start()].split(",")[-1]
                agency = self._agency_at_end(before)
                if agency is not None and not DENIED_BEFORE.search(before):
                    words = before.split()[-4:]
                    return self._acting(agency, " ".join([*words, match.group(0).strip()]))
        return None

    def _acting(self, agency: Agency, quote: str) -> ActingFor:
        return ActingFor(agency, agency.enforcement, quote, self._display(agency))

    def _immigration_hit(self, words: Sequence[str], caps: Sequence[bool], i: int) -> Agency | None:
        hit = self._longest_phrase(words, i, self._phrases)
        agency = hit[0].agency if hit else self._word_acronyms.get(words[i])
        if (
            agency is not None
            and hit is None
            and not (caps[i] or self._beside_immigration(words, i))
        ):
            return None  # lower-case "ice" alone is frozen water
        return agency if agency is not None and agency.immigration else None

    def _agency_at_start(self, text: str) -> Agency | None:
        words, caps = _tokens(text)
        i = 0
        while i < len(words) and words[i] in _LEADING:
            i += 1
        return self._immigration_hit(words, caps, i) if i < len(words) else None

    def _agency_at_end(self, text: str) -> Agency | None:
        words, caps = _tokens(text)
        for length in range(min(self._longest, len(words)), 0, -1):
            i = len(words) - length
            hit = self._phrases.get(" ".join(words[i:]))
            if hit is not None and hit.agency.immigration:
                return hit.agency
        if words:
            return self._immigration_hit(words, caps, len(words) - 1)
        return None

    def _identify(self, organization: str, component: str, ori: str, name: str) -> RequesterFacts:
        found: list[_Found] = []
        # The order is the order of trust when two fields name unrelated agencies: the
        # organization as the requester wrote it comes first.
        for field, value, phrases in (
            ("organization", organization, self._phrases),
            ("component", component, self._phrases),
            ("ORI", ori, None),
            ("name", name, self._name_phrases),
        ):
            if not value:
                continue
            if phrases is None:
                ori_agency = self.by_ori(value)
                if ori_agency is not None:
                    found.append(_Found(field, value, (ori_agency,), (), False))
                continue
            hits = self._scan(value, phrases)
            found.append(
                _Found(
                    field,
                    value,
                    tuple(self._most_specific(h.agency for h in hits)),
                    tuple(dict.fromkeys(h.title for h in hits if h.title)),
                    bool(_287G.search(value)),
                )
            )

        agencies = self._most_specific(a for f in found for a in f.agencies)
        via_287g = any(f.via_287g for f in found)
        agency = agencies[0] if agencies else None
        return RequesterFacts(
            agency=agency,
            immigration_agency=via_287g or any(a.immigration for a in agencies),
            enforcement_component=via_287g or any(a.enforcement for a in agencies),
            via_287g=via_287g,
            level=agency.level if agency else None,
            because=self._because(organization, ori, found, agencies, via_287g),
        )

    def _display(self, agency: Agency) -> str:
        parent = self._by_id[agency.parent] if agency.parent else None
        if parent is not None and parent.parent is not None:
            return f"{parent.name}, {agency.name}"
        return agency.name

    def _because(
        self,
        organization: str,
        ori: str,
        found: Sequence[_Found],
        agencies: Sequence[Agency],
        via_287g: bool,
    ) -> str:
        if not agencies and not via_287g:
            subject = f'Organization "{organization}"' if organization else "The organization"
            unknown_ori = f" (nor is ORI {ori})" if ori else ""
            return (
                f"{subject} is not in the agency directory{unknown_ori}, so it is not treated "
                "as an immigration agency; unknown agencies are listed for review, not guessed."
            )
        clauses: list[str] = []
        for f in found:
            quoted = f"ORI {f.value}" if f.field == "ORI" else f'{f.field} "{f.value}"'
            named = " and ".join(self._display(a) for a in f.agencies)
            parts: list[str] = []
            if f.field == "ORI":
                parts.append(f"belongs to {named}")
            elif f.titles:
                parts.append(f"carries the title {' and '.join(f.titles)} ({named})")
            elif named:
                parts.append(f"names {named}")
            if f.via_287g:
                parts.append(
                    "mentions a 287(g) agreement, under which local officers act for "
                    "ICE Enforcement and Removal Operations"
                )
            if parts:
                clauses.append(f"{quoted} {' and '.join(parts)}")
            elif f.field == "organization":
                clauses.append(f"{quoted} is not in the agency directory")
        treated = [a for a in agencies if a.id in self._treated_as_immigration]
        if treated and not any(a.immigration and a not in treated for a in agencies):
            clauses.append(
                f"with no component named, {treated[0].name} is treated as an immigration "
                "agency because most of its requests for DMV data come from ICE"
            )
        sentence = "; ".join(clauses)
        return sentence[0].upper() + sentence[1:] + "."


def _strings(table: Mapping[str, Any], field: str, where: str) -> tuple[str, ...]:
    value = table.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def entry(agency: Agency) -> dict[str, Any]:
    """An agency as a table of the directory file (what `Directory.revised` reads)."""
    table: dict[str, Any] = {"id": agency.id, "name": agency.name}
    if agency.parent is not None:
        table["parent"] = agency.parent
    return table | {
        "level": agency.level,
        "immigration": agency.immigration,
        "enforcement": agency.enforcement,
        "aliases": list(agency.aliases),
        "acronyms": list(agency.acronyms),
        "oris": list(agency.oris),
        "ori_prefixes": list(agency.ori_prefixes),
    }


def _parse_agencies(tables: Any) -> list[Agency]:
    if not isinstance(tables, list) or not tables:
        raise ValueError("no [[agency]] tables")
    agencies: list[Agency] = []
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            raise ValueError(f"agency[{index}]: must be a table")
        agency_id = table.get("id")
        where = (
            f"agency[{index}] ({agency_id})" if isinstance(agency_id, str) else f"agency[{index}]"
        )
        unknown = sorted(set(table) - _AGENCY_FIELDS)
        if unknown:
            raise ValueError(f"{where}: field {unknown[0]!r}: not a directory field")
        if not isinstance(agency_id, str) or not _ID.fullmatch(agency_id):
            raise ValueError(f"{where}: field 'id': must be upper-case words joined by hyphens")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: field 'name': must be a non-empty string")
        parent = table.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise ValueError(f"{where}: field 'parent': must be an agency id")
        level = table.get("level")
        if level not in LEVELS:
            raise ValueError(f"{where}: field 'level': {level!r} is not one of {', '.join(LEVELS)}")
        flags: dict[str, bool] = {}
        for flag in ("immigration", "enforcement"):
            if not isinstance(table.get(flag), bool):
                raise ValueError(f"{where}: field {flag!r}: must be true or false")
            flags[flag] = bool(table[flag])
        if flags["enforcement"] and not flags["immigration"]:
            raise ValueError(f"{where}: field 'enforcement': true needs immigration = true")
        oris = _strings(table, "oris", f"{where}: field 'oris'")
        for ori in oris:
            if not _ORI.fullmatch(ori):
                raise ValueError(f"{where}: field 'oris': {ori!r} is not 9 capitals or digits")
        prefixes = _strings(table, "ori_prefixes", f"{where}: field 'ori_prefixes'")
        for prefix in prefixes:
            if not _ORI_PREFIX.fullmatch(prefix):
                raise ValueError(
                    f"{where}: field 'ori_prefixes': {prefix!r} is not 2 to 8 capitals or digits"
                )
        agencies.append(
            Agency(
                id=agency_id,
                name=name.strip(),
                level=level,
                immigration=flags["immigration"],
                enforcement=flags["enforcement"],
                parent=parent,
                aliases=_strings(table, "aliases", f"{where}: field 'aliases'"),
                acronyms=_strings(table, "acronyms", f"{where}: field 'acronyms'"),
                oris=oris,
                ori_prefixes=prefixes,
            )
        )
    return agencies


def _parse_titles(tables: Any) -> list[tuple[str, str]]:
    if not isinstance(tables, list):
        raise ValueError("[[title]]: must be an array of tables")
    titles: list[tuple[str, str]] = []
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            raise ValueError(f"title[{index}]: must be a table")
        for field in ("phrase", "agency"):
            if not isinstance(table.get(field), str):
                raise ValueError(f"title[{index}]: field {field!r}: must be a string")
        titles.append((table["phrase"], table["agency"]))
    return titles


@functools.cache
def default_directory() -> Directory:
    """The packaged directory, loaded once."""
    return Directory.load()
