"""Where a project can start and what it takes: the shared arithmetic of greedy, reasons and UDFs.

FTE and money are kept in integer units (`engine.units`: 1/1000 FTE, cents) so that the
greedy plan, the CP-SAT model and the explanations agree to the unit on what fits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from engine.managers import ManagerPool
from engine.model import Demand, Portfolio, Project, ProjectStatus
from engine.months import month_runs_text, month_text, year_of
from engine.units import FTE_UNITS, MONEY_UNITS


def fte_units(fte: float) -> int:
    """FTE as integer units."""
    return round(fte * FTE_UNITS)


def money_units(amount: float) -> int:
    """Money as integer cents."""
    return round(amount * MONEY_UNITS)


# the demand rows of each project, for the last few demand tuples seen (keyed by identity;
# the tuple is held, so its id is not reused while it is here): a scan of every row per
# project made the waterline and the reasons quadratic in the portfolio's size
_BY_PROJECT: dict[int, tuple[tuple[Demand, ...], dict[str, list[Demand]]]] = {}
_BY_PROJECT_KEPT = 8


def _demands_of(portfolio: Portfolio, project_id: str) -> list[Demand]:
    """The portfolio's demand rows of one project, in input order."""
    demands = portfolio.demands
    held = _BY_PROJECT.get(id(demands))
    if held is None or held[0] is not demands:
        index: dict[str, list[Demand]] = defaultdict(list)
        for demand in demands:
            index[demand.project_id].append(demand)
        if len(_BY_PROJECT) >= _BY_PROJECT_KEPT:
            _BY_PROJECT.pop(next(iter(_BY_PROJECT)))
        held = _BY_PROJECT[id(demands)] = (demands, dict(index))
    return held[1].get(project_id, [])


def demand_profile(portfolio: Portfolio, project: Project) -> dict[str, list[int]]:
    """FTE units per role for each month of the project's life (offset 0 = first month)."""
    profile: dict[str, list[int]] = {}
    duration = project.duration
    for demand in _demands_of(portfolio, project.id):
        if duration <= 0:
            continue
        row = profile.setdefault(demand.role, [0] * duration)
        first = (demand.from_month or 1) - 1
        last = (demand.to_month or duration) - 1
        for k in range(max(first, 0), min(last, duration - 1) + 1):
            row[k] += fte_units(demand.fte)
    return profile


def allowed_starts(portfolio: Portfolio, project: Project) -> range:
    """Calendar months the project may start in; empty when its window cannot hold it.

    A fixed start is the only choice (and may lie before the plan start for work in flight).
    Otherwise the project starts within its window and finishes inside the horizon.
    """
    if project.fixed_start is not None:
        return range(project.fixed_start, project.fixed_start + 1)
    first = portfolio.settings.plan_start
    last = first + portfolio.settings.horizon - max(project.duration, 1)
    if project.earliest_start is not None:
        first = max(first, project.earliest_start)
    if project.latest_start is not None:
        last = min(last, project.latest_start)
    return range(first, last + 1)


def monthly_cost(project: Project) -> int:
    """Cents the project spends per month: its cost spread evenly (all of it for a milestone)."""
    cents = money_units(project.cost)
    return cents if project.duration <= 0 else round(cents / project.duration)


def year_costs(portfolio: Portfolio, project: Project, start: int) -> dict[int, int]:
    """Cents of the project's cost in each budgeted year: months in that year x monthly cost.

    Linear in the months of overlap, so the optimiser can model it on interval variables.
    Work in flight with a Remaining cost spends it evenly from the plan start to its end
    (what was spent before is spent whatever the plan does).
    """
    if project.remaining_cost is not None and project.status is ProjectStatus.IN_FLIGHT:
        return _remaining_costs(portfolio, project, start)
    rate = monthly_cost(project)
    if rate == 0 or not portfolio.budget:
        return {}
    months_in_year: dict[int, int] = defaultdict(int)
    for k in range(max(project.duration, 1)):
        months_in_year[year_of(start + k)] += 1
    return {
        year: rate * count for year, count in months_in_year.items() if year in portfolio.budget
    }


