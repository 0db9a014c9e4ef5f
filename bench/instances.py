"""Public benchmark instances as small frozen records, and their conversion to a `Portfolio`.

Three families, each with a best-known table (`best_known.csv`) beside the instances:

* PSPLIB single-mode RCPSP (`.sm`, J30/J60/J120): minimise the makespan.
* MPLIB1 multi-project RCMPSP (OR&S `.rcmp` text): minimise the total portfolio makespan.
* OR-Library multidimensional 0-1 knapsack (`mknap1.txt`, `mknapcb*.txt`): maximise value.

Times in the scheduling sets are abstract periods; the converters read them as months from
`plan_start`. The data folder is `$PMO_BENCHMARKS` when set, else the copies in `tests/data`.
"""

from __future__ import annotations

import csv
import heapq
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.errors import FileError
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Objective,
    Portfolio,
    Project,
    Settings,
)
from engine.months import month

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = REPO_ROOT / "tests" / "data"
DEFAULT_PLAN_START = month(2030, 1)

# Folder names per family: the full benchmark tree first, then the test copies.
FAMILY_FOLDERS = {
    "psplib": ("psplib_rcpsp", "psplib"),
    "mplib1": ("mplib1_rcmpsp", "mplib1"),
    "mknap": ("mknap",),
}


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class RcpspInstance:
    """A single-mode RCPSP; activity j (0-based) is job j + 1 of the file, dummies included."""

    name: str
    durations: tuple[int, ...]
    successors: tuple[tuple[int, ...], ...]  # 0-based activity indices
    demands: tuple[tuple[int, ...], ...]  # demands[j][k]: units of resource k activity j uses
    capacities: tuple[int, ...]
    horizon: int  # the file's own horizon (an upper bound on the makespan)

    @property
    def n_activities(self) -> int:
        """Activities including the dummy source and sink."""
        return len(self.durations)

    @property
    def n_resources(self) -> int:
        """Renewable resources."""
        return len(self.capacities)


@dataclass(frozen=True, slots=True)
class RcmpspInstance:
    """A multi-project RCPSP: projects share renewable resources; indices are 0-based."""

    name: str
    capacities: tuple[int, ...]
    releases: tuple[int, ...]  # per project: earliest start of its activities
    durations: tuple[tuple[int, ...], ...]  # [project][activity]
    demands: tuple[tuple[tuple[int, ...], ...], ...]  # [project][activity][resource]
    successors: tuple[tuple[tuple[tuple[int, int], ...], ...], ...]  # [p][a] -> ((p2, a2), ...)

    @property
    def n_projects(self) -> int:
        """Projects in the portfolio."""
        return len(self.durations)

    @property
    def n_activities(self) -> int:
        """Activities over all projects, dummies included."""
        return sum(len(d) for d in self.durations)


@dataclass(frozen=True, slots=True)
class KnapsackInstance:
    """A multidimensional 0-1 knapsack: max sum v_j x_j s.t. sum_j w_ij x_j <= b_i."""

    name: str
    values: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]  # weights[i][j]: item j in constraint i
    capacities: tuple[float, ...]
    best_known: float | None = None  # the value stated in the file (None when it gives 0)

    @property
    def n_items(self) -> int:
        """Items (candidate projects)."""
        return len(self.values)

    @property
    def n_constraints(self) -> int:
        """Knapsack constraints (resources)."""
        return len(self.capacities)


@dataclass(frozen=True, slots=True)
class BestKnown:
    """A best-known objective value and the best proven bound on it."""

    value: float
    is_optimal: bool
    bound: float | None  # lower bound for makespans, upper bound for knapsack values


# ---------------------------------------------------------------------------------------------
# Locations and best-known tables


def data_root() -> Path:
    """The benchmark folder: `$PMO_BENCHMARKS` when set, else the small copies in tests/data."""
    configured = os.environ.get("PMO_BENCHMARKS")
    return Path(configured) if configured else TEST_DATA


