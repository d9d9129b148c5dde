"""Agencies, memberships with a role, and per-partner API tokens.

A role is a plain choice on the membership; what a role may do is spelled out once, in
the intent-named properties below, and every view and endpoint asks those.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


class Agency(models.Model):
    # The agency directory's id (custodiet/policy/data/agencies.toml), e.g. CO-DOR-DMV.
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    # How many days a request may wait for its answer before it shows as overdue.
    answer_within_days = models.PositiveSmallIntegerField(default=5)
    # The IANA time zone the agency's days are counted in (the law in force, due dates).
    # (Defaults in the database too, so rows written by other tools than Django get them.)
    time_zone = models.CharField(
        max_length=64, default="America/Denver", db_default="America/Denver"
    )
    # The return address its letters carry, one line per line as it is printed.
    address = models.TextField(blank=True, default="", db_default="")
    # Where requesters write back; letters and emails name it.
    email = models.EmailField(blank=True, default="", db_default="")
    phone = models.CharField(max_length=40, blank=True, default="", db_default="")

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLERK = "clerk", "Clerk"
    SUPERVISOR = "supervisor", "Supervisor"
    COUNSEL = "counsel", "Counsel"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"
    # The agency's designated attester: reads each report in full and attests it.
    ATTESTER = "attester", "Attester"
    # The Governor's office of legal counsel: receives and verifies the agencies' reports.
    OVERSIGHT = "oversight", "Governor's office (oversight)"
    PARTNER = "partner", "Partner system (API)"


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(max_length=20, choices=Role.choices)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.agency.code})"

    @property
    def can_take_in(self) -> bool:
        return self.role in {Role.CLERK, Role.SUPERVISOR}

    @property
    def can_submit_by_api(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def can_see_cases(self) -> bool:
        # Auditors verify the ledger and the reports without seeing anyone's data (DESIGN.md).
        return self.role in {Role.CLERK, Role.SUPERVISOR, Role.COUNSEL, Role.PRIVACY_OFFICER}

    @property
    def can_approve(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def can_decide_legal_review(self) -> bool:
        return self.role == Role.COUNSEL

    @property
    def can_close(self) -> bool:
        """Send the refusal letter or the release package once the case allows it."""
        return self.role in {Role.CLERK, Role.SUPERVISOR}

    @property
    def can_record_governor_review(self) -> bool:
        """Record the Governor's office's answer on a DHS subpoena: a supervisor, or the
        privacy officer, who deals with that office."""
        return self.role in {Role.SUPERVISOR, Role.PRIVACY_OFFICER}

    @property
    def can_read_request_log(self) -> bool:
        """Read and export the request log, rows and all."""
        return self.role == Role.PRIVACY_OFFICER

    @property
    def can_count_request_log(self) -> bool:
        """See the log's counts and chart, which name no one (auditors verify without PII)."""
        return self.role in {Role.PRIVACY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR}

    @property
    def can_read_monitor(self) -> bool:
        """Read the access monitor's findings and the logged rows behind them, which name people."""
        return self.role == Role.PRIVACY_OFFICER

    @property
    def can_read_monitor_masked(self) -> bool:
        """Read the findings and their rows with the personal data in them masked ("[name]",
        "[plate]"): auditors check what was flagged and why without reading whom it was about."""
        return self.role == Role.AUDITOR

    @property
    def can_count_monitor(self) -> bool:
        """See the monitor's flags counted by category, agency and month, which name no one."""
        return self.role in {Role.PRIVACY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR}

    @property
    def can_manage_partners(self) -> bool:
        """Keep the partner registry: partners, their certifications and restriction notices."""
        return self.role in {Role.PRIVACY_OFFICER, Role.ADMINISTRATOR}

    @property
    def can_edit_directory(self) -> bool:
        """Add and correct entries of the agency directory that decisions and the monitor read."""
        return self.role == Role.PRIVACY_OFFICER

    @property
    def can_read_ledger(self) -> bool:
        return self.role in {Role.PRIVACY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR}

    @property
    def can_verify_ledger(self) -> bool:
        """Start a verification of the ledger (a background command, never in a request)."""
        return self.role in {Role.PRIVACY_OFFICER, Role.AUDITOR}

    @property
    def can_build_reports(self) -> bool:
        """Build the report to the Governor's office for a period, and send it."""
        return self.role == Role.PRIVACY_OFFICER

    @property
    def can_read_reports(self) -> bool:
        """Read the agency's reports in full, written record and all (they name people)."""
        return self.role in {Role.PRIVACY_OFFICER, Role.ATTESTER}

    @property
    def can_attest(self) -> bool:
        """Attest a report, naming its SHA-256 in the ledger: the designated attester only."""
        return self.role == Role.ATTESTER

    @property
    def can_oversee(self) -> bool:
        """Receive and verify the agencies' report bundles, and write the office's summaries."""
        return self.role == Role.OVERSIGHT

    @property
    def can_administer(self) -> bool:
        """Keep the agency's people, roles, partner tokens and details; never a case role
        of one's own (custodiet.accounts.actions)."""
        return self.role == Role.ADMINISTRATOR

    @property
    def can_explore(self) -> bool:
        return self.role != Role.PARTNER

    @property
    def needs_second_factor(self) -> bool:
        # Those who approve or decide releases sign in with a second factor when the
        # deployment requires it.
        return settings.CUSTODIET_REQUIRE_2FA and self.role in {
            Role.SUPERVISOR,
            Role.COUNSEL,
            Role.ADMINISTRATOR,
            Role.ATTESTER,
            Role.OVERSIGHT,
        }


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a partner system. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(cls, user: models.Model, name: str) -> tuple[ApiToken, str]:
        token = "cus_" + secrets.token_urlsafe(32)
        return cls.objects.create(
            user=user, name=name, prefix=token[:12], digest=_digest(token)
        ), token

    @classmethod
    def find(cls, token: str) -> ApiToken | None:
        return (
            cls.objects.select_related("user__membership__agency")
            .filter(digest=_digest(token), revoked_at__isnull=True)
            .first()
        )


class RateCount(models.Model):
    """Requests counted in one window of a rate limit (custodiet.accounts.ratelimit).

    The key names the limit, who is counted (hashed) and the window; rows of windows that
    have ended are deleted as new ones begin.
    """

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField()
    ends_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
