"""The words the monitor reads reasons with: immigration enforcement, and no purpose at all.

Immigration reasons are judged by the policy engine's own vocabulary
(`custodiet.policy.facts.purpose`), so a clerk's screen and the monitor never disagree about
what "ICE+ERO" or "criminal alien" means. That vocabulary needs look-arounds, which DuckDB's
regular expressions lack, so the scan works in two steps: a cheap SQL filter keeps every
reason that holds one of `CANDIDATE_STEMS` (a superset of what the vocabulary matches),
and only those distinct texts are read by the vocabulary, whole words only. A reason that names
an immigration agency ("HSI", "CBP") counts too, read by the agency directory, and the
filter holds a word of each of their names (`candidate_sql`). A test checks that everything
the vocabulary or the directory calls immigration passes the filter.

A reason has no articulable purpose when it is empty, redacted, or made only of words that
say nothing about why ("inv", "test", "Daytime search for best result"). The words are
below; a reason with one other word ("welfare check", "UUV", a case number) is not vague.
A vague reason is *generic* when it says the search served an investigation without
saying which ("investigation", "criminal case", "LE lookup"), and none of its words says
the search served no case at all ("test", "training", "Daytime search for best result"):
a generic reason given with a case number or an offence type, as the plate-reader vendors
now require, is articulable.
"""

from __future__ import annotations

import functools
import re

from custodiet.policy.facts.agencies import Directory, default_directory
from custodiet.policy.facts.purpose import immigration_purpose

# Every match of the vocabulary holds one of these (case-insensitive regular expressions).
# The vocabulary matches whole words, so most stems need only be looked for where a word
# starts (RE2's \b): "police" and "notice" then never reach Python at all. Statute numbers
# are looked for anywhere, since "8USC1325" runs them into the words before.
CANDIDATE_STEMS = (
    r"132[56]",
    r"\bina",  # INA 275, 276
    r"\bent",  # entry, entered, entrada, re-entry
    r"\breent",
    r"\bewi",
    r"\bborder",
    r"\b(?:re)?ingreso",
    r"\b(?:im|in)?migra",  # immigration, inmigración, migratorio, la migra
    r"\bice",
    r"\bi\.c\.e",
    r"\bero",
    r"\bfugops",
    r"\busbp",
    r"\b287",
    r"\bdetainer",
    r"\bi-?247",
    r"\bi-?20[035]",
    r"\bi-?862",
    r"\bnotices?\W+to\W+appear",
    r"\bnta",
    r"\bremov",
    r"\bdeport",
    r"\bstatus",
    r"\bcitizenship",
    r"\bpresen",
    r"\b(?:un)?lawful",
    r"\balien",
    r"\billegal",
    r"\bimproper",  # "improper entry", "improperreentry" run together
    r"\bundocumented",
    r"\bindocumentad",
    r"\bpapeles",
    r"\boverstay",
    r"\bcivil_immigration",
)
CANDIDATE_SQL = "(?i)(?:" + "|".join(CANDIDATE_STEMS) + ")"

# Reasons that are no reason: the whole text, once lower-cased and stripped of punctuation.
REDACTED = frozenset(
    {
        "",
        "redacted",
        "na",
        "n a",
        "none",
        "null",
        "nil",
        "unknown",
        "x",
        "xx",
        "xxx",
        "xxxx",
        "blank",
        "no reason",
        "not given",
        "not stated",
        "withheld",
    }
)

# Words that, alone or together, say nothing about why a search was run.
VAGUE_WORDS = frozenset(
    {
        "admin",
        "administrative",
        "best",
        "business",
        "camera",
        "case",
        "check",
        "crim",
        "crime",
        "crimes",
        "criminal",
        "daytime",
        "enforcement",
        "for",
        "general",
        "info",
        "information",
        "inquiry",
        "law",
        "le",
        "like",
        "lookup",
        "misc",
        "miscellaneous",
        "more",
        "official",
        "other",
        "patrol",
        "police",
        "purpose",
        "purposes",
        "query",
        "result",
        "results",
        "search",
        "searching",
        "test",
        "testing",
        "tests",
        "this",
        "training",
        "work",
    }
)
# Vague words that say a search served no case: a reason holding one is never generic.
NO_CASE_WORDS = frozenset(
    {
        "best",
        "camera",
        "daytime",
        "like",
        "more",
        "result",
        "results",
        "test",
        "testing",
        "tests",
        "training",
    }
)
assert NO_CASE_WORDS <= VAGUE_WORDS

# "inv", "invest", "investigation" and the ways it is misspelt ("invetigation",
# "inestigation", "ivestigations", "invewsigations"), but not "inventory", "invoice" or
# "invasion": after "inv" the word must go on "es", "s", or show "tig" or "sig".
VAGUE_WORD_PATTERN = r"^(?:invs?|inve?s[a-z]*|inv[a-z]*(?:tig|sig)[a-z]*|ivest[a-z]*|inest[a-z]*)$"


def normalise_sql(expr: str) -> str:
    """DuckDB: the text lower-cased, punctuation and '+' read as spaces, spaces collapsed."""
    return f"trim(regexp_replace(lower(coalesce({expr}, '')), '[^a-z0-9]+', ' ', 'g'))"


def vague_sql(normalised: str) -> str:
    """DuckDB: true when every word of the normalised reason is a vague word."""
    words = ", ".join(f"'{w}'" for w in sorted(VAGUE_WORDS))
    return (
        f"(len({normalised}) > 0 AND list_bool_and(list_transform(string_split({normalised}, ' '), "
        f"lambda w: list_contains([{words}], w) OR regexp_full_match(w, '{VAGUE_WORD_PATTERN[1:-1]}'))))"
    )


