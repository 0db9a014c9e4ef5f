"""The CP-SAT model of selection and scheduling, one private method per family of rules.

The variables (`engine.cpsat_variables`) are made first: per candidate project a selection
literal `x[p]`, a start variable `start[p]` and, time-indexed, one literal `y[p,s]` per
allowed start `s` (sum = x). Capacity and budget are linear over the `y` literals (a strong
LP relaxation); `cumulative` adds CP propagation on top, over optional intervals per role.

In diagnosis mode every rule that a PMO can relax (a must-run flag, a fixed start, a window,
a role's capacity, a year's budget, a dependency, an exclusive group) is guarded by its own
assumption literal, so the solver can name a small set of rules that cannot hold together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from engine.cpsat_variables import ProjectVars, Variables
from engine.feasibility import allowed_starts, fte_units, money_units, monthly_cost, year_costs
from engine.model import DependencyType, Objective, Portfolio
from engine.plan import score_units
from engine.stability import Baseline, approved_penalty, kept_approved, penalty_units
from engine.wording import (
    budget_rule,
    capacity_rule,
    dependency_rule,
    exclusive_group_rule,
    fixed_start_rule,
    must_run_rule,
    scheduled_rule,
    window_rule,
)

Guard = list[cp_model.IntVar]  # the enforcement literal of a relaxable rule, or none
Terms = list[tuple[int, cp_model.IntVar]]  # (coefficient, literal) of one linear row


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
        self,
        portfolio: Portfolio,
        objective: Objective,
        options: ModelOptions = ModelOptions(),
        baseline: Baseline | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.objective = objective
        self.options = options
        self.baseline = baseline
        self.model = cp_model.CpModel()
        self.plan_start = portfolio.settings.plan_start
        self.horizon = portfolio.settings.horizon
        self.rules: dict[int, str] = {}  # assumption literal index -> the rule in words
        self.time_indexed = options.diagnosis or (
            options.time_indexed
            if options.time_indexed is not None
            else objective is Objective.VALUE and self._start_count() <= TIME_INDEXED_LIMIT
        )
        self.cumulative = options.cumulative and not options.diagnosis
        self.variables = Variables(
            self.model,
            portfolio,
            objective,
            time_indexed=self.time_indexed,
            diagnosis=options.diagnosis,
        )
        self.guards = self.variables.guards  # assumption literal index -> literal
        # the order of the families is the order of the constraints in the model
        self._start_links()
        self._finish_bounds()
        self._selection_rules()
        self._windows()
        self._dependencies()
        self._exclusive_groups()
        self._capacity()
        self._budget()
        self.penalty = cp_model.LinearExpr.sum(self._stability())
        self._objective()

    @property
    def projects(self) -> dict[str, ProjectVars]:
        """The candidate projects in the model (not out of play, with an allowed start)."""
        return self.variables.projects

    def _start_count(self) -> int:
        """(project, start) pairs: the size of the time-indexed formulation."""
        return sum(
            len(allowed_starts(self.portfolio, p))
            for p in self.portfolio.projects
            if not p.out_of_play
        )

    def _guard(self, rule: str) -> Guard:
        """An enforcement literal for a relaxable rule in diagnosis mode; none otherwise."""
        if not self.options.diagnosis:
            return []
        literal = self.variables.guard()
        self.rules[literal.index] = rule
        return [literal]

    # ----------------------------------------------------------------- rules
    def _start_links(self) -> None:
        """The start variable is the chosen start, or the first allowed one when out."""
        m = self.model
        for v in self.projects.values():
            if self.time_indexed:
                m.add(sum(v.start_at.values()) == v.selected)
                m.add(
                    v.start
                    == sum(s * y for s, y in v.start_at.items()) + v.starts[0] * (1 - v.selected)
                )
            else:
                m.add(v.start == v.starts[0]).only_enforce_if(~v.selected)

    def _finish_bounds(self) -> None:
        """`finish`: the makespan is no earlier than any project's end."""
        if self.variables.makespan is None:
            return
        for v in self.projects.values():
            self.model.add(self.variables.makespan >= v.start + v.project.duration)

    def _selection_rules(self) -> None:
        """Must-run projects are selected; with `finish`, every candidate is."""
        for project in self.portfolio.projects:
            if project.out_of_play:
                continue
            if project.must_run or self.objective is Objective.FINISH:
                rule = must_run_rule(project) if project.must_run else scheduled_rule(project)
                v = self.projects.get(project.id)
                if v is None:
                    guard = self._guard(rule)
                    self.model.add_bool_or([]).only_enforce_if(guard)  # cannot start at all
                    continue
                self.model.add(v.selected == 1).only_enforce_if(self._guard(rule))

    def _windows(self) -> None:
        """In diagnosis mode, fixed starts and start windows as guarded rules."""
        if not self.options.diagnosis:
            return
        m = self.model
        for v in self.projects.values():
            project = v.project
            if project.fixed_start is not None:
                guard = self._guard(fixed_start_rule(project, project.fixed_start))
                m.add(v.start == project.fixed_start - self.plan_start).only_enforce_if(
                    [*guard, v.selected]
                )
                continue
            lo, hi = project.earliest_start, project.latest_start
            if lo is None and hi is None:
                continue
            guard = self._guard(
                window_rule(
                    project,
                    lo if lo is not None else self.plan_start,
                    hi if hi is not None else self.plan_start + self.horizon,
                )
            )
            if lo is not None:
                m.add(v.start >= lo - self.plan_start).only_enforce_if([*guard, v.selected])
            if hi is not None:
                m.add(v.start <= hi - self.plan_start).only_enforce_if([*guard, v.selected])

    def _dependencies(self) -> None:
        """FS, Requires, Excludes and With links between projects."""
        m = self.model
        for dep in self.portfolio.dependencies:
            rule = dependency_rule(dep)
            va, vb = self.projects.get(dep.predecessor), self.projects.get(dep.successor)
            if dep.type is DependencyType.EXCLUDES:
                if va is not None and vb is not None:
                    m.add(va.selected + vb.selected <= 1).only_enforce_if(self._guard(rule))
                continue
            if dep.type is DependencyType.WITH:
                if va is None or vb is None:
                    for present in (va, vb):
                        if present is not None:
                            m.add(present.selected == 0).only_enforce_if(self._guard(rule))
                else:
                    m.add(va.selected == vb.selected).only_enforce_if(self._guard(rule))
                continue
            if vb is None:
                continue
            guard = self._guard(rule)
            if va is None:
                m.add(vb.selected == 0).only_enforce_if(guard)
                continue
            m.add(vb.selected <= va.selected).only_enforce_if(guard)
            if dep.type is DependencyType.FS:
                gap = va.project.duration + dep.lag
                m.add(vb.start >= va.start + gap).only_enforce_if([*guard, vb.selected])
                if self.time_indexed and self.options.fs_time_indexed:
                    self._fs_time_indexed(va, vb, gap, guard)

    def _fs_time_indexed(self, va: ProjectVars, vb: ProjectVars, gap: int, guard: Guard) -> None:
        """y[b, s] <= sum of y[a, s'] with s' + gap <= s: the LP-strong form of FS."""
        a_starts = sorted(va.start_at)
        for s, literal in vb.start_at.items():
            early = [va.start_at[t] for t in a_starts if t + gap <= s]
            if len(early) == len(a_starts):
                continue  # implied by y[b] -> x[b] -> x[a]
            self.model.add(literal <= sum(early)).only_enforce_if(guard)

    def _exclusive_groups(self) -> None:
        """At most one project of each exclusive group."""
        groups: dict[str, list[str]] = defaultdict(list)
        for pid, v in self.projects.items():
            if v.project.exclusive_group:
                groups[v.project.exclusive_group].append(pid)
        for group, members in groups.items():
            if len(members) < 2:
                continue
            literals = [self.projects[pid].selected for pid in members]
            guard = self._guard(exclusive_group_rule(group, members))
            if guard:
                self.model.add(sum(literals) <= 1).only_enforce_if(guard)
            else:
                self.model.add_at_most_one(literals)

    def _capacity(self) -> None:
        """Role capacity per month: linear over start literals and/or cumulative."""
        capacity = {
            role: [fte_units(v) for v in values] for role, values in self.portfolio.capacity.items()
        }
        if self.time_indexed:
            self._capacity_linear(capacity)
        # with every start fixed (e.g. a one-month selection) cumulative only repeats the rows
        movable = any(not v.fixed for v in self.projects.values())
        if self.cumulative and (movable or not self.time_indexed):
            self._capacity_cumulative(capacity)

    def _capacity_linear(self, capacity: dict[str, list[int]]) -> None:
        """One row per role and month over the start literals, with its cover cuts."""
        terms: dict[tuple[str, int], Terms] = defaultdict(list)
        for v in self.projects.values():
            for role, row in v.profile.items():
                if role not in capacity:
                    continue
                for s, literal in v.start_at.items():
                    for k, units in enumerate(row):
                        if units > 0 and 0 <= s + k < self.horizon:
                            terms[role, s + k].append((units, literal))
        guards: dict[str, Guard | None] = dict.fromkeys(capacity)
        for (role, t), items in sorted(terms.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            limit = capacity[role][t]
            if sum(units for units, _ in items) <= limit:
                continue  # can never bind
            guard = guards[role]
            if guard is None:
                guard = guards[role] = self._guard(capacity_rule(role))
            self.model.add(sum(u * y for u, y in items) <= limit).only_enforce_if(guard)
            self._covers(items, limit, guard)

    def _covers(self, items: Terms, limit: int, guard: Guard) -> None:
        """Redundant cover constraints: k + 1 demands above capacity/(k + 1) cannot all run.

        They cut off the LP's habit of spreading large demands thinly over many starts.
        """
        previous = -1
        for k in range(1, self.options.cover_depth + 1):
            big = [y for u, y in items if u * (k + 1) > limit]
            if len(big) <= k or len(big) == previous:
                continue
            previous = len(big)
            if k == 1 and not guard:
                self.model.add_at_most_one(big)
            else:
                self.model.add(sum(big) <= k).only_enforce_if(guard)

    def _capacity_cumulative(self, capacity: dict[str, list[int]]) -> None:
        """Per role, a cumulative over the projects' demand and the capacity's dips."""
        m = self.model
        for role, caps in capacity.items():
            peak = max(caps, default=0)
            intervals, demands = self._capacity_dips(role, caps, peak)
            for v in self.projects.values():
                for interval, units in self._role_use(v, role):
                    intervals.append(interval)
                    demands.append(units)
            if any(d > 0 for d in demands):
                block = self._finish_block(role, caps)
                if block is not None:
                    intervals.append(block[0])
                    demands.append(block[1])
                m.add_cumulative(intervals, demands, peak)

    def _capacity_dips(
        self, role: str, caps: list[int], peak: int
    ) -> tuple[list[cp_model.IntervalVar], list[int]]:
        """Capacity below the role's peak, as fixed busy blocks taking the difference."""
        intervals, demands = [], []
        for t0, t1, units in _runs(caps):
            if peak - units > 0:
                intervals.append(self.model.new_interval_var(t0, t1 - t0, t1, f"cap[{role},{t0}]"))
                demands.append(peak - units)
        return intervals, demands

    def _role_use(self, v: ProjectVars, role: str) -> list[tuple[cp_model.IntervalVar, int]]:
        """The project's demand for the role: one optional interval per run of equal FTE."""
        row = v.profile.get(role)
        if not row:
            return []
        pid, uses = v.project.id, []
        for k0, k1, units in _runs(row):
            if units <= 0:
                continue
            name = f"use[{pid},{role},{k0}]"
            if v.fixed:
                s = v.starts[0]
                lo, hi = max(s + k0, 0), min(s + k1, self.horizon)
                if lo >= hi:
                    continue
                interval = self.model.new_optional_interval_var(lo, hi - lo, hi, v.selected, name)
            else:
                start = v.start + k0
                interval = self.model.new_optional_interval_var(
                    start, k1 - k0, start + (k1 - k0), v.selected, name
                )
            uses.append((interval, units))
        return uses

    def _finish_block(self, role: str, caps: list[int]) -> tuple[cp_model.IntervalVar, int] | None:
        """`finish`: the role is fully busy from the finish month on (the busy-after block).

        Redundant (nothing runs after the finish), but lets energy reasoning push the finish
        later; it takes the capacity left free in every month.
        """
        makespan = self.variables.makespan
        if makespan is None or not self.options.makespan_block or min(caps) <= 0:
            return None
        size = self.variables.after_finish(role)
        end = self.variables.block_end
        return self.model.new_interval_var(makespan, size, end, f"after[{role}]"), min(caps)

    def _budget(self) -> None:
        """Each budgeted year: the cost falling in it stays within its budget."""
        if not self.portfolio.budget:
            return
        terms: dict[int, list[cp_model.LinearExprT]] = defaultdict(list)
        worst: dict[int, int] = defaultdict(int)
        for pid, v in self.projects.items():
            rate = monthly_cost(v.project)
            if rate == 0:
                continue
            by_start = {
                s: year_costs(self.portfolio, v.project, s + self.plan_start) for s in v.starts
            }
            for year in self.portfolio.budget:
                costs = [by_start[s].get(year, 0) for s in v.starts]
                if max(costs) <= 0:
                    continue
                worst[year] += max(costs)
                if self.time_indexed:
                    terms[year].extend(
                        c * v.start_at[s] for s, c in zip(v.starts, costs, strict=True) if c
                    )
                else:
                    months = self.variables.months_in_year(pid, year, max(costs) // rate)
                    terms[year].append(rate * months)
        for year, items in sorted(terms.items()):
            limit = money_units(self.portfolio.budget[year])
            if worst[year] <= limit:
                continue
            guard = self._guard(budget_rule(year, self.portfolio.budget[year]))
            self.model.add(sum(items) <= limit).only_enforce_if(guard)

    def _stability(self) -> list[cp_model.LinearExprT]:
        """What the plan gives up for changing the baseline, in score units: points per
        baseline project moved or dropped, and more than any plan is worth per approved
        baseline project dropped (engine.stability). Zero without a baseline."""
        if self.options.diagnosis or not self.baseline:
            return []
        terms: list[cp_model.LinearExprT] = []
        for pid, (offset, weight) in penalty_units(self.portfolio, self.baseline).items():
            if weight <= 0:
                continue
            kept = self.variables.at_baseline(pid, offset) if pid in self.projects else None
            terms.append(weight * (1 - kept) if kept is not None else weight)
        big = approved_penalty(self.portfolio)
        for pid in kept_approved(self.portfolio, self.baseline):
            v = self.projects.get(pid)
            terms.append(big * (1 - v.selected) if v is not None else big)
        return terms

    # ----------------------------------------------------------------- objective
    def _objective(self) -> None:
        """`value`: total score of the selected, less what changing the baseline costs;
        `finish`: the last finish month."""
        if self.options.diagnosis:
            return
        if self.objective is Objective.VALUE:
            self.model.maximize(self.goal())
        else:
            self._finish_objective()

    def goal(self) -> cp_model.LinearExprT:
        """`value`: the total score less the stability penalty, in score units."""
        return self._value() - self.penalty

    def _value(self) -> cp_model.LinearExpr:
        """The total score of the selected projects, in score units."""
        chosen = list(self.projects.values())
        return cp_model.LinearExpr.weighted_sum(
            [v.selected for v in chosen], [score_units(self.portfolio, v.project) for v in chosen]
        )

    def _finish_objective(self) -> None:
        """Minimise the makespan; optionally search by starting the earliest-startable first."""
        self.model.minimize(self.variables.finish)
        if self.options.earliest_first:
            # schedule-generation order: the project that can start earliest starts then
            self.model.add_decision_strategy(
                [v.start for v in self.projects.values()],
                cp_model.CHOOSE_LOWEST_MIN,
                cp_model.SELECT_MIN_VALUE,
            )

    def tie_break(self, best: int) -> None:
        """Keep the objective at `best` and move projects as early as possible.

        Replaces the objective of this model, so the same model serves the second solve.
        """
        steady = set(self.baseline.starts) if self.baseline else set()
        if self.objective is Objective.VALUE:
            self.model.add(self.goal() >= best)
            # baseline projects stay where they are; the others as early as they can
            self.model.minimize(
                sum(v.start - v.starts[0] for pid, v in self.projects.items() if pid not in steady)
            )
        else:
            self.model.add(self.variables.finish <= best)
            ends = sum(v.start + v.project.duration for v in self.projects.values())
            moves = self.penalty
            if not self.baseline:
                self.model.minimize(ends)
            else:  # keep the baseline first, then finish each project early
                most = sum(v.starts[-1] + v.project.duration for v in self.projects.values())
                self.model.minimize(ends + (most + 1) * moves)

    def finish_after_value(self, best: int) -> None:
        """A `value` model: keep the total score at `best` and finish as early as possible
        (`finish` when not every project fits the horizon). Replaces the objective."""
        m = self.model
        m.add(self._value() >= best)
        ends = [v.starts[-1] + v.project.duration for v in self.projects.values()]
        finish = m.new_int_var(0, max([*ends, 0]), "finish")
        for v in self.projects.values():
            m.add(finish >= v.start + v.project.duration).only_enforce_if(v.selected)
        m.minimize(finish)

    def hint(self, starts: dict[str, int]) -> None:
        """Hint every variable from a plan ({project ID: calendar start month})."""
        self.variables.warmstart(starts)

    def plan(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """The selected projects and their calendar start months in the solver's solution."""
        return self.variables.plan(solver)


def _runs(row: list[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal values: (first index, end index, value)."""
    runs, begin = [], 0
    for k in range(1, len(row) + 1):
        if k == len(row) or row[k] != row[begin]:
            runs.append((begin, k, row[begin]))
            begin = k
    return runs