def _remaining_costs(portfolio: Portfolio, project: Project, start: int) -> dict[int, int]:
    """An in-flight project's remaining cost, spread over its months from the plan start."""
    first = max(start, portfolio.settings.plan_start)
    end = start + max(project.duration, 1)
    months = list(range(first, end)) or [first]
    cents = money_units(project.remaining_cost or 0.0)
    if cents == 0 or not portfolio.budget:
        return {}
    rate = round(cents / len(months))
    by_year: dict[int, int] = defaultdict(int)
    for m in months:
        by_year[year_of(m)] += rate
    return {year: c for year, c in by_year.items() if year in portfolio.budget}


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Capacity missing for one role in one month at a given start."""

    role: str
    month: int
    missing: int  # FTE units


@dataclass
class Ledger:
    """Remaining capacity and budget while projects are added to a plan one by one.

    Under Settings "Project managers" = Assign it also keeps the managers' room (`managers`):
    a project then fits only where a manager on People can take it.
    """

    portfolio: Portfolio
    capacity: dict[str, list[int]] = field(init=False)
    budget: dict[int, int] = field(init=False)
    managers: ManagerPool | None = field(init=False)

    def __post_init__(self) -> None:
        self.capacity = {
            role: [fte_units(v) for v in values] for role, values in self.portfolio.capacity.items()
        }
        self.budget = {year: money_units(v) for year, v in self.portfolio.budget.items()}
        self.managers = ManagerPool(self.portfolio) if self.portfolio.assigns_managers else None
        self._profiles: dict[str, dict[str, list[int]]] = {}
        self._costs: dict[tuple[str, int], dict[int, int]] = {}
        self._needs: dict[tuple[str, int], list[tuple[tuple[str, int], int]]] = {}

    def add_hires(self, added_fte: dict[str, list[int]], cost_by_year: dict[int, int]) -> None:
        """Capacity that hires add (FTE units per role and horizon month), and the budget they
        use (cents per year)."""
        for role, row in added_fte.items():
            remaining = self.capacity.get(role)
            if remaining is not None:
                for t, units in enumerate(row):
                    remaining[t] += units
        for year, cents in cost_by_year.items():
            if year in self.budget:
                self.budget[year] -= cents

    def copy(self) -> Ledger:
        """An independent ledger with the same remaining capacity and budget."""
        twin = Ledger.__new__(Ledger)
        twin.portfolio = self.portfolio
        twin.capacity = {role: list(row) for role, row in self.capacity.items()}
        twin.budget = dict(self.budget)
        twin.managers = self.managers.copy() if self.managers is not None else None
        twin._profiles = self._profiles
        twin._costs = self._costs
        twin._needs = self._needs
        return twin

    def profile(self, project: Project) -> dict[str, list[int]]:
        """The project's demand profile, cached."""
        if project.id not in self._profiles:
            self._profiles[project.id] = demand_profile(self.portfolio, project)
        return self._profiles[project.id]

    def costs(self, project: Project, start: int) -> dict[int, int]:
        """`year_costs` of the project at this start, cached (do not change the result)."""
        key = (project.id, start)
        if key not in self._costs:
            self._costs[key] = year_costs(self.portfolio, project, start)
        return self._costs[key]

    def needs(self, project: Project, start: int) -> list[tuple[tuple[str, int], int]]:
        """((role, calendar month), FTE units) the project takes at this start, cached."""
        key = (project.id, start)
        if key not in self._needs:
            self._needs[key] = [
                ((role, start + k), units)
                for role, row in self.profile(project).items()
                for k, units in enumerate(row)
                if units > 0
            ]
        return self._needs[key]

    def shortfalls(self, project: Project, start: int) -> list[Shortfall]:
        """Every role-month whose remaining capacity is short of the project at this start."""
        plan_start = self.portfolio.settings.plan_start
        missing = []
        for role, row in self.profile(project).items():
            remaining = self.capacity.get(role)
            for k, need in enumerate(row):
                offset = start + k - plan_start
                if need <= 0 or remaining is None or not 0 <= offset < len(remaining):
                    continue
                if need > remaining[offset]:
                    missing.append(Shortfall(role, start + k, need - remaining[offset]))
        return missing

    def over_budget(self, project: Project, start: int) -> dict[int, int]:
        """Years whose remaining budget the project would exceed at this start, and by how much."""
        return {
            year: cents - self.budget[year]
            for year, cents in self.costs(project, start).items()
            if cents > self.budget[year]
        }

    def manager_free(self, project: Project, start: int) -> bool:
        """Whether a manager can take the project at this start (always, unless Assign)."""
        return self.managers is None or bool(self.managers.free(project, start))

    def fits(self, project: Project, start: int) -> bool:
        """Whether the project fits remaining capacity and budget (and a manager) at this start."""
        return (
            not self.shortfalls(project, start)
            and not self.over_budget(project, start)
            and self.manager_free(project, start)
        )

    def commit(self, project: Project, start: int, manager: str | None = None) -> None:
        """Take the project's capacity and budget at this start (and, under Assign, its
        manager: `manager`, or the free one it prefers)."""
        self._apply(project, start, 1)
        if self.managers is not None:
            self.managers.take(project, start, manager)

    def release(self, project: Project, start: int) -> None:
        """Give back what `commit` took."""
        self._apply(project, start, -1)
        if self.managers is not None:
            self.managers.release(project)

    def _apply(self, project: Project, start: int, sign: int) -> None:
        plan_start = self.portfolio.settings.plan_start
        for role, row in self.profile(project).items():
            remaining = self.capacity.get(role)
            for k, need in enumerate(row):
                offset = start + k - plan_start
                if remaining is not None and 0 <= offset < len(remaining):
                    remaining[offset] -= sign * need
        for year, cents in self.costs(project, start).items():
            self.budget[year] -= sign * cents


