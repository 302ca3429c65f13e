"""The facilities residents most want (居民意愿), the reads: a project's wishes with their share of
its households, and the strong-wish warning. The check is projects/rules/records.py's, the same one
the project page and lists warn with; the writes are in paperwork.services.wishes."""

from dataclasses import dataclass

from projects.models import Project
from projects.rules.arithmetic import percent_tenths_down
from projects.rules.records import strongly_wanted, unmet_wishes, wish_warning

from ..models import ResidentWish


@dataclass(frozen=True)
class WishRow:
    """A wish as the renovation plan page lists it: its share of the project's households (tenths
    of a percent), whether it is strongly wanted, and whether the contents include it."""

    wish: ResidentWish
    share: int | None
    strong: bool
    in_contents: bool

    @property
    def unmet(self) -> bool:
        return self.strong and not self.in_contents


def wish_rows(project: Project) -> tuple[WishRow, ...]:
    """The project's wishes, most asked first, in one query."""
    contents = frozenset(project.contents or ())
    wishes = ResidentWish.objects.filter(plan__project=project).order_by("-households", "facility")
    return tuple(
        WishRow(
            wish,
            percent_tenths_down(actual=wish.households, target=project.households),
            strongly_wanted(asked=wish.households, households=project.households),
            wish.facility in contents,
        )
        for wish in wishes
    )


def wishes_warning(project: Project, rows: tuple[WishRow, ...]) -> str | None:
    """The strong-wish warning of the project (the project page's wording), None when all are met."""
    missing = unmet_wishes(
        wishes={row.wish.facility: row.wish.households for row in rows},
        contents=frozenset(project.contents or ()),
        households=project.households,
    )
    return wish_warning(missing)
