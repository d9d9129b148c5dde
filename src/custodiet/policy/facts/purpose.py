"""Whether a stated purpose, or an offence, is about immigration enforcement.

C.R.S. 24-74-103 forbids sharing personal information for federal immigration
enforcement, including illegal entry and re-entry (8 U.S.C. 1325, 1326) although they are
crimes. Requesters and plate-reader audits state purposes in free text ("ICE+ERO",
"removal proceedings", "criminal alien", "8 U.S.C. § 1326(a)"), so this module matches a
vocabulary of words and phrases, whole words only: "ICE" is never found in "police",
"notice" or "Rice", and "removal" of a vehicle, of snow or from office is not removal from
the country.

The vocabulary is the tables below, each entry a regular expression and the label the
explanation uses. Matching is case-insensitive except where an entry says `(?-i:...)`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Illegal entry and re-entry: immigration enforcement by statute, whatever else the text says.
_USC = r"U\.?\s*S\.?\s*C(?:ode)?\.?\s*A?\.?"
_SECTION = r"(?:§{1,2}|sec(?:tion|t)?\.?|s\.)?\s*"
_VEHICLE_OR_BUILDING = (
    r"(?!\s+(?:into\s+|of\s+|to\s+|upon\s+)?(?:a\s+|an\s+|the\s+|his\s+|her\s+|their\s+)?"
    r"(?:motor\s+vehicle|vehicle|car|truck|dwelling|building|residence|home|house|apartment"
    r"|structure|premises|property|business|store|school|land|yard)\b)"
)
OFFENCES: tuple[tuple[str, str], ...] = (
    (rf"8\s*{_USC}\s*,?\s*{_SECTION}1325", "illegal entry, 8 U.S.C. 1325"),
    (rf"8\s*{_USC}\s*,?\s*{_SECTION}1326", "illegal re-entry, 8 U.S.C. 1326"),
    (
        rf"title\s*8\s*,?\s*(?:{_USC}|united\s+states\s+code)?\s*,?\s*{_SECTION}1325",
        "illegal entry, 8 U.S.C. 1325",
    ),
    (
        rf"title\s*8\s*,?\s*(?:{_USC}|united\s+states\s+code)?\s*,?\s*{_SECTION}1326",
        "illegal re-entry, 8 U.S.C. 1326",
    ),
    (r"(?-i:INA)\s*(?:§\s*|sec(?:tion)?\.?\s*)?275", "illegal entry, 8 U.S.C. 1325"),
    (r"(?-i:INA)\s*(?:§\s*|sec(?:tion)?\.?\s*)?276", "illegal re-entry, 8 U.S.C. 1326"),
    (
        r"(?:illegal|unlawful|improper)(?:ly)?\s*re-?\s*ent(?:ry|ries|ered|ering)",
        "illegal re-entry",
    ),
    (
        r"re-?\s*ent(?:ry|ries|ered|ering)\s+(?:the\s+(?:U\.?\s*S\.?|united\s+states)\s+)?"
        r"(?:after|following)\s+(?:being\s+)?(?:removal|deportation|removed|deported)",
        "illegal re-entry",
    ),
    (
        r"re-?\s*entry\s+of\s+(?:an?\s+)?(?:previously\s+)?(?:removed|deported)\s+aliens?",
        "illegal re-entry",
    ),
    (
        r"found\s+in\s+the\s+(?:U\.?\s*S\.?|united\s+states)\s+after\s+(?:being\s+)?"
        r"(?:removal|deportation|removed|deported)",
        "illegal re-entry",
    ),
    (
        rf"(?:illegal|unlawful|improper)(?:ly)?\s+ent(?:ry|ries|ered|ering){_VEHICLE_OR_BUILDING}",
        "illegal entry",
    ),
    (r"entry\s+without\s+inspection|(?-i:EWI)", "entry without inspection"),
    (
        r"illegal(?:ly)?\s+crossed\s+the\s+border|illegal\s+border\s+crossings?",
        "illegal border crossing",
    ),
    (r"entrada\s+ilegal|reingreso\s+ilegal", "illegal entry (Spanish)"),
)

# "ICE" in capitals is the agency, except in the few everyday compounds an all-capitals
# reason can hold ("ICE CREAM TRUCK", "ICE STORM").
_NOT_FROZEN_WATER = (
    r"(?!\s+(?:cream|rinks?|arena|skat\w*|storms?|machines?|cubes?|chests?|roads?|patch"
    r"|fishing|hockey|packs?|maker)\b)"
)

# Removal, deportation, detainers, status, presence: immigration enforcement in any context.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"civil_immigration_enforcement", "civil immigration enforcement"),
    (r"ice[\s+/-]+holds?|immigration\s+holds?|hold\s+for\s+(?-i:ICE)", "ICE hold"),
    (
        r"ice[\s+/-]+(?:detainers?|warrants?|ero|fugops|hsi|agents?|officers?|custody"
        r"|requests?|arrests?|targets?|operations?|detention|removal|deportation)",
        "ICE",
    ),
    (rf"(?-i:ICE){_NOT_FROZEN_WATER}|(?-i:I\.C\.E)\.?", "ICE"),
    (r"(?-i:ERO)|enforcement\s+and\s+removal\s+operations?", "ICE Enforcement and Removal"),
    (r"fugops", "ICE fugitive operations"),
    (r"usbp|border\s+patrol", "Border Patrol"),
    (r"287\s*[-(\[]?\s*g\s*[)\]]?", "287(g)"),
    (r"(?:immigration\s+)?detainers?|I-?247[ADNX]?", "detainer"),
    (r"removal\s+(?:proceedings?|hearings?)", "removal proceedings"),
    (
        r"expedited\s+removal|reinstate(?:ment|d)?\s+(?:of\s+)?(?:a\s+)?(?:prior\s+)?removal",
        "removal",
    ),
    (r"warrant\s+of\s+removal|ordered\s+removed|(?-i:I)-?(?:200|203|862)", "removal"),
    (r"(?:form\s+)(?-i:I)-?205|(?-i:I)-?205\s+warrant", "removal"),
    (
        r"deport(?:s|ed|ing|ation|ations|able|ee|ees|aci[oó]n|aciones|ad[oa]s?|ar)?",
        "deportation",
    ),
    (
        r"(?:immigration|citizenship|visa|residency|alien)\s+status|out\s+of\s+status",
        "immigration status",
    ),
    (r"citizenship\s+(?:check|verification)|verify\s+citizenship", "citizenship status"),
    (
        r"(?:unlawful|illegal)(?:ly)?\s+(?:present|presence"
        r"|in\s+the\s+(?:U\.?\s*S\.?|united\s+states|country))",
        "unlawful presence",
    ),
    (r"lawful(?:ly)?\s+(?:present|presence|status)", "lawful presence"),
    (r"illegal\s+aliens?", "illegal alien"),
    (r"criminal\s+aliens?", "criminal alien"),
    (
        r"(?:removable|deportable|undocumented|excludable|inadmissible)\s+aliens?"
        r"|alien\s+(?:registration|number|file)|arrest\s+of\s+(?:an?\s+)?alien",
        "alien",
    ),
    (r"illegal\s+immigrants?|illegals", "illegal immigrant"),
    (r"undocumented|indocumentad[oa]s?|sin\s+papeles", "undocumented"),
    (r"(?:visa\s+)?overstay(?:s|ed|ing|ers?)?", "overstay"),
    (
        r"immigration\s+(?:enforcement|violations?|arrests?|cases?|matters?|purposes?"
        r"|investigations?|checks?|inquiry|verification)",
        "immigration enforcement",
    ),
    (r"immigration|inmigraci[oó]n|migraci[oó]n|migratori[oa]s?|la\s+migra", "immigration"),
)

# Immigration phrases that have everyday senses too ("removal order" for a towed car):
# they count unless a word from CONTEXTS stands near them in the same clause.
AMBIGUOUS: tuple[tuple[str, str], ...] = (
    (r"(?:final\s+)?order\s+of\s+removal|removal\s+orders?", "order of removal"),
    (r"for\s+removal(?!\s+(?:of|from)\b)", "for removal"),
    (
        r"removable(?!\s+(?:media|drives?|storage|devices?|disks?|hard|parts?|covers?|panels?"
        r"|seats?|plates?))",
        "removable",
    ),
    (
        r"legal\s+status(?!\s+of\s+(?:the\s+|a\s+|this\s+)?(?:vehicle|case|property|title"
        r"|business|entity|company|corporation|plates?|registration|license|account))",
        "legal status",
    ),
)
CONTEXTS: tuple[tuple[str, str], ...] = (
    (r"vehicles?|cars?|trucks?|autos?|tow(?:ed|ing|s)?|impound(?:ed)?|abandoned|junk", "vehicle"),
    (r"snow|graffiti|debris|trees?|trash|tattoos?|hair|asbestos|signs?|encampments?", "object"),
    (r"office|court|nuisance", "office or court"),
)
_NEARBY_WORDS = 4

_OFFENCE_LABELS = frozenset(label for _, label in OFFENCES)
_ENTRIES = OFFENCES + PHRASES + AMBIGUOUS
_AMBIGUOUS_GROUPS = frozenset(
    f"e{index}" for index in range(len(OFFENCES) + len(PHRASES), len(_ENTRIES))
)


def _alternation(entries: tuple[tuple[str, str], ...], *, named: bool) -> str:
    # Whole words only: the boundary is a non-word character, never a part of a word.
    # Testing it once, outside the alternation, spares trying every entry inside words.
    return (
        "(?<!\\w)(?:"
        + "|".join(
            (f"(?P<e{index}>" if named else "(?:") + f"{pattern}(?!\\w))"
            for index, (pattern, _) in enumerate(entries)
        )
        + ")"
    )


_VOCABULARY = re.compile(_alternation(_ENTRIES, named=True), re.IGNORECASE)
_CONTEXT = re.compile(_alternation(CONTEXTS, named=False), re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:.()\n]")


@dataclass(frozen=True, slots=True)
class PurposeFacts:
    """Whether a text is about immigration enforcement, what matched, and why."""

    immigration: bool
    matched: tuple[str, ...]
    because: str


def immigration_purpose(text: str | None) -> PurposeFacts:
    """Is this stated purpose (or offence description) about immigration enforcement?"""
    return _purpose(text or "")


def immigration_offense(text: str | None) -> PurposeFacts:
    """Is this offence illegal entry or re-entry (8 U.S.C. 1325 or 1326)?"""
    return _offense(text or "")


def _near_context(text: str, start: int, end: int) -> str | None:
    """A context word within a few words of text[start:end], in the same clause."""
    before = _CLAUSE_END.split(text[max(0, start - 80) : start])[-1].split()
    after = _CLAUSE_END.split(text[end : end + 80])[0].split()
    window = " ".join(before[-_NEARBY_WORDS:] + after[:_NEARBY_WORDS])
    found = _CONTEXT.search(window)
    return found.group() if found else None


def _find(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(matched text, label) pairs that count, and the ambiguous ones read otherwise."""
    counted: list[tuple[str, str]] = []
    discounted: list[tuple[str, str]] = []
    # Plate-reader audits store spaces as "+" ("criminal+alien"); reading them as spaces
    # keeps every offset, so what matched is quoted from the text as written.
    probe = text.replace("+", " ")
    for match in _VOCABULARY.finditer(probe):
        group = match.lastgroup or ""
        label = _ENTRIES[int(group[1:])][1]
        written = text[match.start() : match.end()]
        if group in _AMBIGUOUS_GROUPS:
            context = _near_context(probe, match.start(), match.end())
            if context is not None:
                discounted.append((written, context))
                continue
        counted.append((written, label))
    return counted, discounted


