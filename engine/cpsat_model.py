"""The CP-SAT model of selection and scheduling, one private method per family of rules.

Months are offsets from the plan start. Each candidate project has a selection literal
`x[p]`, one literal `y[p][s]` per allowed start `s` (sum = x), a start variable `o[p]`, and
optional intervals per role for the cumulative constraints. Capacity and budget are linear
over the `y` literals (a strong LP relaxation); `cumulative` adds CP propagation on top.

In diagnosis mode every rule that a PMO can relax (a must-run flag, a fixed start, a window,
a role's capacity, a year's budget, a dependency, an exclusive group) is guarded by its own
assumption literal, so the solver can name a small set of rules that cannot hold together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from engine.feasibility import (
    allowed_starts,
    demand_profile,
    fte_units,
    money_units,
    monthly_cost,
    year_costs,
)
from engine.model import DependencyType, Objective, Portfolio, Project
from engine.months import month_range_text, month_text
from engine.plan import score_units


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """Formulation switches; the benchmark decides the defaults."""

    time_indexed: bool | None = None  # None: for `value` when starts <= TIME_INDEXED_LIMIT
    cumulative: bool = True  # capacity also as cumulative constraints (CP propagation)
    fs_time_indexed: bool = False  # FS links also as linear constraints over start literals
    cover_depth: int = 0  # per role-month: at most k of the starts needing > capacity/(k+1)
    lp_warm_start: bool = False  # also try a plan rounded from the LP relaxation as the hint
    makespan_block: bool = True  # `finish`: every role is fully busy from the finish month on
    earliest_first: bool = True  # `finish`: also search by starting the earliest-startable first
    diagnosis: bool = False  # guard relaxable rules with assumption literals


# Start literals give a strong LP bound on small portfolios; past this many (project, start)
# pairs the LP slows CP-SAT more than it helps (bench/run_engine.py, docs/benchmarks.md).
TIME_INDEXED_LIMIT = 3000


class PortfolioModel:
    """Builds the CP-SAT model for one portfolio and objective."""

    def __init__(
        self, portfolio: Portfolio, objective: Objective, options: ModelOptions = ModelOptions()
    ) -> None:
        self.portfolio = portfolio
        self.objective = objective
        self.options = options
        self.model = cp_model.CpModel()
        self.plan_start = portfolio.settings.plan_start
        self.horizon = portfolio.settings.horizon
        self.rules: dict[int, str] = {}  # assumption literal index -> the rule in words
        self.guards: dict[int, cp_model.IntVar] = {}  # assumption literal index -> literal
        self.time_indexed = options.diagnosis or (
            options.time_indexed
            if options.time_indexed is not None
            else objective is Objective.VALUE and self._start_count() <= TIME_INDEXED_LIMIT
        )
        self.cumulative = options.cumulative and not options.diagnosis
        self._variables()
        self._finish_variable()
        self._selection_rules()
        self._windows()
        self._dependencies()
        self._exclusive_groups()
        self._capacity()
        self._budget()
        self._objective()

    # ----------------------------------------------------------------- variables
    def _variables(self) -> None:
        """x, y, o per candidate; projects out of play or with no start stay out of the model."""
        m = self.model
        self.projects: dict[str, Project] = {}
        self.starts: dict[str, list[int]] = {}
        self.x: dict[str, cp_model.IntVar] = {}
        self.y: dict[str, dict[int, cp_model.IntVar]] = {}
        self.o: dict[str, cp_model.IntVar] = {}
        self.profiles: dict[str, dict[str, list[int]]] = {}
        for project in self.portfolio.projects:
            if project.out_of_play or project.id in self.projects:
                continue
            starts = self._start_domain(project)
            if not starts:
                continue
            pid = project.id
            self.projects[pid] = project
            self.starts[pid] = starts
            self.profiles[pid] = demand_profile(self.portfolio, project)
            self.x[pid] = m.NewBoolVar(f"x[{pid}]")
            self.o[pid] = m.NewIntVarFromDomain(cp_model.Domain.FromValues(starts), f"start[{pid}]")
            if self.time_indexed:
                self.y[pid] = {s: m.NewBoolVar(f"y[{pid},{s}]") for s in starts}
                m.Add(sum(self.y[pid].values()) == self.x[pid])
                # o is the chosen start, or the first allowed one when the project is out
                m.Add(
                    self.o[pid]
                    == sum(s * v for s, v in self.y[pid].items()) + starts[0] * (1 - self.x[pid])
                )
            else:
                m.Add(self.o[pid] == starts[0]).OnlyEnforceIf(self.x[pid].Not())

    def _finish_variable(self) -> None:
        """`finish`: the month after the last project ends, the value to minimise."""
        self.makespan = None
        self._after: list[cp_model.IntVar] = []
        if self.objective is not Objective.FINISH or self.options.diagnosis:
            return
        longest = max(
            (self.starts[pid][-1] + p.duration for pid, p in self.projects.items()), default=0
        )
        shortest = max((max(p.duration, 0) for p in self.projects.values()), default=0)
        self.makespan = self.model.NewIntVar(shortest, max(longest, shortest), "makespan")
        self._block_end = max(longest, shortest, self.horizon)  # work in flight may run past
        for pid, project in self.projects.items():
            self.model.Add(self.makespan >= self.o[pid] + project.duration)

    def _start_count(self) -> int:
        return sum(
            len(allowed_starts(self.portfolio, p))
            for p in self.portfolio.projects
            if not p.out_of_play
        )

    def _start_domain(self, project: Project) -> list[int]:
        if not self.options.diagnosis:
            return [s - self.plan_start for s in allowed_starts(self.portfolio, project)]
        # windows and fixed starts become guarded rules: the domain is the whole horizon
        last = self.horizon - max(project.duration, 1)
        domain = set(range(0, last + 1))
        if project.fixed_start is not None:
            domain.add(project.fixed_start - self.plan_start)
        return sorted(domain)

    def _guard(self, rule: str) -> list[cp_model.IntVar]:
        """An enforcement literal for a relaxable rule in diagnosis mode; none otherwise."""
        if not self.options.diagnosis:
            return []
        literal = self.model.NewBoolVar(f"rule[{len(self.rules)}]")
        self.rules[literal.Index()] = rule
        self.guards[literal.Index()] = literal
        self.model.AddAssumption(literal)
        return [literal]

    # ----------------------------------------------------------------- rules
    def _selection_rules(self) -> None:
        """Must-run projects are selected; with `finish`, every candidate is."""
        for project in self.portfolio.projects:
            if project.out_of_play:
                continue
            pid = project.id
            if project.must_run or self.objective is Objective.FINISH:
                rule = (
                    f"{_name(project)} {_why_must(project)}"
                    if project.must_run
                    else f"{_name(project)} must be scheduled"
                )
                if pid not in self.x:
                    guard = self._guard(rule)
                    self.model.AddBoolOr([]).OnlyEnforceIf(guard)  # cannot start at all
                    continue
                self.model.Add(self.x[pid] == 1).OnlyEnforceIf(self._guard(rule))

    def _windows(self) -> None:
        """In diagnosis mode, fixed starts and start windows as guarded rules."""
        if not self.options.diagnosis:
            return
        for pid, project in self.projects.items():
            o, x = self.o[pid], self.x[pid]
            if project.fixed_start is not None:
                guard = self._guard(
                    f"{_name(project)} is fixed to start {month_text(project.fixed_start)}"
                )
                self.model.Add(o == project.fixed_start - self.plan_start).OnlyEnforceIf(
                    [*guard, x]
                )
                continue
            lo, hi = project.earliest_start, project.latest_start
            if lo is None and hi is None:
                continue
            window = month_range_text(
                lo if lo is not None else self.plan_start,
                hi if hi is not None else self.plan_start + self.horizon,
            )
            guard = self._guard(f"{_name(project)} must start within {window}")
            if lo is not None:
                self.model.Add(o >= lo - self.plan_start).OnlyEnforceIf([*guard, x])
            if hi is not None:
                self.model.Add(o <= hi - self.plan_start).OnlyEnforceIf([*guard, x])

    def _dependencies(self) -> None:
        """FS, Requires, Excludes and With links between projects."""
        m = self.model
        for dep in self.portfolio.dependencies:
            a, b = dep.predecessor, dep.successor
            rule = _dependency_words(self.portfolio, dep)
            xa, xb = self.x.get(a), self.x.get(b)
            if dep.type is DependencyType.EXCLUDES:
                if xa is not None and xb is not None:
                    m.Add(xa + xb <= 1).OnlyEnforceIf(self._guard(rule))
                continue
            if dep.type is DependencyType.WITH:
                if xa is None or xb is None:
                    for lit in (xa, xb):
                        if lit is not None:
                            m.Add(lit == 0).OnlyEnforceIf(self._guard(rule))
                else:
                    m.Add(xa == xb).OnlyEnforceIf(self._guard(rule))
                continue
            if xb is None:
                continue
            guard = self._guard(rule)
            if xa is None:
                m.Add(xb == 0).OnlyEnforceIf(guard)
                continue
            m.Add(xb <= xa).OnlyEnforceIf(guard)
            if dep.type is DependencyType.FS:
                gap = self.projects[a].duration + dep.lag
                m.Add(self.o[b] >= self.o[a] + gap).OnlyEnforceIf([*guard, xb])
                if self.time_indexed and self.options.fs_time_indexed:
                    self._fs_time_indexed(a, b, gap, guard)

    def _fs_time_indexed(self, a: str, b: str, gap: int, guard: list) -> None:
        """y[b, s] <= sum of y[a, s'] with s' + gap <= s: the LP-strong form of FS."""
        ya, yb = self.y[a], self.y[b]
        a_starts = sorted(ya)
        for s, literal in yb.items():
            early = [ya[t] for t in a_starts if t + gap <= s]
            if len(early) == len(a_starts):
                continue  # implied by y[b] -> x[b] -> x[a]
            self.model.Add(literal <= sum(early)).OnlyEnforceIf(guard)

    def _exclusive_groups(self) -> None:
        """At most one project of each exclusive group."""
        groups: dict[str, list[str]] = defaultdict(list)
        for pid, project in self.projects.items():
            if project.exclusive_group:
                groups[project.exclusive_group].append(pid)
        for group, members in groups.items():
            if len(members) < 2:
                continue
            literals = [self.x[pid] for pid in members]
            guard = self._guard(
                f'at most one project of exclusive group "{group}" ({", ".join(members)})'
            )
            if guard:
                self.model.Add(sum(literals) <= 1).OnlyEnforceIf(guard)
            else:
                self.model.AddAtMostOne(literals)

    def _capacity(self) -> None:
        """Role capacity per month: linear over start literals and/or cumulative."""
        capacity = {
            role: [fte_units(v) for v in values] for role, values in self.portfolio.capacity.items()
        }
        if self.time_indexed:
            self._capacity_linear(capacity)
        # with every start fixed (e.g. a one-month selection) cumulative only repeats the rows
        movable = any(len(starts) > 1 for starts in self.starts.values())
        if self.cumulative and (movable or not self.time_indexed):
            self._capacity_cumulative(capacity)

    def _capacity_linear(self, capacity: dict[str, list[int]]) -> None:
        terms: dict[tuple[str, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for pid, profile in self.profiles.items():
            for role, row in profile.items():
                if role not in capacity:
                    continue
                for s, literal in self.y[pid].items():
                    for k, units in enumerate(row):
                        if units > 0 and 0 <= s + k < self.horizon:
                            terms[role, s + k].append((units, literal))
        guards = {role: None for role in capacity}
        for (role, t), items in sorted(terms.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            limit = capacity[role][t]
            if sum(units for units, _ in items) <= limit:
                continue  # can never bind
            if guards[role] is None:
                guards[role] = self._guard(f'capacity of role "{role}"')
            self.model.Add(sum(u * v for u, v in items) <= limit).OnlyEnforceIf(guards[role])
            self._covers(items, limit, guards[role])

    def _covers(self, items, limit: int, guard) -> None:
        """Redundant cover constraints: k + 1 demands above capacity/(k + 1) cannot all run.

        They cut off the LP's habit of spreading large demands thinly over many starts.
        """
        previous = -1
        for k in range(1, self.options.cover_depth + 1):
            big = [v for u, v in items if u * (k + 1) > limit]
            if len(big) <= k or len(big) == previous:
                continue
            previous = len(big)
            if k == 1 and not guard:
                self.model.AddAtMostOne(big)
            else:
                self.model.Add(sum(big) <= k).OnlyEnforceIf(guard)

    def _capacity_cumulative(self, capacity: dict[str, list[int]]) -> None:
        m = self.model
        for role, caps in capacity.items():
            peak = max(caps, default=0)
            intervals, demands = [], []
            for t0, t1, units in _runs(caps):  # capacity below the peak: a fixed busy block
                if peak - units > 0:
                    intervals.append(m.NewIntervalVar(t0, t1 - t0, t1, f"cap[{role},{t0}]"))
                    demands.append(peak - units)
            for pid, profile in self.profiles.items():
                row = profile.get(role)
                if not row:
                    continue
                fixed = len(self.starts[pid]) == 1
                for k0, k1, units in _runs(row):
                    if units <= 0:
                        continue
                    name = f"use[{pid},{role},{k0}]"
                    if fixed:
                        s = self.starts[pid][0]
                        lo, hi = max(s + k0, 0), min(s + k1, self.horizon)
                        if lo >= hi:
                            continue
                        interval = m.NewOptionalIntervalVar(lo, hi - lo, hi, self.x[pid], name)
                    else:
                        start = self.o[pid] + k0
                        interval = m.NewOptionalIntervalVar(
                            start, k1 - k0, start + (k1 - k0), self.x[pid], name
                        )
                    intervals.append(interval)
                    demands.append(units)
            if any(d > 0 for d in demands):
                if self.makespan is not None and self.options.makespan_block and min(caps) > 0:
                    # redundant (nothing runs after the finish) but lets energy reasoning
                    # push the finish later; it takes the capacity left free in every month
                    end = self._block_end
                    size = self.model.NewIntVar(0, end, f"after[{role}]")
                    m.Add(size == end - self.makespan)
                    self._after.append(size)
                    intervals.append(m.NewIntervalVar(self.makespan, size, end, f"after[{role}]"))
                    demands.append(min(caps))
                m.AddCumulative(intervals, demands, peak)

    def _budget(self) -> None:
        """Each budgeted year: the cost falling in it stays within its budget."""
        if not self.portfolio.budget:
            return
        terms: dict[int, list] = defaultdict(list)
        worst: dict[int, int] = defaultdict(int)
        self._overlaps: list[tuple] = []
        for pid, project in self.projects.items():
            rate = monthly_cost(project)
            if rate == 0:
                continue
            by_start = {
                s: year_costs(self.portfolio, project, s + self.plan_start)
                for s in self.starts[pid]
            }
            for year in self.portfolio.budget:
                costs = [by_start[s].get(year, 0) for s in self.starts[pid]]
                if max(costs) <= 0:
                    continue
                worst[year] += max(costs)
                if self.time_indexed:
                    terms[year].extend(
                        c * self.y[pid][s]
                        for s, c in zip(self.starts[pid], costs, strict=True)
                        if c
                    )
                else:
                    terms[year].append(rate * self._months_in_year(pid, year, max(costs) // rate))
        for year, items in sorted(terms.items()):
            limit = money_units(self.portfolio.budget[year])
            if worst[year] <= limit:
                continue
            guard = self._guard(f"the {year} budget of {self.portfolio.budget[year]:,.0f}")
            self.model.Add(sum(items) <= limit).OnlyEnforceIf(guard)

    def _months_in_year(self, pid: str, year: int, most: int) -> cp_model.IntVar:
        """How many of the project's months fall in the year (0 when it is not selected)."""
        m = self.model
        project, o = self.projects[pid], self.o[pid]
        first = year * 12 - self.plan_start  # the year's months as offsets: [first, first + 12)
        length = max(project.duration, 1)  # a milestone spends its cost in its start month
        starts = self.starts[pid]
        lo = m.NewIntVar(first, max(starts[-1], first), f"lo[{pid},{year}]")
        hi = m.NewIntVar(min(starts[0] + length, first + 12), first + 12, f"hi[{pid},{year}]")
        m.AddMaxEquality(lo, [o, first])
        m.AddMinEquality(hi, [o + length, first + 12])
        overlap = m.NewIntVar(0, most, f"months[{pid},{year}]")
        m.AddMaxEquality(overlap, [hi - lo, 0])
        counted = m.NewIntVar(0, most, f"counted[{pid},{year}]")
        m.Add(counted == overlap).OnlyEnforceIf(self.x[pid])
        m.Add(counted == 0).OnlyEnforceIf(self.x[pid].Not())
        self._overlaps.append((pid, first, length, lo, hi, overlap, counted))
        return counted

    # ----------------------------------------------------------------- objective
    def _objective(self) -> None:
        """`value`: total score of the selected; `finish`: the last finish month."""
        if self.options.diagnosis:
            return
        if self.objective is Objective.VALUE:
            self.value = sum(
                score_units(self.portfolio, p) * self.x[pid] for pid, p in self.projects.items()
            )
            self.model.Maximize(self.value)
            return
        self.model.Minimize(self.makespan)
        if self.options.earliest_first:
            # schedule-generation order: the project that can start earliest starts then
            self.model.AddDecisionStrategy(
                list(self.o.values()), cp_model.CHOOSE_LOWEST_MIN, cp_model.SELECT_MIN_VALUE
            )

    def tie_break(self, best: int) -> None:
        """Keep the objective at `best` and move projects as early as possible."""
        if self.objective is Objective.VALUE:
            self.model.Add(self.value >= best)
            self.model.Minimize(sum(self.o[pid] - self.starts[pid][0] for pid in self.o))
        else:
            self.model.Add(self.makespan <= best)
            self.model.Minimize(sum(self.o[pid] + p.duration for pid, p in self.projects.items()))

    def hint(self, starts: dict[str, int]) -> None:
        """Hint every decision variable from a plan ({project ID: calendar start month})."""
        self.model.ClearHints()
        for pid in self.projects:
            chosen = starts.get(pid)
            offset = None if chosen is None else chosen - self.plan_start
            if offset is not None and offset not in self.starts[pid]:
                offset = None
            self.model.AddHint(self.x[pid], offset is not None)
            self.model.AddHint(self.o[pid], self.starts[pid][0] if offset is None else offset)
            for s, literal in self.y.get(pid, {}).items():
                self.model.AddHint(literal, s == offset)
        # derived budget variables too: a complete hint is used as the first solution at once
        for pid, first, length, lo, hi, overlap, counted in getattr(self, "_overlaps", ()):
            chosen = starts.get(pid)
            o = self.starts[pid][0] if chosen is None else chosen - self.plan_start
            low, high = max(o, first), min(o + length, first + 12)
            self.model.AddHint(lo, low)
            self.model.AddHint(hi, high)
            self.model.AddHint(overlap, max(high - low, 0))
            self.model.AddHint(counted, 0 if chosen is None else max(high - low, 0))
        if self.objective is Objective.FINISH and starts:
            ends = [
                starts[pid] - self.plan_start + p.duration
                for pid, p in self.projects.items()
                if pid in starts
            ]
            self.model.AddHint(self.makespan, max(ends))
            for size in self._after:
                self.model.AddHint(size, self._block_end - max(ends))

    def plan(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """The selected projects and their calendar start months in the solver's solution."""
        return {
            pid: self.plan_start + solver.Value(self.o[pid])
            for pid in self.projects
            if solver.BooleanValue(self.x[pid])
        }


def _runs(row: list[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal values: (first index, end index, value)."""
    runs, begin = [], 0
    for k in range(1, len(row) + 1):
        if k == len(row) or row[k] != row[begin]:
            runs.append((begin, k, row[begin]))
            begin = k
    return runs


def _name(project: Project) -> str:
    return f'"{project.name}" ({project.id})' if project.name else project.id


def _why_must(project: Project) -> str:
    if project.status.value == "In flight":
        return "is in flight and must stay in the plan"
    return "is mandatory" if project.mandatory else "is forced in"


def _dependency_words(portfolio: Portfolio, dep) -> str:
    a, b = dep.predecessor, dep.successor
    if dep.type is DependencyType.FS:
        lag = f" + {dep.lag} month(s)" if dep.lag else ""
        return f"{b} starts after {a} finishes{lag} (FS), and needs {a}"
    if dep.type is DependencyType.REQUIRES:
        return f"{b} requires {a}"
    if dep.type is DependencyType.EXCLUDES:
        return f"{a} and {b} exclude each other"
    return f"{a} and {b} go together (With)"
