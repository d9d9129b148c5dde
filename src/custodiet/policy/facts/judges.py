"""Who signed a court's paper: a judge of which court, under which article.

Colorado asks only whether a court issued the process. Other states ask who signed it:
New York and Illinois accept a judicial warrant only when "a judge appointed pursuant to
Article III of the United States Constitution" signed it, so a United States magistrate
judge's warrant (28 U.S.C. 631, appointed by the district judges) does not count, nor does
a bankruptcy judge's, an immigration judge's or a state judge's. Washington accepts a judge
or magistrate under Article III or its own constitution.

`signer_rank` reads the signer, the issuer and the document's words and says which of
these signed, or "" when they do not tell. A document that names both a district judge and
a magistrate judge without saying which signed is not decided here: counsel reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARTICLE_III = "article_iii"
MAGISTRATE = "magistrate_judge"
FEDERAL_OTHER = "federal_other"  # bankruptcy judges and other Article I judges
STATE = "state"
RANKS = (ARTICLE_III, MAGISTRATE, FEDERAL_OTHER, STATE)

RANK_PHRASES = {
    ARTICLE_III: "a judge appointed under Article III (a United States district or circuit judge, or a Supreme Court justice)",
    MAGISTRATE: "a United States magistrate judge, who is not appointed under Article III",
    FEDERAL_OTHER: "a federal judge not appointed under Article III (a bankruptcy judge)",
    STATE: "a state court's judge",
}

_STATES = (
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia"
    "|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland"
    "|massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada"
    "|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma"
    "|oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah"
    "|vermont|virginia|washington|west virginia|wisconsin|wyoming|puerto rico|guam"
)
# A federal court: the United States courts, a federal district named by its state ("the
# Southern District of New York", "the District of Massachusetts"), an Article III court.
# "Superior Court of the District of Columbia" is a local court, and "the Second Judicial
# District" is a state's.
FEDERAL_COURT = re.compile(
    r"\b(?:united\s+states\s+(?:district|magistrate|bankruptcy|circuit|court|supreme)"
    r"|u\.?\s*s\.?\s+(?:district|magistrate|circuit|bankruptcy)\s+(?:court|judge)"
    r"|federal\s+(?:district\s+)?(?:court|judge|magistrate)"
    r"|(?:(?:northern|southern|eastern|western|middle|central)\s+)?(?<!judicial\s)"
    rf"district\s+of\s+(?:{_STATES})\b"
    r"|article\s+iii\s+(?:court|judge)|usdc"
    # The reporters' names of the districts of the states with packs: "S.D.N.Y.", "N.D. Ill."
    r"|[nsewc]\.\s?d\.\s?n\.\s?y\.?|[nsc]\.\s?d\.\s?ill\.?|d\.\s?mass\.?"
    r"|[ew]\.\s?d\.\s?wash\.?|d\.\s?colo\.?|u\.\s?s\.\s?[md]\.\s?j\.?)",
    re.IGNORECASE,
)

_MAGISTRATE = re.compile(
    r"\bmagistrate(?:\s+judge)?\b|\b28\s+u\.?s\.?c\.?\s*(?:§\s*)?631\b|\bu\.\s?s\.\s?m\.\s?j\.?(?!\w)"
    # "USMJ", and a magistrate judge's docket number ("1:25-mj-00412").
    r"|\busmj\b|\b\d{1,2}:\d{2}-mj-\d+",
    re.IGNORECASE,
)
# A court the signer names ("Circuit Court of Cook County", "Supreme Court of the State of
# New York"): a state's, unless it is federal.
_NAMES_A_COURT = re.compile(r"\bcourt\b", re.IGNORECASE)
_BANKRUPTCY = re.compile(r"\bbankruptcy\s+(?:court\s+)?judge\b", re.IGNORECASE)
_IMMIGRATION = re.compile(r"\bimmigration\s+judge\b", re.IGNORECASE)
# Titles only an Article III judge holds, whatever court the document names.
_ARTICLE_III = re.compile(
    r"\b(?:(?:united\s+states|u\.?\s*s\.?)\s+(?:district|circuit)\s+(?:court\s+)?judge"
    r"|judge\s+of\s+the\s+united\s+states\s+(?:district|circuit)\s+court"
    r"|justice\s+of\s+the\s+supreme\s+court\s+of\s+the\s+united\s+states"
    r"|article\s+iii\s+judge|judge\s+appointed\s+(?:pursuant\s+to|under)\s+article\s+iii"
    r"|u\.\s?s\.\s?d\.\s?j\.?|usdj)(?!\w)",
    re.IGNORECASE,
)
# Titles an Article III judge holds in a federal court, and a state's judges in theirs
# ("Circuit Judge, Cook County").
_COURT_JUDGE = re.compile(
    r"\b(?:(?:chief|senior)\s+)?(?:district|circuit)\s+(?:court\s+)?judge\b", re.IGNORECASE
)
_JUDGE = re.compile(r"\b(?:judge|justice|hon\.?|honorable|honourable)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Signer:
    """Which judge signed a court's paper (one of RANKS, or "" when it does not tell)."""

    rank: str
    federal: bool
    because: str


