"""The CP-SAT model of selection and scheduling, one private method per family of rules.

The variables (`engine.cpsat_variables`) are made first: per candidate project a selection
literal `x[p]`, a start variable `start[p]` and, time-indexed, one literal `y[p,s]` per
allowed start `s` (sum = x). Capacity and budget are linear over the `y` literals (a strong
LP relaxation); `cumulative` adds CP propagation on top, over optional intervals per role.

Under Settings "Project managers" = Assign, each selected project also takes one manager
from People (`pm[p,m]`), within the manager's availability and at most their number of
projects at once (a cumulative per manager).

In diagnosis mode every rule that a PMO can relax (a must-run flag, a fixed start, a window,
a role's capacity, a year's budget, a dependency, an exclusive group, a manager's limits)
is guarded by its own
assumption literal, so the solver can name a small set of rules that cannot hold together.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from engine.balance import coefficients
from engine.cpsat_variables import ProjectVars, Variables
from engine.determinism import DETERMINISTIC_PER_SECOND, WALL_FLOOR, WALL_SAFETY
from engine.feasibility import allowed_starts, fte_units, money_units, monthly_cost, year_costs
from engine.hiring import Units, options_by_role
from engine.managers import assign_managers, availability_text, available, occupied
from engine.model import DependencyType, Objective, Portfolio
from engine.months import year_of
from engine.plan import score_units
from engine.stability import Baseline, approved_penalty, kept_approved, penalty_units
from engine.wording import (
    balance_rule,
    budget_rule,
    capacity_rule,
    dependency_rule,
    exclusive_group_rule,
    fixed_start_rule,
    manager_rule,
    must_run_rule,
    needs_manager_rule,
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
    # `value`: HiGHS on the time-indexed MIP first (engine.optimiser); None: where it pays,
    # on portfolios of HIGHS_MIN_PROJECTS or more or a pure selection (engine.optimiser)
    highs: bool | None = None
    # CP-SAT with one full-problem search and one thread more than the workers on
    # neighbourhoods of the best plan (engine.optimiser._solver); a lever that did not pay
    neighbourhoods: bool = False


# Start literals give a strong LP bound on small portfolios; past this many (project, start)
# pairs the LP slows CP-SAT more than it helps (bench/run_engine.py, docs/benchmarks.md).
TIME_INDEXED_LIMIT = 3000
HINT_SECONDS = 1.0  # Assign: for matching managers to a warm-start plan (any match will do)


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
        # roles that may hire (none in diagnosis mode: a conflict is named without hires)
        self.hiring_roles = {} if options.diagnosis else options_by_role(portfolio)
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
        self._hiring()
        self._balance()
        self._project_managers()
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
            rule = dependency_rule(dep, self.portfolio)
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
            guard = self._guard(exclusive_group_rule(group, members, self.portfolio))
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
            hired = self.variables.hired_fte(role, t)
            self.model.add(sum(u * y for u, y in items) <= limit + hired).only_enforce_if(guard)
            if not self.hiring_roles.get(role):
                self._covers(items, limit, guard)  # with hires the limit moves: no covers

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
        demands: list[cp_model.LinearExprT]
        for role, caps in capacity.items():
            if self.hiring_roles.get(role):
                peak, (intervals, demands) = self._capacity_with_hires(role, caps)
            else:
                peak = max(caps, default=0)
                intervals, fixed = self._capacity_dips(role, caps, peak)
                demands = list(fixed)
            for v in self.projects.values():
                for interval, units in self._role_use(v, role):
                    intervals.append(interval)
                    demands.append(units)
            if any(not isinstance(d, int) or d > 0 for d in demands):
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

    def _capacity_with_hires(
        self, role: str, caps: list[int]
    ) -> tuple[int, tuple[list[cp_model.IntervalVar], list[cp_model.LinearExprT]]]:
        """A role that may hire: its peak with every hire, and one busy block a month taking
        the room that month does not have (shrinking as hires arrive)."""
        most = [0] * len(caps)
        for h in self.hiring_roles[role]:
            option = self.portfolio.hiring[h]
            for t in range(len(caps)):
                if (h, t) in self.variables.hires:
                    most[t] += option.max_units * fte_units(option.fte)
        peak = max((c + extra for c, extra in zip(caps, most, strict=True)), default=0)
        intervals: list[cp_model.IntervalVar] = []
        demands: list[cp_model.LinearExprT] = []
        for t, base in enumerate(caps):
            if peak - base <= 0:
                continue
            block = self.model.new_interval_var(t, 1, t + 1, f"room[{role},{t}]")
            intervals.append(block)
            demands.append(
                self.variables.idle_capacity(role, t, peak, base) if most[t] else peak - base
            )
        return peak, (intervals, demands)

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
            if rate == 0 and v.project.remaining_cost is None:
                continue
            by_start = {
                s: year_costs(self.portfolio, v.project, s + self.plan_start) for s in v.starts
            }
            for year in self.portfolio.budget:
                costs = [by_start[s].get(year, 0) for s in v.starts]
                if max(costs) <= 0:
                    continue
                worst[year] += max(costs)
                if v.fixed:  # one start: the year's cost is a constant times x
                    terms[year].append(costs[0] * v.selected)
                elif self.time_indexed:
                    terms[year].extend(
                        c * v.start_at[s] for s, c in zip(v.starts, costs, strict=True) if c
                    )
                else:
                    months = self.variables.months_in_year(pid, year, max(costs) // rate)
                    terms[year].append(rate * months)
        for (h, t), units in self.variables.hires.items():
            year = year_of(self.plan_start + t)
            rate = money_units(self.portfolio.hiring[h].monthly_cost)
            if year in self.portfolio.budget and rate > 0:
                terms[year].append(rate * units)
                worst[year] += rate * self.portfolio.hiring[h].max_units
        for year, items in sorted(terms.items()):
            limit = money_units(self.portfolio.budget[year])
            if worst[year] <= limit:
                continue
            guard = self._guard(budget_rule(year, self.portfolio.budget[year]))
            self.model.add(sum(items) <= limit).only_enforce_if(guard)

    def _hiring(self) -> None:
        """Hires: units start in `new`, and once started stay their option's minimum months.

        `new[h,t] >= hire[h,t] - hire[h,t-1]`, and the units active in month t are at least
        those that started in its last `min_months` months (first in, first out: see
        `engine.hiring`).
        """
        m, hires, new = self.model, self.variables.hires, self.variables.new_hires
        for (h, t), units in hires.items():
            before = hires.get((h, t - 1))
            m.add(new[h, t] >= units - (before if before is not None else 0))
            span = self.portfolio.hiring[h].min_months
            recent = [new[h, k] for k in range(t - span + 1, t + 1) if (h, k) in new]
            if len(recent) > 1:
                m.add(units >= sum(recent))

    def _balance(self) -> None:
        """Balance rules: each group's share of the selection within its minimum and
        maximum, as `sum(coefficient x selected) >= 0` (`engine.balance`)."""
        for rule in self.portfolio.balance:
            rows = coefficients(self.portfolio, rule)
            guard = self._guard(balance_rule(rule))
            for side in (0, 1):
                terms = [
                    (rows[pid][side], v.selected) for pid, v in self.projects.items() if pid in rows
                ]
                terms = [(c, x) for c, x in terms if c]
                if not terms or all(c >= 0 for c, _ in terms):
                    continue  # holds whatever is selected
                expr = cp_model.LinearExpr.weighted_sum(
                    [x for _, x in terms], [c for c, _ in terms]
                )
                self.model.add(expr >= 0).only_enforce_if(guard)

    def hiring_cost(self) -> cp_model.LinearExpr:
        """What the hires cost, in whole money units (at least 1 a unit-month, so that
        capacity that buys nothing is never added)."""
        items = list(self.variables.hires.items())
        return cp_model.LinearExpr.weighted_sum(
            [units for _, units in items],
            [max(1, round(self.portfolio.hiring[h].monthly_cost)) for (h, _t), _ in items],
        )

    def _project_managers(self) -> None:
        """Assign: one manager per selected project, available in all its months, and no
        manager on more projects at once than People allows."""
        if not self.portfolio.assigns_managers:
            return
        m = self.model
        picks = self.variables.picks
        needs = self._guard(needs_manager_rule())
        for pid, v in self.projects.items():
            literals = [literal for (p, _), literal in picks.items() if p == pid]
            m.add(sum(literals) == v.selected).only_enforce_if(needs)
        for manager in self.portfolio.managers:
            mine = {pid: literal for (pid, name), literal in picks.items() if name == manager.name}
            if not mine:
                continue
            guard = self._guard(
                manager_rule(manager.name, manager.max_projects, availability_text(manager))
            )
            intervals = []
            for pid, literal in mine.items():
                v = self.projects[pid]
                ok = [
                    s
                    for s in v.starts
                    if available(manager, self.portfolio, v.project, s + self.plan_start)
                ]
                if len(ok) < len(v.starts):  # not available at some starts: not then
                    m.add_linear_expression_in_domain(
                        v.start, cp_model.Domain.from_values(ok)
                    ).only_enforce_if([*guard, literal])
                interval = self._manager_interval(v, manager.name, literal, guard)
                if interval is not None:
                    intervals.append(interval)
            if len(intervals) > manager.max_projects:
                m.add_cumulative(intervals, [1] * len(intervals), manager.max_projects)
        self._manager_slots()

    def _manager_slots(self) -> None:
        """Redundant, for the LP bound (time-indexed): in each month no more projects run than
        the managers available then have room for, as each takes one manager's place."""
        if not self.time_indexed or self.options.diagnosis:
            return
        slots = []
        for t in range(self.horizon):
            month = self.plan_start + t
            slots.append(
                sum(
                    p.max_projects
                    for p in self.portfolio.managers
                    if (p.available_from is None or p.available_from <= month)
                    and (p.available_to is None or month <= p.available_to)
                )
            )
        running: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for v in self.projects.values():
            for s, literal in v.start_at.items():
                for t in range(max(s, 0), min(s + max(v.project.duration, 1), self.horizon)):
                    running[t].append(literal)
        for t, literals in sorted(running.items()):
            if len(literals) > slots[t]:
                self.model.add(sum(literals) <= slots[t])

    def _manager_interval(
        self, v: ProjectVars, name: str, literal: cp_model.IntVar, guard: Guard
    ) -> cp_model.IntervalVar | None:
        """The months the manager runs the project, present when they are its manager (and,
        in diagnosis mode, when the manager's rule is on)."""
        m = self.model
        present = literal
        if guard:  # a cumulative takes no enforcement literal: guard its intervals instead
            present = m.new_bool_var(f"pm_on[{v.project.id},{name}]")
            m.add(present == literal).only_enforce_if(guard)
            m.add(present == 0).only_enforce_if(~guard[0])
        label = f"pm_use[{v.project.id},{name}]"
        if v.fixed:
            months = occupied(self.portfolio, v.project, v.starts[0] + self.plan_start)
            if not months:
                return None
            first, end = months[0], months[-1] + 1
            return m.new_optional_interval_var(first, end - first, end, present, label)
        size = max(v.project.duration, 1)
        if v.starts[0] >= 0:
            return m.new_optional_interval_var(v.start, size, v.start + size, present, label)
        # diagnosis mode may start work in flight before the plan: count horizon months only
        lo = m.new_int_var(0, max(v.starts[-1], 0), f"pm_lo[{v.project.id},{name}]")
        hi = m.new_int_var(0, v.starts[-1] + size, f"pm_hi[{v.project.id},{name}]")
        m.add_max_equality(lo, [v.start, 0])
        m.add_max_equality(hi, [v.start + size, 0])
        length = m.new_int_var(0, size, f"pm_len[{v.project.id},{name}]")
        m.add(length == hi - lo)
        return m.new_optional_interval_var(lo, length, hi, present, label)

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
        """`value`: total score of the selected, less what changing the baseline costs, then
        the least hiring cost; `finish`: the last finish month."""
        if self.options.diagnosis:
            return
        if self.objective is Objective.VALUE:
            if self.variables.hires:
                # value first: any score unit outweighs every hire (value_scale > all costs)
                self.model.maximize(self.value_scale * self.goal() - self.hiring_cost())
            else:
                self.model.maximize(self.goal())
        else:
            self._finish_objective()

    @property
    def value_scale(self) -> int:
        """The `value` objective's weight on score units (1 without hires)."""
        if not self.variables.hires:
            return 1
        return 1 + sum(
            max(1, round(self.portfolio.hiring[h].monthly_cost))
            * self.portfolio.hiring[h].max_units
            for (h, _t) in self.variables.hires
        )

    def value_units(self, raw: float) -> float:
        """A solver objective (or bound) in score units: the value part of it (the score
        less the stability penalty)."""
        scale = self.value_scale
        return raw if scale == 1 else math.floor((raw + scale - 1) / scale)

    def goal(self) -> cp_model.LinearExpr:
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

    def tie_break(self, best: int, hire_cost: int | None = None) -> None:
        """Keep the objective at `best` (and hires at no more than `hire_cost`) and move
        projects as early as possible.

        Replaces the objective of this model, so the same model serves the second solve.
        """
        steady = set(self.baseline.starts) if self.baseline else set()
        if self.objective is Objective.VALUE:
            self.model.add(self.goal() >= best)
            if hire_cost is not None and self.variables.hires:
                self.model.add(self.hiring_cost() <= hire_cost)
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

    def hint(
        self,
        starts: dict[str, int],
        hires: Units | None = None,
        managers: dict[str, str] | None = None,
    ) -> None:
        """Hint every variable from a plan ({project ID: calendar start month}) and its hires;
        under Assign, with its managers (by default, the plan's preference-best staffing)."""
        if managers is None and self.variables.picks:
            # reproducible: stopped by work done, so the hint is the same on any machine
            work = HINT_SECONDS * DETERMINISTIC_PER_SECOND
            by_work = self.portfolio.settings.reproducible
            managers = (
                assign_managers(
                    self.portfolio,
                    starts,
                    time_limit=max(WALL_SAFETY * HINT_SECONDS, WALL_FLOOR)
                    if by_work
                    else HINT_SECONDS,
                    work=work if by_work else None,
                )
                or {}
            )
        self.variables.warmstart(starts, hires, managers)

    def hired(self, solver: cp_model.CpSolver) -> dict[tuple[int, int], int]:
        """The hires in the solver's solution: {(option index, offset): units}."""
        return self.variables.hired(solver)

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
