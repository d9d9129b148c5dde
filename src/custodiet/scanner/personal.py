"""Personal data typed into the logs, found and masked: names, dates of birth, plates,
driver licence numbers and social security numbers.

Officers type whom they looked up into a search's reason ("locate DOE, JOHN", "DOB
01/02/1980", "plate ABC1234"). `mask` replaces each such span with its kind in brackets
("locate [name]"), so that an auditor can judge why a search was run without reading whom
it was about. What a reason is judged by stays as written: case numbers, statutes, the
search's own dates, agencies, offences and the monitor's vague words. Precision matters as
much as recall, and the rules below say what they give up for it.

The rules are a table (`RULES`) of regular expressions whose `value` group is what is
masked, each with a check that the words or the date are what the rule says. They are
tried in order and the first to claim a character keeps it: evidence before shape (a
switch field, then a cue word, then a bare shape). `mask_cell` applies the same to a
logged column, by what the column holds. Plain Python, no Django: it runs at display time,
over the rows of one page.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from custodiet.policy.facts.agencies import default_directory
from custodiet.scanner.layouts import fold, names
from custodiet.scanner.vocabulary import VAGUE_WORD_PATTERN, VAGUE_WORDS


def _words(*groups: str) -> frozenset[str]:
    """The words of tables written as text, a space or a line between each."""
    return frozenset(word for group in groups for word in group.split())


NAME = "name"
BIRTH_DATE = "date of birth"
PLATE = "plate"
LICENCE = "licence number"
SSN = "SSN"

# A date with no birth cue is a date of birth when it makes the person this many years old
# on the day of the search. Searches are run for recent events, so a date ten or more years
# back is far likelier a birth date than the day of a theft ("locate 03/15/1985"); masking
# an old incident date costs the auditor little, showing a birth date names a person. A
# date of the last ten years ("stolen 11/14/2025", "11-6-25 Commons ORC", the search's own
# time) or over 110 years back (no one living) stays as written.
BIRTH_AGES = range(10, 111)

# Switch messages hold what was looked up in fields: NAM/DOE, JOHN.DOB/19900203. A field's
# value runs to the next ".FIELD/" or the end, as the scanner reads RSN/ (layouts._REASON).
SWITCH_FIELDS = {"NAM": NAME, "DOB": BIRTH_DATE, "LIC": PLATE, "OLN": LICENCE, "SOC": SSN}
_FIELD_END = r"(?=\.[A-Z][A-Z0-9]{1,4}/|[\r\n]|$)"

# Cue words, any case, as whole words: what is written after one is of that kind.
_NUMBER = r"(?:[ \t]*(?:no\.?|number|num|#))?"
CUES = {
    BIRTH_DATE: (
        r"d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|birth"
        r"|born(?:\s+(?:on|in))?|b/d"
    ),
    SSN: rf"ssn|s\.s\.n\.?|soc|ss[ \t]*#|social(?:\s+security)?{_NUMBER}",
    LICENCE: (
        rf"dl{_NUMBER}|dln|oln|driver'?s?\s+licen[cs]e{_NUMBER}"
        r"|licen[cs]e[ \t]*(?:no\.?|number|num|#)"
    ),
    PLATE: rf"(?:licen[cs]e\s+)?plate{_NUMBER}|tag{_NUMBER}|lic{_NUMBER}|lp",
    NAME: r"on|for|locate|subject|suspect|victim|missing|re|name",
}
# Between a cue and its value: "DOB: 1/2/80", "plate #ABC123", "locate - DOE". A dash must
# stand apart, so that "re-entry" is no cue.
_SEPARATOR = r"(?:[ \t]*[:#=/][ \t]*|[ \t]+(?:[-–:#][ \t]*)?)"

# Dates as officers write them, with their year, month and day named. Compact dates
# (19900203) and a bare year only after a cue: case numbers are written that way too.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATES = (
    r"(?P<m>\d{1,2})[/.-](?P<d>\d{1,2})[/.-](?P<y>\d{4}|\d{2})",  # 01/02/1980, 1-2-80, 11.22.2025
    r"(?P<y>\d{4})[/.-](?P<m>\d{1,2})[/.-](?P<d>\d{1,2})",  # 1980-01-02, 2025-08-22T18:07
    rf"(?P<mon>{_MONTH})\.?[ \t]*(?P<d>\d{{1,2}}),?[ \t]*(?P<y>\d{{4}})",  # Jan 2, 1980
    # 2 Jan 1980, 02JAN80
    rf"(?P<d>\d{{1,2}})[ \t]*(?P<mon>{_MONTH})\.?,?[ \t]*(?P<y>\d{{4}}|\d{{2}})",
)
CUED_DATES = (
    r"(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})",  # 19900203, as switch messages write it
    r"(?P<m>\d{2})(?P<d>\d{2})(?P<y>(?:19|20)\d{2})",  # 02031990
    r"(?P<y>(?:19|20)\d{2})",  # born 1990
)

# Shapes that are personal data wherever they stand.
SSN_SHAPE = r"\d{3}-\d{2}-\d{4}"
# Colorado's licence numbers; case numbers (25-001234) and statutes (24-74-103) are
# grouped otherwise.
LICENCE_SHAPE = r"\d{2}-\d{3}-\d{4}"

# A plate after its cue: one token, or two short ones ("ABC 1234", "ABC-1234").
_PLATE_VALUE = r"[A-Za-z0-9]{1,8}(?:[ -][A-Za-z0-9]{1,4})?"
# A licence number after its cue: digits, maybe after a letter or two, maybe grouped.
_LICENCE_VALUE = r"(?:[A-Za-z]{1,2}[- ]?)?\d(?:[- ]?\d){3,15}"
# A bare plate: five to eight letters and digits, two of them digits at least and one a
# letter (419DHN, 41HP587, E287021). ORIs (CO0160200) are nine characters, past the longest
# plate. Misspelt words ("Feld9ony") have one digit; these look like plates and are not:
NOT_PLATES = re.compile(
    r"\d+(?:st|nd|rd|th)"  # ordinals: 122ND
    r"|\d+(?:am|pm|hrs?|hours?|mins?|mph|lbs?|yo|yrs?|kg|cc)"  # times and units: 0930hrs
    r"|(?:usc|pc|vc|hs|hsc|crs|ors|fs|wic|ina|cfr|rcw|mcl|ds|nta)\d+[a-z]?"  # codes: PC187, DS160
    r"|\d+(?:usc|pc|vc|hs|hsc|crs|ors|fs|wic|cfr)"  # 459PC, 10851VC
    r"|(?:case|cr|cs|inc|rpt|dr|ir|cad|cfs|rms|oca|ev)\d+"  # case numbers: CR251234
    rf"|\d{{1,2}}{_MONTH}\d{{2,4}}",  # dates: 02JAN80
    re.IGNORECASE,
)
_PLATE_SHAPE = r"(?<![\w.-])(?=[A-Za-z]*\d[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{5,8}(?![\w-])"

# A word of a name: DOE, Doe, O'BRIEN, McDONALD, Smith-Jones, J; an initial: J.
_NAME_WORD = r"[A-Z](?:[A-Za-z'’-]*[A-Za-z])?"
_INITIAL = r"[A-Z]\."
# Up to three words after a cue, stopping before one that starts another LAST, FIRST.
_NAME_RUN = (
    rf"(?:{_INITIAL}|{_NAME_WORD})"
    rf"(?:[ \t]+(?!{_NAME_WORD},)(?:{_INITIAL}|{_NAME_WORD})){{0,2}}(?![\w'’-])"
)
# LAST, FIRST [MIDDLE], in capitals or title case.
_COMMA_NAME = (
    rf"(?<![\w'’-])(?P<value>(?P<last>{_NAME_WORD}),[ \t]*(?P<first>{_NAME_WORD})"
    rf"(?:[ \t]+(?:{_INITIAL}|{_NAME_WORD}))?)(?![\w'’-])"
)

# Capitalised words that are not names, which a cue or a comma may stand before: what a
# search is for, who in general, where, when, which agency. Compared lower case.
NOT_NAMES = {
    "cue words": """dob ssn soc oln dln lic lp born birth birthday locate name""",
    "words between": """a an and as at by from in into is it near no not of off on or
        per re the to via with without his her their them they he she my our your this
        that these those all any one two three some other""",
    "people in general": """person persons people peep subject subjects suspect suspects
        susp victim victims vict witness witnesses driver drivers owner owners occupant
        occupants passenger passengers resident residents male males female females man men
        woman women boy girl child children kid kids juvenile juveniles juv minor adult
        adults teen elderly family unknown unk individual party parties citizen neighbor
        caller complainant reporting rp registered wanted missing endangered runaway
        suicidal armed dangerous intoxicated deceased body""",
    "officers": """officer officers deputy deputies agent agents trooper troopers sgt sergeant
        lt lieutenant cpl corporal det detective detectives chief marshal
        investigator analyst leo request req requested requesting assist assisting
        assistance backup unit units""",
    "vehicles and documents": """vehicle vehicles veh car cars truck trucks van suv
        motorcycle motorcycles bike bikes bicycle sedan coupe pickup trailer boat rv lsv
        auto plate plates tag tags vin license licence licenses registration reg id dl
        permit title temp""",
    "offences and alerts": """burglary burglaries burg theft thefts robbery robberies
        assault assaults battery homicide murder shooting shootings stabbing fraud forgery
        larceny trespass trespassing narcotics narcotic narco narc drug drugs dui duii dwi
        dwlsr kidnapping abduction arson vandalism mischief harassment stalking threat
        threats carjacking hit run crash collision accident warrant warrants warr arrest
        felony felonies misdemeanor misdo crime crimes violation violations offense
        offence offenses trafficking smuggling prostitution gang weapon weapons gun guns
        firearm stolen uuv bolo atl alert alerts amber silver hotlist pursuit flee
        fleeing elude eluding reckless speeding traffic stop disturbance domestic dv
        violence injunction protective order orders sex offender predator skimming
        shoplifting retail orc booster suicide overdose welfare check death""",
    "places and times": """scene area location loc residence home house address street
        road highway hwy interstate store business school park lot city town county state
        north south east west today tonight yesterday morning afternoon evening night
        day week month year""",
    "agencies": """police sheriff sheriffs department dept office bureau patrol agency
        agencies service services marshals task force division court district attorney
        da pd so sd sp hp chp fhp dps csp fwc jail corrections probation parole federal
        national guard customs border immigration homeland security enforcement removal
        operations investigations ice ero hsi cbp usbp fbi dea atf usms dhs doj ncic
        ccic nlets lesc""",
    "immigration": """alien aliens immigrant immigrants detainer detainers deportation
        deport status illegal illegals undocumented reentry entry visa""",
    "days and months": """monday tuesday wednesday thursday friday saturday sunday mon
        tue tues wed thu thur thurs fri sat sun january february march april may june
        july august september october november december jan feb mar apr jun jul aug sep
        sept oct nov dec""",
    "states": """alabama alaska arizona arkansas california colorado connecticut delaware
        florida georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine
        maryland massachusetts michigan minnesota mississippi missouri montana nebraska
        nevada hampshire jersey mexico york carolina dakota ohio oklahoma oregon
        pennsylvania rhode tennessee texas utah vermont virginia washington wisconsin
        wyoming al ak az ar ca co ct de fl ga hi ia il ks ky la ma md me mi mn mo ms mt
        nc nd ne nh nj nm nv ny oh ok or pa ri sc sn tn tx ut va vt wa wi wv wy dc""",
}
# An agency's acronym written the local way: DPD, EPD, LCSO, SRCSO, LASD.
_AGENCY_ACRONYM = re.compile(r"[a-z]{1,3}(?:pd|sd)|[a-z]{0,3}cso")
# A run of name words followed by one of these is an agency's name: "for Denver PD",
# "for Example County SO".
AGENCY_WORDS = _words(
    """police sheriff sheriffs sheriff's department dept office pd so sd county city
    patrol bureau agency"""
)

# What a logged column holds, by its name folded as columns.toml folds them. What was
# looked up is personal data by nature and shows as its kind alone; the columns that say
# when, which system, and which agency and account ran it hold no one's personal data
# (officers' accounts are not the residents' data) and show as they are; every other
# column is free text, shown through `mask`.
LOOKED_UP = {
    "subject": "[subject]",
    "subjectname": "[name]",
    "licenseplate": f"[{PLATE}]",
    "licenceplate": f"[{PLATE}]",
    "plate": f"[{PLATE}]",
    "platenumber": f"[{PLATE}]",
    "tag": f"[{PLATE}]",
    "vin": "[VIN]",
    "dob": f"[{BIRTH_DATE}]",
    "dateofbirth": f"[{BIRTH_DATE}]",
    "oln": f"[{LICENCE}]",
    "dlnumber": f"[{LICENCE}]",
    "ssn": f"[{SSN}]",
    # A switch message holds the query's fields: NAM/, DOB/, OLN/, LIC/ and the like.
    "message": "[message]",
}
PLAIN_COLUMNS = frozenset(
    ("occurred_at", "system", "ori", "organization", "user_id", "query_type", "destination")
)
PLAIN_KEPT = frozenset(
    fold(name)
    for name in (
        "id",
        "cameraCount",
        "networkCount",
        "Total Networks Searched",
        "Total Devices Searched",
        "Time Frame",
        "Time_Frame_Start",
        "Time_Frame_End",
        "Moderation",
    )
)

Span = tuple[int, int, str]


_NOT_NAME_WORDS = _words(*NOT_NAMES.values()) | VAGUE_WORDS


# A word of six letters or more with one letter dropped, the typo of hurried typing
# ("Suspect Vehice", "Felony Peron Crime"), counts as the word. Letters added or changed are
# not looked for: they would take real names for words (Pearson, Fleming, Albert).
_MISSING_A_LETTER = frozenset(
    word[:i] + word[i + 1 :] for word in _NOT_NAME_WORDS if len(word) >= 6 for i in range(len(word))
)


@functools.cache
def _acronyms() -> frozenset[str]:
    """The agency directory's acronyms (ICE, HSI, CSP, ...), lower case."""
    return frozenset(
        acronym.lower() for agency in default_directory().agencies for acronym in agency.acronyms
    )