def family_dir(family: str, root: Path | None = None) -> Path:
    """The folder of one family ("psplib", "mplib1", "mknap") under the data root."""
    if family not in FAMILY_FOLDERS:
        raise KeyError(f"unknown benchmark family {family!r}; known: {', '.join(FAMILY_FOLDERS)}")
    base = root or data_root()
    for folder in FAMILY_FOLDERS[family]:
        if (base / folder).is_dir():
            return base / folder
    raise FileError(f"no {family} folder ({' or '.join(FAMILY_FOLDERS[family])}) in {base}")


def best_known(family: str, name: str, root: Path | None = None) -> BestKnown:
    """The best-known value of an instance, e.g. `best_known("psplib", "j301_1").value == 43`.

    Instance names: PSPLIB `j301_1`; MPLIB1 `MPLIB1_Set3_0`; knapsack `mknap1-1` (1-based
    problem of mknap1.txt) or `5.100-00` (Chu & Beasley: constraints.items-index).
    """
    table = _table(family_dir(family, root) / "best_known.csv")
    if name not in table:
        raise KeyError(f"{name!r} is not in the {family} best-known table")
    row = table[name]
    value = float(row["value"])
    is_optimal = row["is_optimal"].strip() == "1"
    bound_column = "lp_relaxation_ub" if family == "mknap" else "lower_bound"
    bound_text = row.get(bound_column, "").strip()
    bound = value if is_optimal else (float(bound_text) if bound_text else None)
    return BestKnown(value, is_optimal, bound)


def instance_names(family: str, root: Path | None = None) -> list[str]:
    """Every instance of the family's best-known table that has a file under the root."""
    folder = family_dir(family, root)
    table = _table(folder / "best_known.csv")
    return [name for name in table if _instance_file(family, name, folder, table).is_file()]


def load(family: str, name: str, root: Path | None = None):
    """Read one instance by its best-known-table name (see `best_known` for the names)."""
    folder = family_dir(family, root)
    table = _table(folder / "best_known.csv")
    path = _instance_file(family, name, folder, table)
    if not path.is_file():
        raise FileError(f"no file for {family} instance {name!r} (looked for {path})")
    if family == "psplib":
        return read_psplib(path)
    if family == "mplib1":
        return read_mplib(path)
    return read_mknap(path)[int(table[name]["index_in_file"])]


def _instance_file(family: str, name: str, folder: Path, table: dict) -> Path:
    if family == "psplib":
        psplib_set = next((s for s in ("j120", "j90", "j60", "j30") if name.startswith(s)), "")
        return folder / psplib_set / f"{name}.sm"
    if family == "mplib1":
        return folder / "instances" / f"{name}.txt"
    if name not in table:
        raise KeyError(f"{name!r} is not in the {family} best-known table")
    return folder / table[name]["file"]


