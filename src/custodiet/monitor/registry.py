"""What a scan needs from the application: whose data it is, and the partner registry."""

from __future__ import annotations

from django.db.models import Prefetch

from custodiet.accounts.models import Agency
from custodiet.partners.models import Certification, Partner
from custodiet.partners.registry import effective_oris
from custodiet.policy.facts.agencies import Directory
from custodiet.scanner import Partner as ScanPartner


def scan_partners(agency: Agency, directory: Directory) -> tuple[ScanPartner, ...]:
    """The agency's registered partners, with their ORIs and the days they certified."""
    partners = Partner.objects.filter(agency=agency).prefetch_related(
        Prefetch("certifications", queryset=Certification.objects.defer("form"))
    )
    return tuple(
        ScanPartner(
            name=partner.name,
            directory_id=partner.directory_id,
            oris=tuple(effective_oris(partner, directory)),
            signed_on=tuple(sorted(c.signed_on for c in partner.certifications.all())),
        )
        for partner in partners
    )