def describe_shortfalls(shortfalls: list[Shortfall], most: int | None = None) -> str:
    """`Data engineer 2027-03..2027-05 (short up to 0.5 FTE)`, grouped by role.

    With `most`, only the roles missing the most FTE-months are named, and the rest counted.
    """
    by_role: dict[str, list[Shortfall]] = defaultdict(list)
    for shortfall in shortfalls:
        by_role[shortfall.role].append(shortfall)
    roles = sorted(by_role, key=lambda r: -sum(s.missing for s in by_role[r]))
    shown = roles if most is None else roles[:most]
    parts = []
    for role in shown:
        items = by_role[role]
        months = sorted(s.month for s in items)
        worst = max(s.missing for s in items) / FTE_UNITS
        parts.append(f"{role} {month_runs_text(months)} (short up to {worst:g} FTE)")
    if len(roles) > len(shown):
        parts.append(f"{len(roles) - len(shown)} more role(s)")
    return "; ".join(parts)


def lone_fit_blockers(portfolio: Portfolio, project: Project) -> str | None:
    """Why the project cannot fit on an empty plan, in words; None when it can (with every
    hiring option at its most units, their cost aside: only what surely cannot fit is named)."""
    starts = allowed_starts(portfolio, project)
    if not starts:
        return (
            f"its window leaves no start month inside the horizon for its {project.duration} months"
        )
    ledger = Ledger(portfolio)
    if portfolio.hiring:
        ledger.add_hires(_most_hires(portfolio), {})
    best: str | None = None
    for start in starts:
        shortfalls = ledger.shortfalls(project, start)
        over = ledger.over_budget(project, start)
        if not shortfalls and not over:
            return None
        if best is None:
            if shortfalls:
                best = f"starting {month_text(start)}, {describe_shortfalls(shortfalls)}"
            else:
                year, cents = next(iter(over.items()))
                best = (
                    f"starting {month_text(start)}, its cost in {year} exceeds the "
                    f"{year} budget by {cents / MONEY_UNITS:,.0f}"
                )
    return best


def year_costs_left(portfolio: Portfolio, project: Project, start: int) -> dict[int, int]:
    """Cents the project still spends from the plan start on, by year (budgeted or not)."""
    if project.remaining_cost is not None:
        first = max(start, portfolio.settings.plan_start)
        months = list(range(first, start + max(project.duration, 1))) or [first]
        rate = round(money_units(project.remaining_cost) / len(months))
    else:
        rate = monthly_cost(project)
        months = [
            m
            for m in range(start, start + max(project.duration, 1))
            if m >= portfolio.settings.plan_start
        ]
    by_year: dict[int, int] = defaultdict(int)
    for m in months:
        by_year[year_of(m)] += rate
    return dict(by_year)


def _most_hires(portfolio: Portfolio) -> dict[str, list[int]]:
    """FTE units every hiring option adds per role and horizon month at its most units."""
    horizon, plan_start = portfolio.settings.horizon, portfolio.settings.plan_start
    added: dict[str, list[int]] = {}
    for option in portfolio.hiring:
        if option.role not in portfolio.capacity or option.max_units < 1:
            continue
        first = max(0, (option.earliest or plan_start) - plan_start)
        row = added.setdefault(option.role, [0] * horizon)
        for t in range(first, horizon):
            row[t] += option.max_units * fte_units(option.fte)
    return added
