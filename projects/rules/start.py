"""Start of work (SPEC §3, annex 3): which of the five criteria hold, since when, and the start date."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .arithmetic import least_satisfying
from .message import Message

CRITERIA: tuple[str, ...] = (
    "consent",
    "structures_cleared",
    "design_posted",
    "contract_signed",
    "on_site",
)
CRITERION_LABELS: dict[str, str] = {
    "consent": "改造方案和物业管理模式征求意见并经80%以上居民同意",
    "structures_cleared": "完成违章建筑和临时建筑拆除",
    "design_posted": "完成项目设计并在小区内公示",
    "contract_signed": "已确定施工队伍并签订施工合同",
    "on_site": "施工队伍进场且现场有明显形象进度",
}
CRITERION_SHORT_LABELS: dict[str, str] = {
    "consent": "居民同意",
    "structures_cleared": "违建拆除",
    "design_posted": "设计公示",
    "contract_signed": "施工合同",
    "on_site": "进场施工",
}


AGREE = "agree"
# A household agrees when it agreed to both the renovation plan and the management mode: the
# answers that make an agreement, by household field. ``agrees`` judges one household with them and
# selectors.AGREES is the same condition in SQL, built from them.
AGREEING_ANSWERS: dict[str, str] = {"plan_opinion": AGREE, "management_opinion": AGREE}


def agrees(*, plan_opinion: str, management_opinion: str) -> bool:
    """A household agrees when it agreed to both the renovation plan and the management mode.

    >>> agrees(plan_opinion="agree", management_opinion="disagree")
    False
    """
    answers = {"plan_opinion": plan_opinion, "management_opinion": management_opinion}
    return all(answers[name] == answer for name, answer in AGREEING_ANSWERS.items())


@dataclass(frozen=True)
class StartInput:
    """What the start rule needs to know about one project: plain values, nothing from the database.

    ``applies`` is False for 2021 carry-over projects: they started in 2021, the rule does not apply
    and they have no start date in the plan year.
    """

    households: int
    agree_dates: tuple[date | None, ...]
    consent_percent: int
    structures_cleared_on: date | None = None
    no_structures: bool = False
    structures_confirmed_by: str = ""
    design_posted_on: date | None = None
    contractor: str = ""
    contract_signed_on: date | None = None
    on_site_on: date | None = None
    evidenced: frozenset[str] = frozenset()
    applies: bool = True
    # Instead of every agreement's date (a project of thousands of households): how many dated
    # agreements there were on the day judged, and the date consent was reached, as this rule
    # computed and stored it. Consent holds on a day exactly when the agreements dated up to that
    # day reach the households needed, and then it was reached on the stored date.
    agreed_as_of: int | None = None
    consent_reached_on: date | None = None


@dataclass(frozen=True)
class CriterionState:
    """One criterion: whether it holds, since when, whether evidence backs it, and why not if it
    fails (a Message: a code with parameters, worded in the reader's language; "" when it holds)."""

    key: str
    met: bool
    date: date | None
    verified: bool
    reason: str


@dataclass(frozen=True)
class StartStatus:
    """All five criteria of a project, the agreeing households, and the start date if all hold."""

    criteria: tuple[CriterionState, ...]
    consent_agreed: int
    consent_needed: int
    started_on: date | None

    @property
    def started(self) -> bool:
        return self.started_on is not None

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria if not c.met)

    def criterion(self, key: str) -> CriterionState:
        return next(c for c in self.criteria if c.key == key)


def consent_met_on(
    *, households: int, agree_dates: Iterable[date | None], percent: int
) -> date | None:
    """The date the agreeing households first reached ``percent`` % of the project's ``households``
    (agreeing × 100 ≥ percent × households), or None. Agreements without a date cannot be placed in
    time and do not count."""
    if households <= 0:
        return None
    # At least one agreement, even were the share set to 0 %: consent is given by someone.
    need = max(1, least_satisfying(target=households, percent=percent))
    dated = sorted(d for d in agree_dates if d is not None)
    if len(dated) < need:
        return None
    return dated[need - 1]


