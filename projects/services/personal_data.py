"""Residents' personal data: who saw or exported it, and the roster download that records it."""

from django.db import models

from .. import permissions, selectors
from ..choices import Role
from ..models import Household, PersonalDataAccess, Project, Unit, User
from ..rules.dwellings import dwelling_order
from ..template_files import roster_file


def personal_data_access_record(
    *,
    user: User,
    action: str,
    unit: Unit | None,
    household: Household | None = None,
    project: Project | None = None,
    households: int = 1,
    reason: str = "",
) -> PersonalDataAccess:
    """Keep who saw or exported residents' names and phones (never the names themselves)."""
    return PersonalDataAccess.objects.create(
        user=user,
        role=Role.ADMIN if user.is_superuser else user.role,
        action=action,
        unit=unit,
        household=household,
        project=project,
        households=households,
        reason=reason,
    )


def roster_download(
    *, user: User | None, unit: Unit, projects: models.QuerySet[Project], project: Project | None
) -> bytes:
    """The roster of ``projects`` (``unit``'s; ``project`` when it is one) as the filled roster
    template, kept in the personal-data audit: who, when, which project and how many households.

    Names and phones are in full only for the unit's own clerk and leader; a command run without a
    user gets them masked and leaves no record (it shows nobody's personal data)."""
    # 楼栋 1, 2, …, 10 as people number them, not 1, 10, 11, 2 as the database sorts text.
    households = sorted(
        selectors.roster_households(projects=projects),
        key=lambda h: (
            h.project.unit.sort_order,
            h.project.name,
            dwelling_order(h.building, h.entrance, h.room),
            h.id,
        ),
    )
    in_full = user is not None and permissions.sees_residents_in_full(user, unit.id)
    content = roster_file(households=households, in_full=in_full)
    if user is not None:
        personal_data_access_record(
            user=user,
            action=PersonalDataAccess.Action.DOWNLOAD,
            unit=unit,
            project=project,
            households=len(households),
            reason="姓名和电话完整" if in_full else "姓名和电话已打码",
        )
    return content
