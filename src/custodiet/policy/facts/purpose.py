"""Whether a stated purpose, or an offence, is about immigration enforcement.

C.R.S. 24-74-103 forbids sharing personal information for federal immigration
enforcement, including illegal entry and re-entry (8 U.S.C. 1325, 1326) although they are
crimes. Requesters and plate-reader audits state purposes in free text ("ICE+ERO",
"removal proceedings", "criminal alien", "8 U.S.C. § 1326(a)"), so this module matches a
vocabulary of words and phrases, whole words only: "ICE" is never found in "police",
"notice" or "Rice", and "removal" of a vehicle, of snow or from office is not removal from
the country.

An immigration word in another role is not an immigration purpose (contract 1.1): the
officer or agency is the victim or the subject of the crime investigated ("assault on an
ICE officer", "posing as ICE agents"), the word is denied ("no 287(g) agreement"), the
work protects immigrants ("notario fraud"), or the word has another sense ("forcible
entry and detainer", a towed car's "removal order"). The reader follows ConText (Chapman
et al., 2007): the vocabulary's entries are the targets; `CUES` is a table of the phrases
that give a target another role, each with the direction it looks in and how far its scope
reaches; `ROLES` says which targets each role can apply to. One loop reads every target
against every cue. When a cue is near a target but a word between them leaves the role in
doubt, the role is unclear and counsel decides; a target no cue reaches is enforcement.

The tables below are regular expressions with the label the explanation uses. Matching is
case-insensitive except where an entry says `(?-i:...)`.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

# --- Targets: what the text may be about ----------------------------------------------------

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

# Immigration officers as persons: who can be a victim, a suspect, or a witness
# ("an ICE deportation officer", "Border Patrol agents", "287(g) deputies").
_OFFICER_OF = (
    r"(?:(?-i:ICE)|(?-i:ERO)|(?-i:USBP)|immigration|border\s+patrol"
    r"|287\s*[-(\[]?\s*g\s*[)\]]?)"
    r"(?:[\s+/-]+(?:(?-i:ERO)|(?-i:HSI)|deportation|enforcement|removal"
    r"|detention(?:\s+and\s+deportation)?|fugitive\s+operations?|special|task\s+force))*"
)
OFFICERS: tuple[tuple[str, str], ...] = (
    (
        _OFFICER_OF + r"[\s+/-]+(?:officers?|agents?|officials?|personnel|employees?|staff"
        r"|deput(?:y|ies)|investigators?)",
        "immigration officer",
    ),
    (r"(?:supervisory\s+)?(?:detention\s+and\s+)?deportation\s+officers?", "immigration officer"),
)

# "ICE" in capitals is the agency, except in the few everyday compounds an all-capitals
# reason can hold ("ICE CREAM TRUCK", "ICE STORM").
_NOT_FROZEN_WATER = (
    r"(?!\s+(?:cream|rinks?|arena|skat\w*|storms?|machines?|cubes?|chests?|roads?|patch"
    r"|fishing|hockey|packs?|maker)\b)"
)

# Enforcement itself: removal, deportation, detainers, holds.
ACTS: tuple[tuple[str, str], ...] = (
    (r"civil_immigration_enforcement", "civil immigration enforcement"),
    (r"ice[\s+/-]+holds?|immigration\s+holds?|hold\s+for\s+(?-i:ICE)", "ICE hold"),
    (
        r"ice[\s+/-]+(?:detainers?|warrants?|custody|requests?|arrests?|targets?|operations?"
        r"|detention|removal|deportation)",
        "ICE",
    ),
    (r"(?:immigration\s+)?detainers?|I-?247[ADNX]?", "detainer"),
    (r"removal\s+(?:proceedings?|hearings?)", "removal proceedings"),
    (
        r"expedited\s+removal|reinstate(?:ment|d)?\s+(?:of\s+)?(?:a\s+)?(?:prior\s+)?removal",
        "removal",
    ),
    (r"warrant\s+of\s+removal|ordered\s+removed|(?-i:I)-?(?:200|203|862)", "removal"),
    (r"notices?\s+to\s+appear|(?-i:NTAs?)", "notice to appear"),
    # Enforcement aimed at a person: "locate alien", "arrest of an alien".
    (
        r"(?:locate|locating|find|finding|arrest|arresting|apprehend|apprehending|detain"
        r"|detaining|track|tracking|search\s+for)\s+(?:an?\s+|the\s+|illegal\s+)?aliens?",
        "alien",
    ),
    (r"(?:form\s+)(?-i:I)-?205|(?-i:I)-?205\s+warrant", "removal"),
    (
        r"deport(?:s|ed|ing|ation|ations|able|ee|ees|aci[oó]n|aciones|ad[oa]s?|ar)?",
        "deportation",
    ),
    (
        r"immigration\s+(?:enforcement|violations?|arrests?|cases?|matters?|purposes?"
        r"|investigations?|checks?|inquiry|verification)",
        "immigration enforcement",
    ),
)

# The agencies by name.
AGENCIES: tuple[tuple[str, str], ...] = (
    (r"ice[\s+/-]+(?:ero|fugops|hsi)", "ICE"),
    (rf"(?-i:ICE){_NOT_FROZEN_WATER}|(?-i:I\.C\.E)\.?", "ICE"),
    (r"(?-i:ERO)|enforcement\s+and\s+removal\s+operations?", "ICE Enforcement and Removal"),
    (r"fugops", "ICE fugitive operations"),
    (r"usbp|border\s+patrol", "Border Patrol"),
    (r"287\s*[-(\[]?\s*g\s*[)\]]?", "287(g)"),
)

# A person's status and presence: what enforcement asks about, whoever asks.
STATUSES: tuple[tuple[str, str], ...] = (
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
)

# The bare word, last: every longer phrase above is tried first.
GENERAL: tuple[tuple[str, str], ...] = (
    (r"immigration|inmigraci[oó]n|migraci[oó]n|migratori[oa]s?|la\s+migra", "immigration"),
)

# Every target above, in the order the vocabulary tries them (officers before the words
# their titles hold, enforcement compounds before the bare agency, the bare word last).
PHRASES: tuple[tuple[str, str], ...] = (*OFFICERS, *ACTS, *AGENCIES, *STATUSES, *GENERAL)

# Immigration phrases that have everyday senses too ("removal order" for a towed car):
# they count unless a word from CONTEXTS stands near them in the same clause.
AMBIGUOUS: tuple[tuple[str, str], ...] = (
    (r"(?:final\s+)?order\s+of\s+removal|removal\s+orders?", "order of removal"),
    (r"for\s+removal(?!\s+(?:of|from)\b)", "for removal"),
    (r"removal\s+(?:cases?|targets?|operations?)", "removal case"),
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

# What each target is, for the roles that can apply to it: an officer (a person), an
# agency, an act of enforcement, a person's status, an offence; "ambiguous" entries have an
# everyday sense as well.
_OFFICER, _AGENCY, _ACT, _STATUS, _OFFENCE, _AMBIGUOUS = (
    "officer",
    "agency",
    "act",
    "status",
    "offence",
    "ambiguous",
)
_TARGETS: tuple[tuple[str, str, frozenset[str]], ...] = (
    *((p, label, frozenset({_OFFENCE})) for p, label in OFFENCES),
    *((p, label, frozenset({_OFFICER, _AGENCY})) for p, label in OFFICERS),
    *((p, label, frozenset({_ACT})) for p, label in ACTS),
    *((p, label, frozenset({_AGENCY})) for p, label in AGENCIES),
    *((p, label, frozenset({_STATUS})) for p, label in STATUSES),
    *((p, label, frozenset({_ACT})) for p, label in GENERAL),
    *((p, label, frozenset({_ACT, _AMBIGUOUS})) for p, label in AMBIGUOUS),
)
_OFFENCE_LABELS = frozenset(label for _, label in OFFENCES)


# --- Cues: what gives a target another role ------------------------------------------------


class Role(NamedTuple):
    """A role a cue gives: which targets it can apply to, and how each reading is said."""

    applies_to: frozenset[str]
    clearly: str  # '"ICE officer" ' + this; {cue} is the cue as written
    perhaps: str  # when the role is in doubt; {gap} is what stands between


ROLES: dict[str, Role] = {
    "denied": Role(
        frozenset({_AGENCY, _ACT}),
        'is denied ("{cue}")',
        'may be denied ("{cue}"), but "{gap}" stands between them',
    ),
    "victim": Role(
        frozenset({_AGENCY}),
        'is the victim of the crime investigated ("{cue}")',
        'may be the victim of the crime investigated ("{cue}"), but "{gap}" stands between them',
    ),
    "subject": Role(
        frozenset({_AGENCY}),
        'is the subject of the crime investigated ("{cue}")',
        'may be the subject of the crime investigated ("{cue}"), but "{gap}" stands between them',
    ),
    "protected": Role(
        frozenset({_AGENCY, _ACT, _STATUS}),
        'is named in work that protects immigrants ("{cue}")',
        "",
    ),
    "other_sense": Role(
        frozenset(),  # only what the cue's own words cover: "forcible entry and detainer"
        'is part of "{cue}", another sense of the word',
        "",
    ),
    "everyday": Role(
        frozenset({_AMBIGUOUS}),
        'is read with "{cue}" nearby, in its everyday sense (not removal from the country)',
        "",
    ),
    "requester": Role(
        frozenset({_AGENCY}),
        'is the requester or the agency it acts for ("{cue}"): the requester is treated as '
        "that agency",
        "",
    ),
    "business": Role(
        frozenset({_AGENCY, _ACT}),
        'names a business or contract ("{cue}"), not enforcement',
        "",
    ),
    "unclear": Role(
        frozenset({_OFFICER}),
        "",
        'stands by "{cue}", which does not say whether the officer is the victim, the '
        "subject or the one enforcing",
    ),
}


# The immigration agency is the requester or acts through it (contract 1.1: "an officer
# acting under a 287(g) agreement or expressly on behalf of one of them"): phrases before
# the agency's name, and after it. The agency directory reads the same phrases to treat
# the requester as the agency it acts for (`Directory.acting_for`); this reader only keeps
# such a mention from counting as enforcement against the record's subject.
ACTING_BEFORE = (
    r"on\s+behalf\s+of|acting\s+(?:for|on\s+behalf\s+of)"
    r"|at\s+the\s+(?:request|direction|behest)\s+of|(?:requested|tasked|directed|referred|made)\s+by"
    r"|assist(?:s|ed|ing|ance\s+(?:to|for))?|in\s+(?:support|assistance)\s+of|supporting|for"
    r"|(?:working|partnering|partnered|jointly)\s+with|detailed\s+to|assigned\s+to"
    r"|deputi[sz]ed\s+(?:by|with|as)|agreements?\s+with"
)
ACTING_AFTER = (
    r"liaisons?|task\s+force|(?-i:TFOs?)|detailees?|designees?|partners?|agreements?"
    r"|joint\s+(?:operations?|investigations?)|-?designated(?:\s+(?:deput(?:y|ies)|officers?))?"
)


# For readers that only ask whether a phrase is said and not denied ("on behalf of ICE",
# "facial recognition", "CORA"): clauses end at a stop but not at an initial's ("U.S."),
# and a denial is one of these words within the three words before the phrase.
CLAUSE_END = re.compile(r"(?<!\b[A-Za-z])[.;:!?]+(?:\s+|$)|\n")
DENIED_BEFORE = re.compile(
    r"\b(?:no|not|never|without|nor|non|none|neither|n[o']t|ended|terminated|withdrew\s+from)\b"
    r"(?:\s+\S+){0,3}\s*$",
    re.IGNORECASE,
)


class Cue(NamedTuple):
    """A phrase that gives the targets in its scope a role (ConText's trigger term)."""

    pattern: str
    role: str  # a key of ROLES
    looks: str  # "ahead" at targets after it, "back" at those before it, or "around"
    # "next": only filler words between; "near": one other word leaves the role in doubt;
    # "nearby": within four words of the same phrase; "sentence": anywhere in the same
    # sentence; "over": the targets its own words cover.
    scope: str


# "no" is a number in "case no 4411": not a denial there.
_NUMBERED = (
    "case", "file", "ref", "report", "docket", "warrant", "order", "cause", "incident",
    "event", "item", "account", "serial", "id", "permit", "license", "licence", "plate",
    "form", "tracking", "badge", "unit", "room", "suite", "apt", "box", "page", "phone",
)  # fmt: skip
_NOT_A_NUMBER = "".join(rf"(?<!{word}\s)" for word in _NUMBERED)
_AUXILIARY = (
    r"(?:(?:who|that)\s+)?(?:was|were|is|are|had\s+been|has\s+been|have\s+been|got|gets"
    r"|being)\s+(?:\w+ly\s+)?"
)
_HARMED = (
    r"assaulted|attacked|battered|struck|hit|rammed|run\s+over|dragged|shot(?:\s+at)?"
    r"|fired\s+(?:up)?on|stabbed|killed|murdered|injured|hurt|wounded|punched|kicked|bitten"
    r"|spat\s+(?:on|at)|threatened|harassed|stalked|doxx?ed|followed|targeted|menaced"
    r"|intimidated|robbed|kidnapp?ed|ambushed|vandali[sz]ed|damaged|burglarized|burgled"
    r"|broken\s+into|set\s+on\s+fire|hospitali[sz]ed|taken\s+to\s+(?:a\s+|the\s+)?hospital"
)
_IMMIGRANTS = (
    r"(?:immigrants?|migrants?|refugees?|asylum\s+seekers?"
    r"|undocumented\s+(?:workers?|people|persons|residents|immigrants?|families|victims?))"
)

CUES: tuple[Cue, ...] = (
    # Another sense of the words themselves (pseudo-triggers): eviction law's "detainer".
    Cue(
        r"forcible\s+entry\s+and\s+detainer|forcible\s+detainer|unlawful\s+detainer",
        "other_sense",
        "around",
        "over",
    ),
    # Work that protects immigrants: the immigration words in the same sentence serve it.
    # A notario's fraud on immigrants, prosecuted; not the notario's clients pursued.
    Cue(
        r"notari(?:o|os|a|as)\s+(?:fraud|scams?|schemes?|p[uú]blicos?)|(?:against|by|prosecut\w*"
        r"|investigat\w*|charg\w*|su(?:e|ed|ing))\s+(?:an?\s+|the\s+)?notari(?:o|os|a|as)",
        "protected",
        "around",
        "sentence",
    ),
    # The person's own immigration case, for which their lawyer asks.
    Cue(
        r"(?:cancellation|withholding)\s+of\s+(?:removal|deportation)|good\s+moral\s+character"
        r"|(?:applications?|petitions?|motions?)\s+(?:for|to)\s+(?:cancellation|asylum|relief"
        r"|adjustment|withholding|a\s+waiver|parole|a\s+stay|reopen)"
        r"|(?:our|my)\s+client(?:'s|s'|s)?",
        "protected",
        "around",
        "sentence",
    ),
    Cue(
        r"(?:immigration|visa|asylum|green\s+card|citizenship)\s+(?:services?|consultants?"
        r"|consulting|preparers?|help)\s+(?:fraud|scams?)",
        "protected",
        "around",
        "sentence",
    ),
    Cue(
        r"(?:fraud|scams?|schemes?|swindles?|extortion|exploitation|abuse|crimes?|offen[cs]es?"
        rf"|theft)\s+(?:against|targeting|on|of|upon)\s+(?:\w+\s+)?{_IMMIGRANTS}",
        "protected",
        "around",
        "sentence",
    ),
    Cue(
        r"(?:defraud(?:s|ed|ing)?|scam(?:s|med|ming)?|swindl(?:e|es|ed|ing)|cheat(?:s|ed|ing)?"
        rf"|extort(?:s|ed|ing)?)\s+(?:\w+\s+)?{_IMMIGRANTS}",
        "protected",
        "around",
        "sentence",
    ),
    Cue(
        r"immigrant\s+victims?|victims?,?\s+(?:who\s+(?:is|are|was|were)\s+)?(?:an?\s+)?"
        r"(?:immigrants?|undocumented)",
        "protected",
        "around",
        "sentence",
    ),
    Cue(
        r"(?-i:[UT])[\s-]?visas?|(?-i:VAWA)|I-?91[48]|(?:crime\s+)?victim\s+certification",
        "protected",
        "around",
        "sentence",
    ),
    Cue(
        r"immigration\s+(?:attorneys?|lawyers?|counsel|legal\s+(?:services?|aid|clinic|help)"
        r"|defen[cs]e|benefits?|applications?|petitions?|relief)|(?:deportation|removal)\s+"
        r"defen[cs]e|(?:asylum|naturalization|adjustment\s+of\s+status|green\s+card"
        r"|(?-i:DACA)|(?-i:TPS))\s+(?:applications?|petitions?|cases?|claims?|interviews?)",
        "protected",
        "around",
        # Within the phrase only: "clients whose asylum applications were fraudulent, for
        # referral to ICE" pursues them.
        "nearby",
    ),
    Cue(
        r"demand(?:s|ed|ing)?\s+(?:cash|money|payments?|\$\s*\d[\d,]*)"
        r"|(?:to|would)\s+['\"‘“]?fix\s+(?:their|his|her|your)\s+(?:immigration\s+)?papers",
        "protected",
        "around",
        "sentence",
    ),
    # The officer as the subject of the crime: impersonated, or accused.
    Cue(
        r"impersonat(?:e|es|ed|ing|ion|ions)(?:\s+of)?|pos(?:e|es|ed|ing)\s+as"
        r"|pretend(?:s|ed|ing)?\s+to\s+be|masquerad(?:e|es|ed|ing)\s+as"
        r"|(?:claim|purport)(?:s|ed|ing)?\s+to\s+be(?:\s+(?:from|with))?",
        "subject",
        "ahead",
        "near",
    ),
    Cue(
        r"fake|false|phony|phoney|bogus|sham|counterfeit|fraudulent|purported|so-called"
        r"|self-described|impostor|imposter",
        "subject",
        "ahead",
        "next",
    ),
    Cue(
        r"threat(?:s|en|ens|ened|ening)?\s+to\s+(?:call|report|contact|notify|alert|phone|get)"
        r"|(?:extort(?:s|ed|ing|ion)?|blackmail(?:s|ed|ing)?)",
        "subject",
        "ahead",
        "near",
    ),
    Cue(
        r"misconduct\s+by|crimes?\s+(?:by|committed\s+by)|complaint\s+against"
        r"|(?:suspect|defendant|offender|perpetrator)\s*(?:is|was|:)?\s+(?:an?|the)",
        "subject",
        "ahead",
        "next",
    ),
    Cue(
        rf"impostors?|imposters?|impersonators?|{_AUXILIARY}(?:accused|charged|arrested"
        r"|cited|suspected|investigated|indicted|under\s+investigation)"
        r"|accused\s+of|charged\s+with|suspected\s+of",
        "subject",
        "back",
        "near",
    ),
    # The officer or agency as the victim.
    Cue(
        r"assault(?:s|ed|ing)?(?:\s+(?:on|upon|of|against))?|attack(?:s|ed|ing)?"
        r"(?:\s+(?:on|upon|against))?|batter(?:y|ed)(?:\s+(?:on|of|upon))?"
        r"|shoot(?:ing)?\s+(?:of|at)|shot(?:\s+at)?|fired\s+(?:up)?on|fired\s+(?:at|into)"
        r"|shots\s+(?:were\s+)?fired\s+(?:at|into|on)|stabb(?:ed|ing)(?:\s+of)?"
        r"|kill(?:ed|ing)(?:\s+of)?|murder(?:s|ed|ing)?(?:\s+of)?|(?:homicide|death)\s+of"
        r"|struck|rammed|r[au]n\s+over|dragged|punched|kicked|injur(?:ed|ing)"
        r"|injur(?:y|ies)\s+to|wound(?:ed|ing)",
        "victim",
        "ahead",
        "near",
    ),
    Cue(
        r"threat(?:s|ened|ening)?(?:\s+(?:against|to|toward|towards|on))?"
        r"|harass(?:ed|ing|ment)(?:\s+of)?|stalk(?:ed|ing)|doxx?(?:ed|ing)(?:\s+of)?"
        r"|intimidat(?:ed|ing|ion)(?:\s+of)?|menac(?:ed|ing)|robb(?:ed|ery\s+of)"
        r"|kidnapp?(?:ed|ing)(?:\s+of)?|ambush(?:ed)?(?:\s+of)?",
        "victim",
        "ahead",
        "near",
    ),
    Cue(
        r"vandali[sz](?:ed|ing|m)(?:\s+(?:of|at|to))?|arson\s+(?:of|at)|damage\s+to"
        r"|burglary\s+(?:of|at)|theft\s+(?:of|from)|stolen\s+from|break-?in\s+at|broke\s+into"
        r"|(?:crimes?|violence|offen[cs]es?)\s+against|against"
        r"|victims?(?:\s+(?:is|was|were|are|being|named))?",
        "victim",
        "ahead",
        "near",
    ),
    Cue(
        rf"{_AUXILIARY}(?:{_HARMED})|(?:hit|struck|run\s+over)\s+by|injured|wounded|killed"
        r"|assaulted|attacked|victims?|(?:is|was|were|are)\s+the\s+victims?",
        "victim",
        "back",
        "near",
    ),
    # Denials: "no 287(g) agreement", "not for immigration enforcement", "ICE is not involved".
    Cue(
        r"(?:does|do|did|has|have|had)\s*n[o']t\s+(?:have|involve|concern|participate\s+in"
        r"|take\s+part\s+in|work\s+with|enter\s+into)|(?:has|have|had)\s+no"
        r"|(?:unrelated|unconnected)\s+to|no\s+(?:connection|relation|link|nexus|involvement"
        r"|participation)\s+(?:to|with|by|of|from|in)"
        r"|not(?:\s+(?:for|by|from|with|involving|about|on\s+behalf\s+of|related\s+to"
        r"|acting\s+(?:for|on\s+behalf\s+of|with)|assisting|working\s+(?:for|with)"
        r"|connected\s+(?:to|with)|part\s+of))?"
        rf"|{_NOT_A_NUMBER}no(?!\.)|never|without|nor|neither|none\s+of|non",
        "denied",
        "ahead",
        "near",
    ),
    Cue(
        r"(?:will|would|shall|must|may|can|is|are)\s*(?:not|n[o']t|never)\s+(?:be\s+)?"
        r"(?:shared|disclosed|given|provided|released|passed(?:\s+on)?|sent|forwarded|used)"
        r"\s+(?:with|to|by|for)",
        "denied",
        "ahead",
        "next",
    ),
    Cue(
        r"(?:(?:is|are|was|were)\s*n[o']t|not)\s+(?:involved|a\s+party|requesting|asking"
        r"|the\s+requester)|uninvolved",
        "denied",
        "back",
        "near",
    ),
    # The immigration agency asks, or the requester acts for it.
    Cue(ACTING_BEFORE, "requester", "ahead", "next"),
    Cue(ACTING_AFTER, "requester", "back", "next"),
    # The words name a business, a contract or a place of work: "an ICE detention
    # contractor", "a CBP vendor" (an Inspector General's bribery case).
    Cue(
        r"(?:sub)?contractors?|vendors?|suppliers?|contracts?|procurements?|grants?|grantees?"
        r"|concessionaires?|(?:private\s+)?(?:prison|detention)\s+(?:company|companies|operators?)",
        "business",
        "back",
        "next",
    ),
    # Officers named beside an event that does not say what they were to it.
    Cue(
        r"(?:officer-)?involv(?:e|es|ed|ing|ement)|incident|witness(?:es|ed)?|present"
        r"|(?:at|on)\s+(?:the\s+)?scene|altercation|confrontation|encounter|scuffle|struggle"
        r"|fight|clash|resist(?:s|ed|ing|ance)?|imped(?:e|es|ed|ing)|obstruct(?:s|ed|ing|ion)?"
        r"|interfer(?:e|es|ed|ing|ence)(?:\s+with)?|protest(?:s|ed|ing|ers?)?|crash|collision"
        r"|accident|shooting|report(?:ed)?\s+by|complainant|reporting\s+party|caller",
        "unclear",
        "around",
        "near",
    ),
    # Everyday senses of the ambiguous entries: a car's removal order, snow removal.
    *(Cue(pattern, "everyday", "around", "nearby") for pattern, _ in CONTEXTS),
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that stand between a cue and its target without changing what the cue says of it:
# articles, numbers of people, descriptions of an officer, the nouns of an agreement.
FILLERS = _word_set(
    """a an the any all some such this that these those his her their its him them our
    your my one two three four five several multiple both each another fellow federal u.s
    us u.s. local state county city off-duty off duty on-duty uniformed plainclothes
    plain-clothes plain clothes undercover male female veteran senior supervisory acting
    special current active valid formal signed existing pending outstanding known alleged
    officer officers agent agents deputy deputies employee employees official officials
    personnel staff member members agreement agreements program programs task force
    partnership contract contracts involvement participation including namely
    specifically with of by from for to at in on as civil marked unmarked transport"""
)
# Words that end a cue's scope (ConText's termination terms), and words that join two
# targets under one cue ("no 287(g) or ICE involvement") but end it after anything else.
TERMINATORS = _word_set(
    """but however although though while whereas because since unless until then also
    after before when where during"""
)
CONJUNCTIONS = frozenset({"and", "or", "nor", "&"})
_NEARBY_WORDS = 4  # an everyday sense's context word, either side, in the same phrase


def _alternation(patterns: list[str], *, named: bool) -> str:
    # Whole words only: the boundary is a non-word character, never a part of a word.
    # Testing it once, outside the alternation, spares trying every entry inside words.
    return (
        "(?<!\\w)(?:"
        + "|".join(
            (f"(?P<e{index}>" if named else "(?:") + f"(?:{pattern})(?!\\w))"
            for index, pattern in enumerate(patterns)
        )
        + ")"
    )


_VOCABULARY = re.compile(_alternation([t[0] for t in _TARGETS], named=True), re.IGNORECASE)
# One pattern per cue: a word may be two cues ("injured" looks ahead in "injured an ICE
# officer" and back in "ICE officer injured").
_CUE_PATTERNS = tuple(
    (re.compile(_alternation([cue.pattern], named=False), re.IGNORECASE), cue) for cue in CUES
)
_WORD = re.compile(r"[\w&]+(?:[.'’-]\w+)*\.?")
# A full stop ends a sentence, but not the one in "U.S." or "Mr.".
_STOP = r"(?<!\b[A-Za-z])(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)\.(?=\s|$)"
_SENTENCE_END = re.compile(rf"[;!?\n]|{_STOP}")
_CLAUSE_END = re.compile(rf"[;:!?()\[\]\n]|{_STOP}")
_PHRASE_END = re.compile(rf"[,;:!?()\[\]\n]|{_STOP}")


# --- Reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PurposeFacts:
    """Whether a text is about immigration enforcement, what matched, and why.

    `role_unclear` is true when the text names immigration authorities only in roles that
    could not be told (and names no enforcement plainly): the decision goes to counsel.
    """

    immigration: bool
    matched: tuple[str, ...]
    because: str
    role_unclear: bool = False
    # Immigration agencies named as the requester or the agency it acts for ("on behalf of
    # ICE"): immigration-related, but not enforcement against the record's subject, so the
    # policy engine treats the requester as that agency instead (the monitor flags both).
    acting_for: tuple[str, ...] = ()

    @property
    def enforcement(self) -> bool:
        """Immigration enforcement against the record's subject is stated."""
        # Something besides the agencies acted for was matched (`matched` holds both).
        return self.immigration and (
            not self.acting_for or any(word not in self.acting_for for word in self.matched)
        )


@dataclass(frozen=True, slots=True)
class _Mention:
    written: str  # the target as written
    label: str
    role: str | None  # None: immigration enforcement
    cue: str = ""  # the cue as written
    gap: str = ""  # what stood between them, when the role is in doubt
    clear: bool = True


class _Text:
    """One text, with where its sentences, clauses and phrases end.

    Punctuation inside a target or a cue ends nothing: "287(g)" is one word.
    """

    def __init__(self, text: str, probe: str, words: list[tuple[int, int]]) -> None:
        self.original = text
        self.probe = probe
        self.ends = {
            unit: [
                m.start()
                for m in pattern.finditer(probe)
                if not any(start <= m.start() < end for start, end in words)
            ]
            for unit, pattern in (
                ("sentence", _SENTENCE_END),
                ("clause", _CLAUSE_END),
                ("phrase", _PHRASE_END),
            )
        }

    def crosses(self, unit: str, start: int, end: int) -> bool:
        """Whether a sentence (clause, phrase) ends between start and end."""
        ends = self.ends[unit]
        return bisect.bisect_left(ends, start) < bisect.bisect_left(ends, end)

    def gap(self, start: int, end: int, targets: list[tuple[int, int]]) -> list[str] | None:
        """The words between a cue and a target that are neither fillers nor targets, or
        None when the cue's scope ends between them."""
        other: list[str] = []
        joined_targets = False
        for match in _WORD.finditer(self.probe, start, end):
            if any(s <= match.start() < e for s, e in targets):
                joined_targets = True
                continue
            word = match.group().lower().rstrip(".")
            if word in TERMINATORS:
                return None
            if word in CONJUNCTIONS:
                if other or not joined_targets:
                    return None
            elif word not in FILLERS:
                other.append(self.original[match.start() : match.end()])
        return other


def _reach(
    text: _Text,
    cue: Cue,
    cue_span: tuple[int, int],
    target: tuple[int, int, frozenset[str]],
    targets: list[tuple[int, int]],
) -> tuple[bool, str] | None:
    """Whether the cue reaches the target: (clear, what stands between), or None."""
    c_start, c_end = cue_span
    t_start, t_end, categories = target
    overlaps = c_start < t_end and t_start < c_end
    if cue.scope == "over" or overlaps:
        # A cue's own words cover a target ("deportation defense") or only touch it.
        return (True, "") if overlaps and cue.scope in ("over", "sentence", "nearby") else None
    if not ROLES[cue.role].applies_to & categories:
        return None
    ahead = c_end <= t_start
    if (cue.looks == "ahead" and not ahead) or (cue.looks == "back" and ahead):
        return None
    low, high = (c_end, t_start) if ahead else (t_end, c_start)
    if cue.scope == "sentence":
        return None if text.crosses("sentence", low, high) else (True, "")
    if cue.scope == "nearby":
        if text.crosses("phrase", low, high):
            return None
        near = len(_WORD.findall(text.probe, low, high)) <= _NEARBY_WORDS
        return (True, "") if near else None
    if text.crosses("clause", low, high):
        return None
    between = text.gap(low, high, targets)
    if between is None:
        return None
    if not between:
        return True, ""
    if cue.scope == "near" and len(between) == 1:
        return False, between[0]
    return None


@functools.lru_cache(maxsize=4096)
def _read(text: str) -> tuple[_Mention, ...]:
    """Every target in the text, with the role the cues give it (None: enforcement)."""
    # Plate-reader audits store spaces as "+" ("criminal+alien"); reading them as spaces
    # keeps every offset, so what matched is quoted from the text as written.
    probe = text.replace("+", " ")
    found = [
        (m.start(), m.end(), _TARGETS[int((m.lastgroup or "e0")[1:])])
        for m in _VOCABULARY.finditer(probe)
    ]
    if not found:
        return ()
    cues = sorted(
        (m.start(), m.end(), cue) for pattern, cue in _CUE_PATTERNS for m in pattern.finditer(probe)
    )
    spans = [(start, end) for start, end, _ in found]
    parsed = _Text(text, probe, spans + [(start, end) for start, end, _ in cues])
    mentions = []
    for start, end, (_, label, categories) in found:
        written = text[start:end]
        doubt: _Mention | None = None
        reading = _Mention(written, label, None)
        for c_start, c_end, cue in cues:
            reached = _reach(parsed, cue, (c_start, c_end), (start, end, categories), spans)
            if reached is None:
                continue
            clear, between = reached
            said = text[c_start:c_end]
            if clear and cue.role != "unclear":
                reading = _Mention(written, label, cue.role, said)
                break
            doubt = doubt or _Mention(written, label, cue.role, said, between, clear=False)
        mentions.append(doubt if reading.role is None and doubt else reading)
    return tuple(mentions)


def immigration_purpose(text: str | None) -> PurposeFacts:
    """Is this stated purpose (or offence description) about immigration enforcement?"""
    return _purpose(text or "")


def immigration_offense(text: str | None) -> PurposeFacts:
    """Is this offence illegal entry or re-entry (8 U.S.C. 1325 or 1326)?"""
    return _offense(text or "")


def _listing(pairs: list[tuple[str, str]]) -> str:
    seen = dict.fromkeys(pairs)
    shown = [
        f'"{matched}"' if matched.lower() == label.lower() else f'"{matched}" ({label})'
        for matched, label in seen
    ]
    return _and(shown)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _role_said(mention: _Mention) -> str:
    role = ROLES[mention.role or ""]
    said = role.clearly if mention.clear else role.perhaps
    return f'"{mention.written}" ' + said.format(cue=mention.cue, gap=mention.gap)


@functools.lru_cache(maxsize=4096)
def _purpose(text: str) -> PurposeFacts:
    if not text.strip():
        return PurposeFacts(False, (), "No purpose was stated.")
    mentions = _read(text)
    counted = [(m.written, m.label) for m in mentions if m.role is None]
    acting = [m for m in mentions if m.role == "requester"]
    acting_for = tuple(dict.fromkeys(m.written for m in acting))
    if counted:
        return PurposeFacts(
            True,
            tuple(dict.fromkeys(written for written, _ in counted)) + acting_for,
            f"The text mentions {_listing(counted)}, which is immigration enforcement.",
            acting_for=acting_for,
        )
    if acting:
        details = "; ".join(dict.fromkeys(_role_said(m) for m in acting))
        return PurposeFacts(
            True,
            acting_for,
            f"The request is made for an immigration agency: {details}.",
            acting_for=acting_for,
        )
    doubtful = [m for m in mentions if not m.clear]
    if doubtful:
        details = "; ".join(dict.fromkeys(_role_said(m) for m in doubtful))
        return PurposeFacts(
            False,
            (),
            f"The text names immigration authorities in a role that could not be told: "
            f"{details}. Counsel must decide whether the purpose is immigration enforcement.",
            role_unclear=True,
        )
    if mentions:
        details = "; ".join(dict.fromkeys(_role_said(m) for m in mentions))
        return PurposeFacts(
            False,
            (),
            f"The text names immigration words only in other roles than enforcement: {details}.",
        )
    return PurposeFacts(
        False,
        (),
        "The text names nothing about immigration enforcement (removal, deportation, "
        "detainers, immigration status, unlawful presence or illegal entry).",
    )


@functools.lru_cache(maxsize=4096)
def _offense(text: str) -> PurposeFacts:
    if not text.strip():
        return PurposeFacts(False, (), "No offence was stated.")
    counted = [
        (m.written, m.label) for m in _read(text) if m.role is None and m.label in _OFFENCE_LABELS
    ]
    if counted:
        return PurposeFacts(
            True,
            tuple(dict.fromkeys(written for written, _ in counted)),
            f"The offence mentions {_listing(counted)}: illegal entry or re-entry is "
            "immigration enforcement under C.R.S. 24-74-103, although it is a crime.",
        )
    return PurposeFacts(
        False, (), "The offence is not illegal entry or re-entry (8 U.S.C. 1325 or 1326)."
    )
