"""Random but realistic portfolios for benchmarks and property tests, deterministic per seed.

Two regimes. `generate_portfolio` ("big projects"): the shape follows a typical PMO intake:
projects of 2-12 months needing 1-4 roles at 0.5-3 FTE (sometimes only for part of the
project), capacity calibrated so that demand exceeds it by a chosen factor, five scoring
criteria (one "lower is better"), a few mandatory and in-flight projects, dependencies,
exclusions, exclusive groups, an annual budget and start windows. Everything that must run is
placed on a witness plan while it is generated, so the must-run set always fits together and
the portfolio always validates. Capacity is a few FTE per role against projects of up to 3
FTE, so the time-indexed LP is weak.

`generate_small_projects` ("many small projects"): capacity grows with the portfolio, each
project needs little of it, every project has a start window, one value criterion: the
time-indexed LP is tight and a MIP solver's bound is close to the optimum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from engine.feasibility import Ledger, allowed_starts
from engine.limits import MAX_SEED
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Objective,
    Perspective,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month, year_of

ROLE_NAMES = (
    "Business analyst",
    "Project manager",
    "Solution architect",
    "Developer",
    "Data engineer",
    "Tester",
    "UX designer",
    "Infrastructure engineer",
    "Security specialist",
    "Change manager",
    "Data scientist",
    "Product owner",
)

CRITERIA = (
    Criterion("Strategic fit", 0.30, Direction.HIGHER, 0, 10, Perspective.INTERNAL_PROCESS),
    Criterion("Financial return", 0.25, Direction.HIGHER, 0, 10, Perspective.FINANCIAL),
    Criterion("Customer impact", 0.20, Direction.HIGHER, 0, 10, Perspective.CUSTOMER),
    Criterion("Delivery risk", 0.15, Direction.LOWER, 1, 5, None),
    Criterion(
        "Capability building", 0.10, Direction.HIGHER, 0, 10, Perspective.LEARNING_AND_GROWTH
    ),
)

MONTHLY_RATE = 12_000.0  # cost of one FTE-month, before per-project noise


@dataclass(frozen=True, slots=True)
class _Draft:
    """A project and its demand rows before capacity and budget are known."""

    project: Project
    demands: tuple[Demand, ...]


def generate_portfolio(
    n_projects: int,
    n_roles: int = 12,
    horizon: int = 36,
    over_demand: float = 1.6,
    seed: int = 0,
    *,
    plan_start: int = month(2030, 1),
    mandatory_share: float = 0.03,
    in_flight_share: float = 0.05,
    window_share: float = 0.30,
    dependency_share: float = 0.10,
    exclude_share: float = 0.03,
    group_share: float = 0.05,
    budget_share: float = 0.70,
    optional_predecessors: int = 0,
) -> Portfolio:
    """A random portfolio that validates without errors; the same arguments give the same one.

    Capacity is set so that total demand (FTE-months) is about `over_demand` times total
    capacity, and each calendar year's budget is `budget_share` of the year's share of the
    total cost. Shares are fractions of `n_projects` (rounded; at least one in-flight and one
    mandatory project when there are 20 or more projects).

    `optional_predecessors`: that many mandatory projects each get an optional FS (or, every
    other one, Requires) predecessor, placed before it on the witness plan, so a plan that runs
    the mandatory projects must pull in projects nobody declared mandatory. The predecessors
    get no window, group or other link, so the witness plan keeps every rule.
    """
    if n_projects < 1 or n_roles < 1 or horizon < 2 or over_demand <= 0:
        raise ValueError("need n_projects >= 1, n_roles >= 1, horizon >= 2, over_demand > 0")
    rng = random.Random(seed)
    roles = _role_names(n_roles)
    width = len(str(n_projects))
    drafts = [
        _draft(rng, f"P{i + 1:0{width}d}", roles, horizon, plan_start) for i in range(n_projects)
    ]

    capacity = _capacity(rng, drafts, roles, horizon, over_demand)
    budget = _budget(drafts, plan_start, horizon, budget_share)
    settings = Settings(
        plan_start=plan_start,
        horizon=horizon,
        objective=Objective.VALUE,
        random_seed=seed % (MAX_SEED + 1),  # the solver's seed is 32-bit; the generator's is not
    )
    demands = [d for draft in drafts for d in draft.demands]
    projects = [draft.project for draft in drafts]
    base = Portfolio(settings, projects, demands, capacity, (), CRITERIA, budget)

    must_run, needed = _place_must_run(
        rng, base, n_projects, in_flight_share, mandatory_share, optional_predecessors
    )
    held = {*must_run, *(link.predecessor for link in needed)}  # on the witness plan
    projects = [must_run.get(p.id, p) for p in projects]
    projects = _add_windows(rng, projects, held, plan_start, horizon, window_share)
    optional = [i for i, p in enumerate(projects) if p.id not in held]
    projects = _add_groups(rng, projects, optional, group_share)
    links = needed + _links(rng, projects, optional, dependency_share, exclude_share)
    return Portfolio(settings, projects, demands, capacity, links, CRITERIA, budget)


def _role_names(count: int) -> list[str]:
    names = list(ROLE_NAMES[:count])
    names += [f"Specialist {k}" for k in range(len(names) + 1, count + 1)]
    return names


def _draft(rng: random.Random, pid: str, roles: list[str], horizon: int, plan_start: int) -> _Draft:
    duration = rng.randint(2, min(12, horizon))
    demands = []
    fte_months = 0.0
    for role in rng.sample(roles, rng.randint(1, min(4, len(roles)))):
        fte = rng.choice((0.5, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0))
        first, last = None, None
        if duration >= 3 and rng.random() < 0.3:  # e.g. testers only near the end
            lo = rng.randint(1, duration - 1)
            hi = rng.randint(lo, duration)
            first, last = lo, hi
        fte_months += fte * ((last or duration) - (first or 1) + 1)
        demands.append(Demand(pid, role, fte, first, last))
    cost = round(fte_months * MONTHLY_RATE * rng.uniform(0.8, 1.4), -3)
    scores = {c.name: float(rng.randint(int(c.min), int(c.max))) for c in CRITERIA}
    project = Project(
        id=pid, name=f"Initiative {pid[1:]}", duration=duration, cost=cost, scores=scores
    )
    return _Draft(project, tuple(demands))


def _capacity(
    rng: random.Random, drafts: list[_Draft], roles: list[str], horizon: int, over_demand: float
) -> dict[str, tuple[float, ...]]:
    """Per-role capacity: the role's demand / over_demand spread over the horizon, +-10%.

    A month never drops below the role's largest single request, so every project can fit
    alone and the calibration only bends for tiny portfolios.
    """
    total: dict[str, float] = dict.fromkeys(roles, 0.0)
    peak: dict[str, float] = dict.fromkeys(roles, 0.0)
    for draft in drafts:
        for d in draft.demands:
            months = (d.to_month or draft.project.duration) - (d.from_month or 1) + 1
            total[d.role] += d.fte * months
            peak[d.role] = max(peak[d.role], d.fte)
    capacity = {}
    for role in roles:
        base = total[role] / over_demand / horizon
        capacity[role] = tuple(
            round(max(base * rng.uniform(0.9, 1.1), peak[role]), 1) for _ in range(horizon)
        )
    return capacity


def _budget(drafts: list[_Draft], plan_start: int, horizon: int, share: float) -> dict[int, float]:
    """Each horizon year gets `share` of the total cost, pro rata to its months in the horizon."""
    total = sum(d.project.cost for d in drafts)
    months_in_year: dict[int, int] = {}
    for m in range(plan_start, plan_start + horizon):
        months_in_year[year_of(m)] = months_in_year.get(year_of(m), 0) + 1
    return {
        year: round(share * total * count / horizon, -3) for year, count in months_in_year.items()
    }


def _count(share: float, n: int, minimum_at: int = 20) -> int:
    return max(round(share * n), 1 if n >= minimum_at and share > 0 else 0)


def _place_must_run(
    rng: random.Random,
    portfolio: Portfolio,
    n: int,
    in_flight_share: float,
    mandatory_share: float,
    optional_predecessors: int = 0,
) -> tuple[dict[str, Project], list[Dependency]]:
    """Turn some projects into in-flight or mandatory ones that fit together on one plan,
    the first `optional_predecessors` mandatory ones each after an optional predecessor.

    Candidates are tried in random order against a ledger of what the earlier ones took; a
    candidate that fits nowhere stays an ordinary proposal.
    """
    ledger = Ledger(portfolio)
    plan_start = portfolio.settings.plan_start
    chosen: dict[str, Project] = {}
    needed: list[Dependency] = []
    order = list(portfolio.projects)
    rng.shuffle(order)
    spare = order[len(order) // 2 :]  # predecessors come from the other half of the order
    order = order[: len(order) // 2] if optional_predecessors else order
    wanted_flight, wanted_mandatory = _count(in_flight_share, n), _count(mandatory_share, n)
    for project in order:
        if wanted_flight:
            # started 1-6 months before the plan and still running at its start
            back = rng.randint(1, min(6, project.duration - 1))
            candidate = replace(
                project, status=ProjectStatus.IN_FLIGHT, fixed_start=plan_start - back
            )
        elif wanted_mandatory:
            candidate = replace(project, status=ProjectStatus.APPROVED, mandatory=True)
        else:
            break
        if candidate.mandatory and len(needed) < optional_predecessors:
            link = _with_predecessor(rng, portfolio, ledger, candidate, spare, len(needed))
            if link is not None:
                needed.append(link)
                chosen[project.id] = candidate
                wanted_mandatory -= 1
            continue
        start = next(
            (s for s in allowed_starts(portfolio, candidate) if ledger.fits(candidate, s)), None
        )
        if start is None:
            continue
        ledger.commit(candidate, start)
        chosen[project.id] = candidate
        if candidate.status is ProjectStatus.IN_FLIGHT:
            wanted_flight -= 1
        else:
            wanted_mandatory -= 1
    return chosen, needed


def _with_predecessor(
    rng: random.Random,
    portfolio: Portfolio,
    ledger: Ledger,
    mandatory: Project,
    spare: list[Project],
    index: int,
) -> Dependency | None:
    """Place an optional predecessor from `spare` and then `mandatory` after it on the
    ledger; the link (FS, or Requires every other time), or None when no pair fits."""
    kind = DependencyType.FS if index % 2 == 0 else DependencyType.REQUIRES
    for before in list(spare[:50]):
        first = next((s for s in allowed_starts(portfolio, before) if ledger.fits(before, s)), None)
        if first is None:
            continue
        after = first + before.duration if kind is DependencyType.FS else first
        start = next(
            (
                s
                for s in allowed_starts(portfolio, mandatory)
                if s >= after and ledger.fits(mandatory, s)
            ),
            None,
        )
        if start is None:
            continue
        ledger.commit(before, first)
        ledger.commit(mandatory, start)
        spare.remove(before)
        return Dependency(before.id, mandatory.id, kind, 0)
    rng.shuffle(spare)
    return None


def _add_windows(
    rng: random.Random,
    projects: list[Project],
    held: set[str],
    plan_start: int,
    horizon: int,
    share: float,
) -> list[Project]:
    """Earliest and/or latest start on about `share` of the optional projects."""
    out = []
    for project in projects:
        if project.id in held or rng.random() >= share:
            out.append(project)
            continue
        last = plan_start + horizon - project.duration  # latest start that still finishes
        earliest = rng.randint(plan_start, last)
        latest = rng.randint(earliest, last)
        kind = rng.random()
        out.append(
            replace(
                project,
                earliest_start=earliest if kind < 0.7 else None,
                latest_start=latest if kind >= 0.4 else None,
            )
        )
    return out


def _add_groups(
    rng: random.Random, projects: list[Project], optional: list[int], share: float
) -> list[Project]:
    """Exclusive groups of 2-3 optional projects (alternative solutions to one need)."""
    pool = list(optional)
    rng.shuffle(pool)
    projects = list(projects)
    for g in range(_count(share, len(projects), minimum_at=10) // 2):
        size = rng.randint(2, 3)
        if len(pool) < size:
            break
        for i in (pool.pop() for _ in range(size)):
            projects[i] = replace(projects[i], exclusive_group=f"G{g + 1}")
    return projects


def _links(
    rng: random.Random,
    projects: list[Project],
    optional: list[int],
    dependency_share: float,
    exclude_share: float,
) -> list[Dependency]:
    """FS / Requires (and a few With) links from lower to higher index, so acyclic; Excludes.

    Only optional projects are linked, so no link can force work onto the must-run plan.
    """
    links: list[Dependency] = []
    seen: set[tuple[int, int]] = set()
    if len(optional) < 2:
        return links
    for _ in range(_count(dependency_share, len(projects), minimum_at=10)):
        a, b = sorted(rng.sample(optional, 2))
        if (a, b) in seen:
            continue
        seen.add((a, b))
        kind = rng.random()
        if kind < 0.65:
            links.append(
                Dependency(
                    projects[a].id, projects[b].id, DependencyType.FS, rng.choice((0, 0, 0, 1, 2))
                )
            )
        elif kind < 0.9:
            links.append(Dependency(projects[a].id, projects[b].id, DependencyType.REQUIRES))
        else:
            links.append(Dependency(projects[a].id, projects[b].id, DependencyType.WITH))
    for _ in range(_count(exclude_share, len(projects), minimum_at=10)):
        a, b = sorted(rng.sample(optional, 2))
        if (a, b) in seen:
            continue
        seen.add((a, b))
        links.append(Dependency(projects[a].id, projects[b].id, DependencyType.EXCLUDES))
    return links


VALUE_CRITERION = (Criterion("Value", 1.0, Direction.HIGHER, 1, 100, Perspective.FINANCIAL),)
SMALL_FTE = (0.2, 0.3, 0.5, 0.5, 0.8, 1.0, 1.0, 1.5, 2.0, 3.0)


def generate_small_projects(
    n_projects: int,
    seed: int = 0,
    *,
    n_roles: int = 12,
    horizon: int = 36,
    over_demand: float = 1.6,
    plan_start: int = month(2030, 1),
    max_window: int = 13,
    pair_share: float = 0.10,
    fs_share: float = 0.10,
) -> Portfolio:
    """The many-small-projects regime; the same arguments give the same portfolio.

    Projects of 2-18 months need 0.2-3 FTE (`SMALL_FTE`) of 1-4 of `n_roles` roles for the
    whole project; each may start in a window of 1 to `max_window` months inside the
    horizon; one criterion, "Value", 1-100, drawn independently of size. Per-role capacity is
    the role's demand / `over_demand` spread evenly over the horizon (+-10%), so it grows with
    the portfolio. About `pair_share` of the projects are in exclusive pairs (alternatives),
    `fs_share` * n finish-to-start links join random projects (lower index first, so
    acyclic). No budget, nothing mandatory or in flight.
    """
    if n_projects < 1 or n_roles < 1 or horizon < 2 or over_demand <= 0 or max_window < 1:
        raise ValueError("need n_projects, n_roles, max_window >= 1, horizon >= 2, over_demand > 0")
    rng = random.Random(seed)
    roles = _role_names(n_roles)
    width = len(str(n_projects))
    drafts = []
    for i in range(n_projects):
        pid = f"P{i + 1:0{width}d}"
        duration = rng.randint(2, min(18, horizon))
        demands = tuple(
            Demand(pid, role, rng.choice(SMALL_FTE))
            for role in rng.sample(roles, rng.randint(1, min(4, n_roles)))
        )
        fte_months = sum(d.fte for d in demands) * duration
        last = plan_start + horizon - duration  # latest start that still finishes
        earliest = rng.randint(plan_start, last)
        latest = min(last, earliest + rng.randint(0, max_window - 1))
        project = Project(
            id=pid,
            name=f"Initiative {pid[1:]}",
            duration=duration,
            cost=round(fte_months * MONTHLY_RATE, -3),
            scores={"Value": float(rng.randint(1, 100))},
            earliest_start=earliest,
            latest_start=latest,
        )
        drafts.append(_Draft(project, demands))
    capacity = _capacity(rng, drafts, roles, horizon, over_demand)
    settings = Settings(
        plan_start=plan_start,
        horizon=horizon,
        objective=Objective.VALUE,
        random_seed=seed % (MAX_SEED + 1),
    )
    projects = [d.project for d in drafts]
    order = list(range(n_projects))
    rng.shuffle(order)
    for g in range(round(pair_share * n_projects) // 2):
        for i in order[2 * g : 2 * g + 2]:
            projects[i] = replace(projects[i], exclusive_group=f"G{g + 1}")
    links = []
    seen: set[tuple[int, int]] = set()
    for _ in range(round(fs_share * n_projects) if n_projects >= 2 else 0):
        a, b = sorted(rng.sample(range(n_projects), 2))
        if (a, b) not in seen:
            seen.add((a, b))
            links.append(Dependency(projects[a].id, projects[b].id, DependencyType.FS, 0))
    demands = [d for draft in drafts for d in draft.demands]
    return Portfolio(settings, projects, demands, capacity, links, VALUE_CRITERION, {})


REGIMES = {"big": generate_portfolio, "small": generate_small_projects}
