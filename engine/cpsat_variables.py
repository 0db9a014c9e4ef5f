"""Every CP-SAT variable of the portfolio model, made and named in one place, with the warm start.

Months are offsets from the plan start. Each candidate project has a selection literal
`x[p]`, a start variable `start[p]` and, in the time-indexed formulation, one literal
`y[p,s]` per allowed start `s`; the `finish` objective adds `makespan`; under Settings
"Project managers" = Assign, one literal `pm[p,m]` per project and manager who could run it.
These core variables are made first, before any rule. A few variables belong to one family of
rules and exist only where that family needs them, so they are made on request while the rules
are posted (as PyJobShop makes its makespan lazily): the busy-after-finish block of a role, the
months a project spends in a budget year, and the assumption literal guarding a rule in
diagnosis mode. Making them where the rules ask keeps the model's variable order, and so the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from engine.feasibility import allowed_starts, demand_profile, fte_units
from engine.hiring import Units, first_offset, hired_fte_units
from engine.managers import available, kept_manager
from engine.model import Objective, Portfolio, Project
from engine.months import month
from engine.units import MONTHS_PER_YEAR


@dataclass(frozen=True, slots=True)
class ProjectVars:
    """One candidate project: where it may start, what it needs, and its decision variables."""

    project: Project
    starts: list[int]  # allowed starts as offsets from the plan start, ascending
    profile: dict[str, list[int]]  # FTE units per role for each month of its life
    selected: cp_model.IntVar  # x[p]
    start: cp_model.IntVar  # the chosen start, or the first allowed one when it is out
    start_at: dict[int, cp_model.IntVar]  # y[p,s]: starts at s (time-indexed formulation)

    @property
    def fixed(self) -> bool:
        """Whether the project has a single allowed start."""
        return len(self.starts) == 1


@dataclass(frozen=True, slots=True)
class YearShare:
    """How many of a project's months fall in one budget year (interval-only formulation)."""

    project_id: str
    first: int  # the year's first month as an offset: the year is [first, first + 12)
    length: int  # months the project spends its cost in (a milestone: its start month)
    low: cp_model.IntVar  # max(start, first)
    high: cp_model.IntVar  # min(start + length, first + 12)
    overlap: cp_model.IntVar  # max(high - low, 0)
    counted: cp_model.IntVar  # overlap when selected, 0 otherwise