def _may_be_name(word: str) -> bool:
    """Whether a capitalised word may be part of a name: no offence, role, place or agency."""
    key = word.lower().strip(".'’")
    return not (
        key in _NOT_NAME_WORDS
        or key in _acronyms()
        or re.fullmatch(VAGUE_WORD_PATTERN, key)
        or _AGENCY_ACRONYM.fullmatch(key)
        or key in _MISSING_A_LETTER
    )


def _unnamed(pattern: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


_DATE_FORMS = tuple(re.compile(date, re.IGNORECASE) for date in (*DATES, *CUED_DATES))
_ANY_DATE = r"(?<!\d)(?i:" + "|".join(_unnamed(date) for date in DATES) + r")(?!\d)"
_CUED_DATE = (
    r"(?<!\d)(?i:" + "|".join(_unnamed(date) for date in (*DATES, *CUED_DATES)) + r")(?!\d)"
)


def _date(text: str) -> tuple[int, int, int] | None:
    """The year (as written: 80 or 1980), month and day of a date, or None if it is none.

    Numbers are read month first, as American agencies write them, unless the first
    cannot be a month (25/12/1980).
    """
    for form in _DATE_FORMS:
        found = form.fullmatch(text)
        if found is None:
            continue
        parts = found.groupdict()
        # A month written in words, or a bare year, has no number to check.
        month, day = int(parts.get("m") or 1), int(parts.get("d") or 1)
        if month > 12:
            month, day = day, month
        if 1 <= month <= 12 and 1 <= day <= 31:
            return int(parts["y"]), month, day
        return None
    return None


def _age(year: int, as_of: dt.date) -> int:
    """How long before the search a year written with two or four digits is; a two-digit
    year is read in the century that puts it at or before the search's year."""
    if year < 100:
        year += as_of.year // 100 * 100
        if year > as_of.year:
            year -= 100
    return as_of.year - year


# A check takes a rule's match and the day of the search, and gives the span to mask, or
# None when the match is not what the rule says after all.
Check = Callable[[re.Match[str], dt.date | None], tuple[int, int] | None]


def _value(match: re.Match[str], as_of: dt.date | None) -> tuple[int, int] | None:
    return match.span("value")


def _valid_date(match: re.Match[str], as_of: dt.date | None) -> tuple[int, int] | None:
    return match.span("value") if _date(match.group("value")) else None


def _birth_date(match: re.Match[str], as_of: dt.date | None) -> tuple[int, int] | None:
    """A date with no cue is a birth date when it makes someone 10 to 110 years old on the
    day of the search (`BIRTH_AGES`); with no day to judge by, only a cue says so."""
    date = _date(match.group("value"))
    if as_of is None or date is None or _age(date[0], as_of) not in BIRTH_AGES:
        return None
    return match.span("value")


def _cued_plate(match: re.Match[str], as_of: dt.date | None) -> tuple[int, int] | None:
    """A plate after its cue has a digit, or is a capitalised word of a text not written in
    capitals that names nothing else ("plate MIMSY", but not "plate check", "PLATE CHECK"
    or "Plate Reader")."""
    value = match.group("value")
    if any(ch.isdigit() for ch in value):
        return match.span("value")
    if value.isupper() and not match.string.isupper() and _may_be_name(value):
        return match.span("value")
    return None


def _bare_plate(match: re.Match[str], as_of: dt.date | None) -> tuple[int, int] | None:
    return None if NOT_PLATES.fullmatch(match.group("value")) else match.span("value")


def _name(match: re.Match[str], as_of: dt.date | None) -> tuple[int, int] | None:
    """The leading words of the value that may be a name, initials and all, unless they are
    only initials or an agency's word follows them ("for Denver PD", "for Example County")."""
    offset = match.start("value")
    words = [(w.start() + offset, w.end() + offset) for w in re.finditer(r"\S+", match["value"])]
    kept = []
    for start, end in words:
        word = match.string[start:end]
        if not (_is_initial(word) or _may_be_name(word)):
            break
        kept.append((start, end))
    if all(_is_initial(match.string[start:end]) for start, end in kept):
        return None
    if _next_word(match.string, kept[-1][1]).lower() in AGENCY_WORDS:
        return None
    return kept[0][0], kept[-1][1]


def _is_initial(word: str) -> bool:
    return len(word.rstrip(".")) == 1


def _next_word(text: str, end: int) -> str:
    found = re.match(r"[ \t]+([\w'’]+)", text[end:])
    return found.group(1) if found else ""


def _comma_name(match: re.Match[str], as_of: dt.date | None) -> tuple[int, int] | None:
    """LAST, FIRST: both must be name words of two letters or more, so "BURGLARY, THEFT"
    and "Eugene, OR" are not names."""
    last, first = match["last"], match["first"]
    if min(len(last), len(first)) < 2 or not (_may_be_name(last) and _may_be_name(first)):
        return None
    return _name(match, as_of)


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    check: Check = _value


def _cue(kind: str) -> str:
    """A cue of this kind as a whole word, then what may stand between it and its value."""
    return rf"(?<![A-Za-z])(?i:{CUES[kind]})(?![A-Za-z]){_SEPARATOR}"


# Tried in order; the first rule to claim a character keeps it.
RULES = (
    *(
        Rule(kind, re.compile(rf"(?<![A-Za-z]){field}/(?P<value>[^\r\n]+?){_FIELD_END}"))
        for field, kind in SWITCH_FIELDS.items()
    ),
    Rule(BIRTH_DATE, re.compile(_cue(BIRTH_DATE) + rf"(?P<value>{_CUED_DATE})"), _valid_date),
    Rule(SSN, re.compile(_cue(SSN) + r"(?P<value>\d{3}[- ]?\d{2}[- ]?\d{4})(?!\d)")),
    Rule(LICENCE, re.compile(_cue(LICENCE) + rf"(?P<value>{_LICENCE_VALUE})(?![\w-])")),
    Rule(PLATE, re.compile(_cue(PLATE) + rf"(?P<value>{_PLATE_VALUE})(?![\w-])"), _cued_plate),
    Rule(SSN, re.compile(rf"(?<![\d-])(?P<value>{SSN_SHAPE})(?![\d-])")),
    Rule(LICENCE, re.compile(rf"(?<![\d-])(?P<value>{LICENCE_SHAPE})(?![\d-])")),
    Rule(NAME, re.compile(_COMMA_NAME), _comma_name),
    # The name after a cue is looked at, not taken, so that a cue inside it is read too
    # ("MISSING FOR DOE": "FOR" is no name, and "DOE" follows a cue of its own).
    Rule(NAME, re.compile(_cue(NAME) + rf"(?=(?P<value>{_NAME_RUN}))"), _name),
    Rule(BIRTH_DATE, re.compile(rf"(?P<value>{_ANY_DATE})"), _birth_date),
    Rule(PLATE, re.compile(rf"(?P<value>{_PLATE_SHAPE})"), _bare_plate),
)
# A mask already in the text stays as it is, so that masking twice changes nothing.
_MASKED = re.compile(
    r"\[(?:" + "|".join(re.escape(k) for k in (NAME, BIRTH_DATE, PLATE, LICENCE, SSN)) + r")\]"
)


def spans(text: str, *, as_of: dt.date | None = None) -> list[Span]:
    """The personal data in the text, in one reading: (start, end, kind), in order, none
    overlapping.

    `as_of` is the day of the search, which tells a birth date from the day of an event
    when no cue says which (`BIRTH_AGES`).
    """
    taken: list[Span] = [(m.start(), m.end(), "") for m in _MASKED.finditer(text)]
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            span = rule.check(match, as_of)
            if span is None:
                continue
            start, end = span
            if all(end <= other_start or other_end <= start for other_start, other_end, _ in taken):
                taken.append((start, end, rule.kind))
    return sorted(span for span in taken if span[2])


def mask(text: str, *, as_of: dt.date | None = None) -> str:
    """The text with each span of personal data replaced by its kind: "locate [name]".

    The text is read again until nothing more is found, since a mask can free what ran
    into the data it hides: in "DOE, JOHN123-45-6789" the name ends where "[SSN]" begins.
    Every reading masks more of what is left, so the readings end.
    """
    while True:
        parts = []
        done = 0
        for start, end, kind in spans(text, as_of=as_of):
            parts += [text[done:start], f"[{kind}]"]
            done = end
        if not parts:
            return text
        text = "".join([*parts, text[done:]])


@functools.cache
def _shown_as(column: str) -> str | None:
    """How a column is shown: its kind when it holds what was looked up, "" when it is
    shown as it is, None when it is free text."""
    key = fold(column)
    if key in LOOKED_UP:
        return LOOKED_UP[key]
    if names().canonical.get(key) in PLAIN_COLUMNS or key in PLAIN_KEPT:
        return ""
    return None


def mask_cell(column: str, value: str, *, as_of: dt.date | None = None) -> str:
    """A logged value as it is shown masked, by what its column holds (`LOOKED_UP`)."""
    shown = _shown_as(column)
    if not value or shown == "":
        return value
    return mask(value, as_of=as_of) if shown is None else shown