def start_status(inp: StartInput, *, as_of: date | None = None) -> StartStatus:
    """Judge the five criteria of a project (as of ``as_of`` when given: later dates do not count yet).

    The start date is the date the last of the five was met.
    """

    def holds(on: date | None) -> bool:
        return on is not None and (as_of is None or on <= as_of)

    need = (
        max(1, least_satisfying(target=inp.households, percent=inp.consent_percent))
        if inp.households > 0
        else 0
    )
    if inp.agreed_as_of is None:
        agree_dates = tuple(d for d in inp.agree_dates if holds(d))
        agreed = len(agree_dates)
        consent_on = consent_met_on(
            households=inp.households, agree_dates=agree_dates, percent=inp.consent_percent
        )
    else:
        agreed = inp.agreed_as_of
        reached = need > 0 and agreed >= need and holds(inp.consent_reached_on)
        consent_on = inp.consent_reached_on if reached else None
    criteria = [
        CriterionState(
            "consent",
            consent_on is not None,
            consent_on,
            True,
            ""
            if consent_on is not None
            else (
                Message("start.households_zero")
                if inp.households <= 0
                else Message(
                    "start.consent_short", agreed=agreed, percent=inp.consent_percent, need=need
                )
            ),
        )
    ]
    structures_ok = holds(inp.structures_cleared_on) and (
        not inp.no_structures or bool(inp.structures_confirmed_by.strip())
    )
    structures_reason = ""
    if not holds(inp.structures_cleared_on):
        structures_reason = Message("start.structures_undated")
    elif not structures_ok:
        structures_reason = Message("start.no_structures_unconfirmed")
    criteria.append(
        _dated(
            "structures_cleared",
            inp.structures_cleared_on if structures_ok else None,
            inp,
            structures_reason,
        )
    )
    criteria.append(
        _dated(
            "design_posted",
            inp.design_posted_on if holds(inp.design_posted_on) else None,
            inp,
            Message("start.design_undated"),
        )
    )
    contract_ok = holds(inp.contract_signed_on) and bool(inp.contractor.strip())
    criteria.append(
        _dated(
            "contract_signed",
            inp.contract_signed_on if contract_ok else None,
            inp,
            Message(
                "start.contract_undated"
                if not holds(inp.contract_signed_on)
                else "start.contractor_missing"
            ),
        )
    )
    criteria.append(
        _dated(
            "on_site",
            inp.on_site_on if holds(inp.on_site_on) else None,
            inp,
            Message("start.on_site_undated"),
        )
    )
    dates = [c.date for c in criteria]
    all_met = inp.applies and all(c.met for c in criteria)
    started_on = max(d for d in dates if d is not None) if all_met else None
    return StartStatus(tuple(criteria), agreed, need, started_on)


# The criteria that annex 3 backs with a photo or scan; structures cleared needs a date, or "none
# present" confirmed by a named person, and no file.
EVIDENCED_CRITERIA: frozenset[str] = frozenset({"design_posted", "contract_signed", "on_site"})


def stored_criteria(status: StartStatus) -> dict[str, dict[str, str | bool]]:
    """The criteria ``status`` finds met, as stored on the project (JSON): each one's date (ISO)
    and whether its evidence backs it; a criterion not met is absent.

    Each criterion holds on a day exactly when it holds on the records and its date is not later:
    the stored dates answer the project list's filters for any day.

    >>> s = start_status(StartInput(households=1, agree_dates=(date(2022, 3, 1),), consent_percent=80))
    >>> stored_criteria(s)
    {'consent': {'on': '2022-03-01', 'verified': True}}
    """
    return {
        c.key: {"on": c.date.isoformat(), "verified": c.verified}
        for c in status.criteria
        if c.met and c.date is not None
    }


def _dated(key: str, on: date | None, inp: StartInput, reason: str) -> CriterionState:
    met = on is not None
    verified = met and (key not in EVIDENCED_CRITERIA or key in inp.evidenced)
    return CriterionState(key, met, on, verified, "" if met else reason)