def generic_sql(normalised: str) -> str:
    """DuckDB: true when no word of the normalised reason says the search served no case
    (with `vague_sql`: a generic reason)."""
    words = ", ".join(f"'{w}'" for w in sorted(NO_CASE_WORDS))
    return f"NOT list_has_any(string_split({normalised}, ' '), [{words}])"


def redacted_sql(normalised: str) -> str:
    values = ", ".join(f"'{w}'" for w in sorted(REDACTED))
    return f"({normalised} IN ({values}))"


# Words the directory matches through another spelling ("Dept", "PD", "U.S.", "&"): a reason
# may name an agency without them, so none is what reasons are filtered on.
_RESPELT = frozenset(
    {
        "department",
        "police",
        "sheriff",
        "attorney",
        "office",
        "government",
        "us",
        "united",
        "states",
        "america",
        "the",
        "and",
    }
)


def agency_stems(directory: Directory) -> tuple[str, ...]:
    """For each name, alias and acronym of an immigration agency, its longest word."""
    stems = set()
    for agency in directory.agencies:
        if not agency.immigration:
            continue
        for spelling in (agency.name, *agency.aliases, *agency.acronyms):
            words = [w for w in re.findall(r"[^\W_]+", spelling.lower()) if w not in _RESPELT]
            if words:
                stems.add(max(words, key=len))
    return tuple(sorted(stems))


def candidate_sql(directory: Directory) -> str:
    """CANDIDATE_SQL widened to every reason that may name an immigration agency."""
    # Acronyms may be written as initials ("H.S.I."), which the directory joins up.
    named = [
        r"\b" + r"\.?\s?".join(re.escape(letter) for letter in stem)
        for stem in agency_stems(directory)
    ]
    return CANDIDATE_SQL[:-1] + "|" + "|".join(named) + ")"


@functools.lru_cache(maxsize=8)
def _agency_names(directory: Directory) -> re.Pattern[str] | None:
    """Every way the directory spells an immigration agency, as whole words in any case,
    except the acronyms that are everyday words ("ICE"), which the vocabulary reads."""
    everyday = {word.upper() for word in directory.word_acronyms}
    spellings = {
        spelling
        for agency in directory.agencies
        if agency.immigration
        for spelling in (agency.name, *agency.aliases, *agency.acronyms)
        if spelling.upper() not in everyday
    }
    patterns = []
    for spelling in sorted(spellings, key=len, reverse=True):
        words = re.findall(r"[^\W_]+", spelling)
        if words:
            # Initials may be written with stops ("H.S.I."); words with any separator.
            if len(words) == 1 and spelling.isupper():
                patterns.append(r"\.?".join(re.escape(letter) for letter in words[0]) + r"\.?")
            else:
                patterns.append(r"[\W_]+".join(re.escape(word) for word in words))
    if not patterns:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(patterns) + r")(?![^\W_])", re.IGNORECASE)


def immigration_verdict(text: str, directory: Directory | None = None) -> str | None:
    """Why this reason is about immigration enforcement, or None when it is not.

    Besides the policy engine's vocabulary, a reason that names an immigration agency
    ("HSI", "CBP") says whom the search was run for: the engine reads such a name from the
    requester's fields instead, which a log's reason field is not. Every agency the reason
    names counts ("DEA/HSI", "Assist FBI with HSI case"), in the role the same reader gives
    it: a search for HSI is flagged, the assault on an HSI agent is not.
    """
    facts = immigration_purpose(text)
    # A role the engine cannot tell (an officer "involved" in something) is counted as
    # immigration-related there, and sent to counsel; the monitor counts it too.
    if facts.immigration or facts.role_unclear:
        return facts.because
    directory = directory or default_directory()
    names = _agency_names(directory)
    if names is None:
        return None
    for match in names.finditer(text):
        # Read the agency as the reader reads ICE: the same cues give it the same roles.
        stand_in = text[: match.start()] + "ICE" + text[match.end() :]
        role = immigration_purpose(stand_in)
        if role.immigration or role.role_unclear:
            found = directory.match_name(match.group(0))
            named = found.name if found is not None else match.group(0)
            return f'The text names "{match.group(0)}" ({named}), an immigration agency.'
    return None


# Hotlists (the lists a plate-reader or a records system alerts on) that exist to find
# people for immigration enforcement: NCIC's Immigration Violator File and the categories
# it holds (previously deported felons, absconders with a final order of removal, NSEERS
# violators), and lists an agency keeps for ICE. Whole words, any case.
IMMIGRATION_HOTLISTS = re.compile(
    r"(?<![^\W_])(?:immigration\s+violators?(?:\s+file)?|ivf|deported\s+felons?"
    r"|(?:immigration\s+)?absconders?|nseers|(?:final\s+)?orders?\s+of\s+removal"
    r"|removable\s+aliens?)(?![^\W_])",
    re.IGNORECASE,
)


def hotlist_verdict(name: str, directory: Directory | None = None) -> str | None:
    """Why a hotlist of this name is an immigration list, or None.

    Its name is read like a reason ("ICE Fugitive Operations", a list shared by HSI), and
    the immigration files of NCIC are known by name.
    """
    found = IMMIGRATION_HOTLISTS.search(name)
    if found is not None:
        return (
            f'The list "{found.group(0)}" holds people sought for immigration enforcement '
            "(NCIC's Immigration Violator File and its kind)."
        )
    why = immigration_verdict(name, directory)
    if why is None:
        return None
    return f"The list's name says it serves immigration enforcement: {why}"