def _listing(pairs: list[tuple[str, str]]) -> str:
    seen = dict.fromkeys(pairs)
    shown = [
        f'"{matched}"' if matched.lower() == label.lower() else f'"{matched}" ({label})'
        for matched, label in seen
    ]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


@functools.lru_cache(maxsize=4096)
def _purpose(text: str) -> PurposeFacts:
    if not text.strip():
        return PurposeFacts(False, (), "No purpose was stated.")
    counted, discounted = _find(text)
    matched = tuple(dict.fromkeys(m for m, _ in counted))
    if counted:
        return PurposeFacts(
            True,
            matched,
            f"The text mentions {_listing(counted)}, which is immigration enforcement.",
        )
    because = (
        "The text names nothing about immigration enforcement (removal, deportation, "
        "detainers, immigration status, unlawful presence or illegal entry)"
    )
    if discounted:
        readings = "; ".join(f'"{m}" is read with "{c}" nearby' for m, c in discounted)
        because += f"; {readings}, so not as removal from the country"
    return PurposeFacts(False, (), because + ".")


@functools.lru_cache(maxsize=4096)
def _offense(text: str) -> PurposeFacts:
    if not text.strip():
        return PurposeFacts(False, (), "No offence was stated.")
    counted = [pair for pair in _find(text)[0] if pair[1] in _OFFENCE_LABELS]
    if counted:
        return PurposeFacts(
            True,
            tuple(dict.fromkeys(m for m, _ in counted)),
            f"The offence mentions {_listing(counted)}: illegal entry or re-entry is "
            "immigration enforcement under C.R.S. 24-74-103, although it is a crime.",
        )
    return PurposeFacts(
        False, (), "The offence is not illegal entry or re-entry (8 U.S.C. 1325 or 1326)."
    )