def is_federal(*texts: str | None) -> bool:
    return any(text and FEDERAL_COURT.search(text) for text in texts)


def signer_rank(
    *, signed_by: str | None, issued_by: str | None, title: str | None, text: str | None
) -> Signer:
    """Who signed a court-issued document, from what the request and the document say.

    The signer the requester names decides first; then the document's own words, where a
    magistrate judge's title under the signature is common ("United States Magistrate
    Judge") and a district judge's too. A bankruptcy judge is federal but not Article III.
    """
    federal = is_federal(issued_by, signed_by, title, text)
    signer = signed_by or ""
    if _IMMIGRATION.search(signer):
        return Signer("", federal, f'Signed by "{signer.strip()}", an immigration judge.')
    if signer:
        rank = _rank(signer, federal)
        if rank:
            return Signer(rank, federal, f'Signed by "{signer.strip()}": {RANK_PHRASES[rank]}.')
    paper = " ".join(part for part in (issued_by, title, text) if part)
    magistrate = bool(_MAGISTRATE.search(paper))
    article_iii = bool(_ARTICLE_III.search(paper)) or (
        federal and bool(_COURT_JUDGE.search(paper)) and not magistrate
    )
    if magistrate and article_iii:
        return Signer(
            "",
            federal,
            "The document names both a district judge and a magistrate judge, and does not "
            "say which signed it.",
        )
    for found, rank in ((magistrate, MAGISTRATE), (article_iii, ARTICLE_III)):
        if found and (federal or rank == ARTICLE_III):
            return Signer(rank, True, f"The document is signed by {RANK_PHRASES[rank]}.")
    if _BANKRUPTCY.search(paper):
        return Signer(
            FEDERAL_OTHER, True, f"The document is signed by {RANK_PHRASES[FEDERAL_OTHER]}."
        )
    if _IMMIGRATION.search(paper):
        return Signer("", federal, "The document is an immigration judge's, not a court's.")
    if not federal and (_JUDGE.search(paper) or magistrate or issued_by):
        return Signer(STATE, False, f"The document is signed by {RANK_PHRASES[STATE]}.")
    return Signer("", federal, "Who signed it, and under what authority, is not said.")


def _rank(signer: str, federal: bool) -> str:
    """The rank the signer's own words give, or "" when they name a court but not the
    judge's title there (magistrate judges sit in the district courts too)."""
    if _BANKRUPTCY.search(signer):
        return FEDERAL_OTHER
    if _MAGISTRATE.search(signer):
        # A state's magistrates ("Magistrate, Denver District Court") are state judges.
        return MAGISTRATE if federal or is_federal(signer) else ""
    if _ARTICLE_III.search(signer):
        return ARTICLE_III
    if _JUDGE.search(signer):
        if _COURT_JUDGE.search(signer) and (federal or is_federal(signer)):
            return ARTICLE_III
        if not (federal or is_federal(signer)) and _NAMES_A_COURT.search(signer):
            return STATE
    return ""  # a judge of which court, and with which title, the document may tell
