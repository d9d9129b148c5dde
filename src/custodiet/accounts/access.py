"""The only places that decide who may see or do what.

Views, API endpoints and commands call these and nothing else. "Does not exist" and "not
yours" give the same answer, so the answer reveals nothing about other agencies' cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from custodiet.accounts.models import Membership

if TYPE_CHECKING:
    from custodiet.cases.models import Case


def membership_of(user: object) -> Membership:
    """The signed-in person's membership; 403 for anyone without one."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("sign in first")
    membership = getattr(user, "membership", None)
    if membership is None:
        raise PermissionDenied("this account belongs to no agency")
    return membership


def require(user: object, capability: Callable[[Membership], bool] | str) -> Membership:
    """The membership, if it has the capability (a Membership property name); else 403."""
    membership = membership_of(user)
    allowed = (
        getattr(membership, capability) if isinstance(capability, str) else capability(membership)
    )
    if not allowed:
        raise PermissionDenied(f"your role ({membership.get_role_display()}) may not do this")
    return membership


def agency_cases(membership: Membership) -> QuerySet[Case]:
    """The cases of the person's own agency: the only way a view lists cases."""
    from custodiet.cases.models import Case

    return Case.objects.filter(agency=membership.agency).select_related("request")


def get_case_for_user(user: object, public_id: str, capability: str = "can_see_cases") -> Case:
    """The case with this id in the person's own agency, if their role may see it; else 404/403."""
    from custodiet.cases.models import Case

    membership = require(user, capability)
    case = (
        Case.objects.select_related("request", "agency", "taken_in_by", "decided_by")
        .filter(request__public_id=public_id, agency=membership.agency)
        .first()
    )
    if case is None:
        raise Http404("no such case")
    return case