@lru_cache(maxsize=8)
def _table(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


# ---------------------------------------------------------------------------------------------
# Parsers


def read_psplib(path: str | Path) -> RcpspInstance:
    """Read a PSPLIB single-mode `.sm` file (J30, J60, J120)."""
    path = Path(path)
    lines = path.read_text().splitlines()
    jobs = _header_int(lines, r"jobs \(incl\. supersource/sink \)", path)
    horizon = _header_int(lines, r"horizon", path)
    renewable = _header_int(lines, r"-\s*renewable", path)

    successors: list[tuple[int, ...]] = []
    for number, row in _section(lines, "PRECEDENCE RELATIONS:", 1, jobs, path):
        if len(row) < 3 or len(row) != 3 + row[2]:
            raise FileError(f"{path.name} line {number}: expected job, modes, count, successors")
        successors.append(tuple(s - 1 for s in row[3:]))

    durations: list[int] = []
    demands: list[tuple[int, ...]] = []
    for number, row in _section(lines, "REQUESTS/DURATIONS:", 2, jobs, path):
        if len(row) < 3 + renewable:
            raise FileError(
                f"{path.name} line {number}: expected job, mode, duration and {renewable} requests"
            )
        durations.append(row[2])
        demands.append(tuple(row[3 : 3 + renewable]))

    ((_, capacities),) = _section(lines, "RESOURCEAVAILABILITIES:", 1, 1, path)
    if len(capacities) < renewable:
        raise FileError(f"{path.name}: {len(capacities)} availabilities for {renewable} resources")
    return RcpspInstance(
        path.stem,
        tuple(durations),
        tuple(successors),
        tuple(demands),
        tuple(capacities[:renewable]),
        horizon,
    )


def _header_int(lines: list[str], label: str, path: Path) -> int:
    pattern = re.compile(rf"^\s*{label}\s*:\s*(\d+)")
    for line in lines:
        found = pattern.match(line)
        if found:
            return int(found.group(1))
    raise FileError(f"{path.name}: no header line matching {label!r}")


def _section(lines: list[str], title: str, skip: int, count: int, path: Path):
    """`count` rows of integers after the line `title` and `skip` heading lines."""
    try:
        first = next(i for i, line in enumerate(lines) if line.strip() == title) + 1 + skip
    except StopIteration:
        raise FileError(f"{path.name}: no section {title!r}") from None
    rows = []
    for i in range(first, first + count):
        if i >= len(lines):
            raise FileError(
                f"{path.name}: section {title!r} ends after {i - first} of {count} rows"
            )
        try:
            rows.append((i + 1, [int(t) for t in lines[i].split()]))
        except ValueError:
            raise FileError(
                f"{path.name} line {i + 1}: expected whole numbers, found {lines[i].strip()!r}"
            ) from None
    return rows


def read_mplib(path: str | Path) -> RcmpspInstance:
    """Read an MPLIB1 multi-project file (the OR&S RCMP text format).

    Layout: projects; resources; capacities; then per project `activities release`, a line of
    resource-use flags, and per activity `duration demands... count successors...`, where each
    successor is written `project:activity` (1-based).
    """
    path = Path(path)
    lines = [
        (n, line.split()) for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip()
    ]
    rows = iter(lines)

    def take(what: str) -> tuple[int, list[str]]:
        try:
            return next(rows)
        except StopIteration:
            raise FileError(f"{path.name}: file ends before {what}") from None

    def ints(number: int, tokens: list[str]) -> list[int]:
        try:
            return [int(t) for t in tokens]
        except ValueError:
            raise FileError(
                f"{path.name} line {number}: expected whole numbers, found {' '.join(tokens)!r}"
            ) from None

    n_projects = ints(*take("the project count"))[0]
    n_resources = ints(*take("the resource count"))[0]
    capacities = ints(*take("the capacities"))
    if len(capacities) != n_resources:
        raise FileError(f"{path.name}: {len(capacities)} capacities for {n_resources} resources")
    releases, durations, demands, successors = [], [], [], []
    for p in range(n_projects):
        n_activities, release = ints(*take(f"project {p + 1}"))[:2]
        take(f"the resource flags of project {p + 1}")
        releases.append(release)
        p_durations, p_demands, p_successors = [], [], []
        for a in range(n_activities):
            number, tokens = take(f"activity {a + 1} of project {p + 1}")
            head = ints(number, tokens[: n_resources + 2])
            links = tokens[n_resources + 2 :]
            if len(head) != n_resources + 2 or len(links) != head[-1]:
                raise FileError(
                    f"{path.name} line {number}: expected duration, "
                    f"{n_resources} demands, a count and that many successors"
                )
            p_durations.append(head[0])
            p_demands.append(tuple(head[1:-1]))
            p_successors.append(tuple(_link(text, number, path) for text in links))
        durations.append(tuple(p_durations))
        demands.append(tuple(p_demands))
        successors.append(tuple(p_successors))
    leftover = next(rows, None)
    if leftover is not None:
        raise FileError(f"{path.name} line {leftover[0]}: unexpected data after the last project")
    return RcmpspInstance(
        path.stem,
        tuple(capacities),
        tuple(releases),
        tuple(durations),
        tuple(demands),
        tuple(successors),
    )


def _link(text: str, number: int, path: Path) -> tuple[int, int]:
    project, _, activity = text.partition(":")
    if not (project.isdigit() and activity.isdigit()):
        raise FileError(f"{path.name} line {number}: successor {text!r} is not project:activity")
    return int(project) - 1, int(activity) - 1


def read_mknap(path: str | Path) -> tuple[KnapsackInstance, ...]:
    """Read every problem of an OR-Library mknap file (`mknap1.txt`, `mknapcb1.txt`, ...).

    Layout (whitespace separated, wrapping freely): K; then per problem `n m opt`, the n
    values, m rows of n weights and the m capacities. `opt` is 0 when not given.
    """
    path = Path(path)
    tokens = path.read_text().split()
    position = 0

    def take(count: int) -> list[float]:
        nonlocal position
        if position + count > len(tokens):
            raise FileError(f"{path.name}: file ends early ({len(tokens)} numbers)")
        chunk = tokens[position : position + count]
        position += count
        try:
            return [_number(t) for t in chunk]
        except ValueError:
            raise FileError(f"{path.name}: non-numeric value among {chunk[:5]!r}") from None

    count = int(take(1)[0])
    problems = []
    for index in range(count):
        n, m, opt = take(3)
        n, m = int(n), int(m)
        values = tuple(take(n))
        weights = tuple(tuple(take(n)) for _ in range(m))
        capacities = tuple(take(m))
        problems.append(
            KnapsackInstance(
                _knapsack_name(path.stem, index, n, m), values, weights, capacities, opt or None
            )
        )
    if position != len(tokens):
        raise FileError(
            f"{path.name}: {len(tokens) - position} numbers left after {count} problems"
        )
    return tuple(problems)


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _knapsack_name(stem: str, index: int, n: int, m: int) -> str:
    """The name used in best_known.csv: `mknap1-3` or `5.100-07`."""
    if stem.startswith("mknapcb"):
        return f"{m}.{n}-{index:02d}"
    return f"{stem}-{index + 1}"


# ---------------------------------------------------------------------------------------------
# A feasible schedule (an upper bound on the makespan, usable as a tight horizon)


def serial_schedule(
    durations: Sequence[int],
    successors: Sequence[Sequence[int]],
    demands: Sequence[Sequence[int]],
    capacities: Sequence[int],
    releases: Sequence[int] | None = None,
) -> list[int]:
    """Start times from the serial schedule-generation scheme, latest-start-time priority.

    Every activity starts at the earliest time after its predecessors (and release) at which
    its demands fit the remaining capacity for its whole duration, so the result is feasible.
    """
    n = len(durations)
    predecessors: list[list[int]] = [[] for _ in range(n)]
    for j, succ in enumerate(successors):
        for k in succ:
            predecessors[k].append(j)
    priority = _latest_starts(durations, successors)
    waiting = [len(p) for p in predecessors]
    ready = [(priority[j], j) for j in range(n) if waiting[j] == 0]
    heapq.heapify(ready)
    used: list[list[int]] = [[] for _ in capacities]
    starts = [0] * n
    placed = 0
    while ready:
        _, j = heapq.heappop(ready)
        placed += 1
        t = max(
            [starts[i] + durations[i] for i in predecessors[j]] + [releases[j] if releases else 0]
        )
        starts[j] = t = _first_fit(t, durations[j], demands[j], capacities, used)
        for k, need in enumerate(demands[j]):
            row = used[k]
            row.extend([0] * (t + durations[j] - len(row)))
            for u in range(t, t + durations[j]):
                row[u] += need
        for k in successors[j]:
            waiting[k] -= 1
            if waiting[k] == 0:
                heapq.heappush(ready, (priority[k], k))
    if placed != n:
        raise ValueError("the precedence graph has a cycle")
    return starts


def _latest_starts(durations: Sequence[int], successors: Sequence[Sequence[int]]) -> list[int]:
    """Latest start of each activity without resource limits (a classic priority rule)."""
    n = len(durations)
    latest: list[int | None] = [None] * n
    total = sum(durations)

    def visit(j: int) -> int:
        # iterative DFS: deep precedence chains would overflow recursion
        stack = [j]
        while stack:
            top = stack[-1]
            pending = [k for k in successors[top] if latest[k] is None]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if latest[top] is None:
                finish = min((latest[k] for k in successors[top]), default=total)
                latest[top] = finish - durations[top]
        return latest[j]

    return [visit(j) for j in range(n)]


def _first_fit(
    t: int, duration: int, need: Sequence[int], capacities: Sequence[int], used: list[list[int]]
) -> int:
    for k, amount in enumerate(need):
        if amount > capacities[k]:
            raise ValueError(
                f"an activity needs {amount} of resource {k + 1}, capacity {capacities[k]}"
            )
    while True:
        clash = None
        for k, amount in enumerate(need):
            row = used[k]
            for u in range(t, min(t + duration, len(row))):
                if amount and row[u] + amount > capacities[k]:
                    clash = u if clash is None else max(clash, u)
                    break
        if clash is None:
            return t
        t = clash + 1


def rcpsp_upper_bound(instance: RcpspInstance) -> int:
    """The makespan of the serial schedule: a feasible, usually tight horizon."""
    starts = serial_schedule(
        instance.durations, instance.successors, instance.demands, instance.capacities
    )
    return max(s + d for s, d in zip(starts, instance.durations, strict=True))


def rcmpsp_upper_bound(instance: RcmpspInstance) -> int:
    """The total portfolio makespan of the serial schedule over all projects."""
    durations, successors, demands, releases = _flatten(instance)
    starts = serial_schedule(durations, successors, demands, instance.capacities, releases)
    return max(s + d for s, d in zip(starts, durations, strict=True))


def _flatten(instance: RcmpspInstance):
    offsets, total = [], 0
    for p_durations in instance.durations:
        offsets.append(total)
        total += len(p_durations)
    durations = [d for p in instance.durations for d in p]
    demands = [r for p in instance.demands for r in p]
    successors = [[offsets[q] + b for q, b in links] for p in instance.successors for links in p]
    releases = [instance.releases[p] for p, ds in enumerate(instance.durations) for _ in ds]
    return durations, successors, demands, releases


# ---------------------------------------------------------------------------------------------
# Converters


def rcpsp_to_portfolio(
    instance: RcpspInstance,
    plan_start: int = DEFAULT_PLAN_START,
    horizon: int | None = None,
) -> Portfolio:
    """The RCPSP as a portfolio to schedule in full with objective `finish`.

    Activity j (file job number) becomes mandatory project `A{j}` of its duration in months
    (the dummy source and sink are 0-month milestones); resource k becomes role `R{k}` with
    constant capacity; precedences become FS links with lag 0. The default horizon is the sum
    of durations or the file's horizon, whichever is larger; the makespan is the latest
    `start + duration` minus `plan_start`.
    """
    ids = [f"A{j + 1}" for j in range(instance.n_activities)]
    horizon = horizon or max(sum(instance.durations), instance.horizon)
    projects = [
        Project(id=ids[j], mandatory=True, duration=d) for j, d in enumerate(instance.durations)
    ]
    roles = [f"R{k + 1}" for k in range(instance.n_resources)]
    demands = [
        Demand(ids[j], roles[k], float(units))
        for j, row in enumerate(instance.demands)
        for k, units in enumerate(row)
        if units > 0 and instance.durations[j] > 0
    ]
    links = [
        Dependency(ids[j], ids[k], DependencyType.FS, 0)
        for j, succ in enumerate(instance.successors)
        for k in succ
    ]
    capacity = {roles[k]: (float(c),) * horizon for k, c in enumerate(instance.capacities)}
    settings = Settings(plan_start=plan_start, horizon=horizon, objective=Objective.FINISH)
    return Portfolio(settings, projects, demands, capacity, links)


def rcmpsp_to_portfolio(
    instance: RcmpspInstance,
    plan_start: int = DEFAULT_PLAN_START,
    horizon: int | None = None,
) -> Portfolio:
    """The multi-project instance as one portfolio, every activity a mandatory project.

    Activity a of project p becomes `P{p}.A{a}` (1-based, as in the file); shared resources
    become roles `R{k}`; a positive release date becomes the earliest start. The default
    horizon is the serial schedule's makespan plus one month, for the sink milestones that
    start when the last activity ends (sums of durations run to thousands of months).
    MPLIB's TPM (total portfolio makespan) is the latest finish over all activities, i.e. the
    `finish` objective measured as the latest `start + duration` minus `plan_start`.
    """
    horizon = horizon or rcmpsp_upper_bound(instance) + 1
    roles = [f"R{k + 1}" for k in range(len(instance.capacities))]
    projects, demands, links = [], [], []
    for p, p_durations in enumerate(instance.durations):
        release = instance.releases[p]
        earliest = plan_start + release if release > 0 else None
        for a, duration in enumerate(p_durations):
            pid = _activity_id(p, a)
            projects.append(
                Project(id=pid, mandatory=True, duration=duration, earliest_start=earliest)
            )
            if duration > 0:
                demands.extend(
                    Demand(pid, roles[k], float(units))
                    for k, units in enumerate(instance.demands[p][a])
                    if units > 0
                )
            links.extend(
                Dependency(pid, _activity_id(q, b), DependencyType.FS, 0)
                for q, b in instance.successors[p][a]
            )
    capacity = {roles[k]: (float(c),) * horizon for k, c in enumerate(instance.capacities)}
    settings = Settings(plan_start=plan_start, horizon=horizon, objective=Objective.FINISH)
    return Portfolio(settings, projects, demands, capacity, links)


def makespan(portfolio: Portfolio, starts: Mapping[str, int]) -> int:
    """Months from plan start to the latest `start + duration`: PSPLIB makespan, MPLIB TPM.

    The dummy sink is a 0-month milestone starting at the makespan, so a measure that counts
    a milestone's start month as a month of work reads one more than the published values.
    """
    durations = {p.id: p.duration for p in portfolio.projects}
    return max(start + durations[pid] for pid, start in starts.items()) - (
        portfolio.settings.plan_start
    )


def _activity_id(project: int, activity: int) -> str:
    return f"P{project + 1}.A{activity + 1}"


def knapsack_to_portfolio(
    instance: KnapsackInstance, plan_start: int = DEFAULT_PLAN_START
) -> Portfolio:
    """The knapsack as a one-month selection problem whose total score is the knapsack value.

    Item j becomes optional project `I{j}` (1-based) of one month scored on a single
    criterion "Score" (weight 1, scale 0..max value), so its weighted score is its value;
    constraint i becomes role `r{i}` whose one month of capacity is the right-hand side, and
    each positive weight becomes a demand of that many FTE.
    """
    ids = [f"I{j + 1}" for j in range(instance.n_items)]
    top = max(max(instance.values, default=0), 1)
    criteria = [Criterion("Score", 1.0, Direction.HIGHER, 0.0, float(top))]
    projects = [
        Project(id=ids[j], duration=1, scores={"Score": float(v)})
        for j, v in enumerate(instance.values)
    ]
    roles = [f"r{i + 1}" for i in range(instance.n_constraints)]
    demands = [
        Demand(ids[j], roles[i], float(w))
        for i, row in enumerate(instance.weights)
        for j, w in enumerate(row)
        if w > 0
    ]
    capacity = {roles[i]: (float(b),) for i, b in enumerate(instance.capacities)}
    settings = Settings(plan_start=plan_start, horizon=1, objective=Objective.VALUE)
    return Portfolio(settings, projects, demands, capacity, criteria=criteria)