class Variables:
    """Makes, holds and warm-starts the variables of one `PortfolioModel`."""

    def __init__(
        self,
        model: cp_model.CpModel,
        portfolio: Portfolio,
        objective: Objective,
        *,
        time_indexed: bool,
        diagnosis: bool,
    ) -> None:
        self._model = model
        self._portfolio = portfolio
        self._plan_start = portfolio.settings.plan_start
        self._horizon = portfolio.settings.horizon
        self._time_indexed = time_indexed
        self._diagnosis = diagnosis
        self.projects: dict[str, ProjectVars] = self._project_variables()
        # hiring: units of option h active in month t, and the units that start then
        self.hires: dict[tuple[int, int], cp_model.IntVar] = {}
        self.new_hires: dict[tuple[int, int], cp_model.IntVar] = {}
        if not diagnosis:
            self._hiring_variables()
        self.picks: dict[tuple[str, str], cp_model.IntVar] = self._manager_variables()
        self.makespan: cp_model.IntVar | None = None
        self.block_end = self._horizon  # `finish`: where the busy-after-finish blocks end
        if objective is Objective.FINISH and not diagnosis:
            self.makespan, self.block_end = self._makespan_variable()
        # made on request by the rules that need them (see the module docstring)
        self.after: dict[str, cp_model.IntVar] = {}
        self.year_shares: list[YearShare] = []
        self.guards: dict[int, cp_model.IntVar] = {}  # assumption literal index -> literal
        self.idle: dict[tuple[str, int], tuple[cp_model.IntVar, int, int]] = {}
        self.kept: dict[str, tuple[cp_model.IntVar, int]] = {}  # at its baseline start

    # ----------------------------------------------------------------- core variables
    def _project_variables(self) -> dict[str, ProjectVars]:
        """x, start and y per candidate; projects out of play or with no start stay out."""
        m = self._model
        projects: dict[str, ProjectVars] = {}
        for project in self._portfolio.projects:
            if project.out_of_play or project.id in projects:
                continue
            starts = self._start_domain(project)
            if not starts:
                continue
            pid = project.id
            selected = m.new_bool_var(f"x[{pid}]")
            start = m.new_int_var_from_domain(cp_model.Domain.from_values(starts), f"start[{pid}]")
            start_at = (
                {s: m.new_bool_var(f"y[{pid},{s}]") for s in starts} if self._time_indexed else {}
            )
            projects[pid] = ProjectVars(
                project,
                starts,
                demand_profile(self._portfolio, project),
                selected,
                start,
                start_at,
            )
        return projects

    def _hiring_variables(self) -> None:
        """`hire[h,t]` (units active) and `new[h,t]` (units starting) from the option's first
        month on; options of a role without capacity add nothing (validation says so)."""
        m = self._model
        for h, option in enumerate(self._portfolio.hiring):
            if option.role not in self._portfolio.capacity or option.max_units < 1:
                continue
            for t in range(first_offset(self._portfolio, option), self._horizon):
                name = f"{option.role}/{option.option},{t}"
                self.hires[h, t] = m.new_int_var(0, option.max_units, f"hire[{name}]")
                self.new_hires[h, t] = m.new_int_var(0, option.max_units, f"new[{name}]")

    def _manager_variables(self) -> dict[tuple[str, str], cp_model.IntVar]:
        """Assign: `pm[p,m]` for each manager available at one of the project's starts at least
        (work in flight keeps its manager when that manager is on People)."""
        if not self._portfolio.assigns_managers:
            return {}
        picks = {}
        for pid, v in self.projects.items():
            kept = kept_manager(self._portfolio, v.project)
            for manager in self._portfolio.managers:
                if kept is not None and manager.name != kept:
                    continue
                if any(
                    available(manager, self._portfolio, v.project, s + self._plan_start)
                    for s in v.starts
                ):
                    picks[pid, manager.name] = self._model.new_bool_var(f"pm[{pid},{manager.name}]")
        return picks

    def _start_domain(self, project: Project) -> list[int]:
        """Allowed starts as offsets; in diagnosis mode the whole horizon (windows are rules)."""
        if not self._diagnosis:
            return [s - self._plan_start for s in allowed_starts(self._portfolio, project)]
        last = self._horizon - max(project.duration, 1)
        domain = set(range(0, last + 1))
        if project.fixed_start is not None:
            domain.add(project.fixed_start - self._plan_start)
        return sorted(domain)

    def _makespan_variable(self) -> tuple[cp_model.IntVar, int]:
        """`finish`: the month after the last project ends, the value to minimise; and the end
        of the busy-after-finish blocks (work in flight may run past the horizon)."""
        longest = max(
            (v.starts[-1] + v.project.duration for v in self.projects.values()), default=0
        )
        shortest = max((max(v.project.duration, 0) for v in self.projects.values()), default=0)
        makespan = self._model.new_int_var(shortest, max(longest, shortest), "makespan")
        return makespan, max(longest, shortest, self._horizon)

    @property
    def finish(self) -> cp_model.IntVar:
        """The makespan; only the `finish` objective outside diagnosis mode has one."""
        if self.makespan is None:
            raise ValueError("this model has no makespan: it is not a `finish` model")
        return self.makespan

    # ----------------------------------------------------------------- made on request
    def after_finish(self, role: str) -> cp_model.IntVar:
        """`after[role]`: the months from the finish to the block end, for the role's block."""
        end = self.block_end
        size = self._model.new_int_var(0, end, f"after[{role}]")
        self._model.add(size == end - self.finish)
        self.after[role] = size
        return size

    def months_in_year(self, pid: str, year: int, most: int) -> cp_model.IntVar:
        """How many of the project's months fall in the year (0 when it is not selected)."""
        m = self._model
        v = self.projects[pid]
        first = month(year, 1) - self._plan_start  # the year's months as offsets
        end = first + MONTHS_PER_YEAR
        length = max(v.project.duration, 1)  # a milestone spends its cost in its start month
        low = m.new_int_var(first, max(v.starts[-1], first), f"lo[{pid},{year}]")
        high = m.new_int_var(min(v.starts[0] + length, end), end, f"hi[{pid},{year}]")
        m.add_max_equality(low, [v.start, first])
        m.add_min_equality(high, [v.start + length, end])
        overlap = m.new_int_var(0, most, f"months[{pid},{year}]")
        m.add_max_equality(overlap, [high - low, 0])
        counted = m.new_int_var(0, most, f"counted[{pid},{year}]")
        m.add(counted == overlap).only_enforce_if(v.selected)
        m.add(counted == 0).only_enforce_if(~v.selected)
        self.year_shares.append(YearShare(pid, first, length, low, high, overlap, counted))
        return counted

    def idle_capacity(self, role: str, t: int, peak: int, base: int) -> cp_model.IntVar:
        """`idle[role,t]`: the role's room below `peak` in month t, which hires shrink
        (peak - base - hired FTE), for the cumulative of a role that may hire."""
        terms = self._hired_fte(role, t)
        most = peak - base
        idle = self._model.new_int_var(0, most, f"idle[{role},{t}]")
        self._model.add(idle == most - sum(units * var for units, var in terms))
        self.idle[role, t] = (idle, most, t)
        return idle

    def _hired_fte(self, role: str, t: int) -> list[tuple[int, cp_model.IntVar]]:
        """(FTE units per unit, hire[h,t]) of the role's options active in month t."""
        return [
            (fte_units(self._portfolio.hiring[h].fte), units)
            for (h, month), units in self.hires.items()
            if month == t and self._portfolio.hiring[h].role == role
        ]

    def hired_fte(self, role: str, t: int) -> cp_model.LinearExprT:
        """The FTE units hires add to the role in month t (0 when none may)."""
        return sum(units * var for units, var in self._hired_fte(role, t))

    def at_baseline(self, pid: str, offset: int) -> cp_model.IntVar | None:
        """A literal: the project is selected and starts at `offset`, its baseline start
        (None when that start is not allowed any more)."""
        v = self.projects[pid]
        if offset not in v.starts:
            return None
        if self._time_indexed:
            return v.start_at[offset]
        kept = self._model.new_bool_var(f"kept[{pid}]")
        self._model.add(v.start == offset).only_enforce_if(kept)
        self._model.add_implication(kept, v.selected)
        self.kept[pid] = (kept, offset)
        return kept

    def guard(self) -> cp_model.IntVar:
        """`rule[i]`: a new assumption literal that switches one relaxable rule on."""
        literal = self._model.new_bool_var(f"rule[{len(self.guards)}]")
        self.guards[literal.index] = literal
        self._model.add_assumption(literal)
        return literal

    # ----------------------------------------------------------------- warm start and plan
    def warmstart(
        self,
        starts: dict[str, int],
        hires: Units | None = None,
        managers: dict[str, str] | None = None,
    ) -> None:
        """Hint every variable from a plan ({project ID: calendar start month}), its hires
        ({(option index, offset): units}; none: no hires) and, under Assign, its managers
        ({project ID: manager}).

        A complete hint is CP-SAT's first solution at once; a partial one may be dropped.
        """
        m = self._model
        m.clear_hints()
        hires = hires or {}
        for (h, t), units in self.hires.items():
            count = hires.get((h, t), 0)
            m.add_hint(units, count)
            before = hires.get((h, t - 1), 0) if (h, t - 1) in self.hires else 0
            m.add_hint(self.new_hires[h, t], max(count - before, 0))
        for (pid, name), literal in self.picks.items():
            m.add_hint(literal, pid in starts and (managers or {}).get(pid) == name)
        for pid, v in self.projects.items():
            chosen = starts.get(pid)
            offset = None if chosen is None else chosen - self._plan_start
            if offset is not None and offset not in v.starts:
                offset = None
            m.add_hint(v.selected, offset is not None)
            m.add_hint(v.start, v.starts[0] if offset is None else offset)
            for s, literal in v.start_at.items():
                m.add_hint(literal, s == offset)
        added = hired_fte_units(self._portfolio, hires)
        for (role, t), (idle, most, _) in self.idle.items():
            m.add_hint(idle, most - added.get(role, [0] * (t + 1))[t])
        for share in self.year_shares:
            chosen = starts.get(share.project_id)
            v = self.projects[share.project_id]
            o = v.starts[0] if chosen is None else chosen - self._plan_start
            end = share.first + MONTHS_PER_YEAR
            low, high = max(o, share.first), min(o + share.length, end)
            m.add_hint(share.low, low)
            m.add_hint(share.high, high)
            m.add_hint(share.overlap, max(high - low, 0))
            m.add_hint(share.counted, 0 if chosen is None else max(high - low, 0))
        for pid, (kept, offset) in self.kept.items():
            chosen = starts.get(pid)
            m.add_hint(kept, chosen is not None and chosen - self._plan_start == offset)
        if self.makespan is not None and starts:
            ends = [
                starts[pid] - self._plan_start + v.project.duration
                for pid, v in self.projects.items()
                if pid in starts
            ]
            m.add_hint(self.makespan, max(ends))
            for size in self.after.values():
                m.add_hint(size, self.block_end - max(ends))

    def hired(self, solver: cp_model.CpSolver) -> dict[tuple[int, int], int]:
        """The hires in the solver's solution: {(option index, offset): units}, nonzero only."""
        return {
            key: value for key, units in self.hires.items() if (value := solver.value(units)) > 0
        }

    def managers(self, solver: cp_model.CpSolver) -> dict[str, str]:
        """Under Assign, the manager of each selected project in the solver's solution."""
        return {
            pid: name
            for (pid, name), literal in self.picks.items()
            if solver.boolean_value(literal)
        }

    def plan(self, solver: cp_model.CpSolver) -> dict[str, int]:
        """The selected projects and their calendar start months in the solver's solution."""
        return {
            pid: self._plan_start + solver.value(v.start)
            for pid, v in self.projects.items()
            if solver.boolean_value(v.selected)
        }
