"""Why a project is in or out of a plan, as a record: its kind, the rule that binds, the
projects involved, the roles, months and FTE short, the money short per year.

A reason is data first and a sentence second (`engine.wording.reason_text` renders it), so
the Portfolio sheet, the JSON result and the independent checks (`engine.checker.check_reason`)
all read the same facts. The kinds are an open set: a new rule (a gate decision, hiring) adds
a member to `ReasonKind`, fills the fields of `Reason` it needs, and teaches the renderer and
the checker its words.

Months are calendar month numbers (`engine.months`); JSON shows them as `YYYY-MM`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from engine.months import month_text


class ReasonKind(StrEnum):
    """What a reason says. Selected projects get the first four; the others are deferrals."""

    IN_FLIGHT = "in flight"
    MANDATORY = "mandatory"
    FORCED_IN = "forced in"
    ON_MERIT = "on merit"
    FORCED_OUT = "forced out"
    STATUS = "status"
    NO_WINDOW = "no window"
    NEEDS = "needs"
    CONFLICTING_LINKS = "conflicting links"
    EXCLUDED = "excluded"
    GROUP_TAKEN = "group taken"
    ALTERNATIVE = "alternative"
    TIMING = "timing"
    CAPACITY = "capacity"
    NOT_CHOSEN = "not chosen"
    GATE = "gate"
    STOPPED = "stopped"
    NO_MANAGER = "no manager"
    BALANCE = "balance"

    @property
    def selected(self) -> bool:
        """Whether this kind explains a selected project ("why in")."""
        return self in _WHY_IN


_WHY_IN = frozenset(
    {ReasonKind.IN_FLIGHT, ReasonKind.MANDATORY, ReasonKind.FORCED_IN, ReasonKind.ON_MERIT}
)

# One line per kind, for docs/workbook.md (generated) and the JSON reader's benefit.
KIND_HELP: dict[ReasonKind, str] = {
    ReasonKind.IN_FLIGHT: "Selected: work in flight keeps its start.",
    ReasonKind.MANDATORY: "Selected: marked mandatory on Intake.",
    ReasonKind.FORCED_IN: "Selected: Force is In on Intake.",
    ReasonKind.ON_MERIT: "Selected for its score; when solved, what leaving it out would cost.",
    ReasonKind.FORCED_OUT: "Not in play: Force is Out on Intake.",
    ReasonKind.STATUS: "Not in play: its status is On hold or Closed.",
    ReasonKind.NO_WINDOW: "No start month lets it finish inside its start window and the "
    "horizon; says which of the two limits it.",
    ReasonKind.NEEDS: "It goes in only with a project (FS, Requires or With, directly or "
    "through a chain) that cannot be in the plan: out of play, no start window, or an "
    "alternative set aside.",
    ReasonKind.CONFLICTING_LINKS: "The projects it goes in with exclude each other or share "
    "an exclusive group, so they can never all be in.",
    ReasonKind.EXCLUDED: "It (or a project it goes in with) excludes a project in the plan.",
    ReasonKind.GROUP_TAKEN: "Another project of its exclusive group is in the plan.",
    ReasonKind.ALTERNATIVE: "`finish` objective: it is an alternative (exclusive group or "
    "Excludes pair) and the rule kept another one.",
    ReasonKind.TIMING: "Its predecessors cannot finish in time for its latest start: says "
    "what keeps the predecessor late (its rules, or the plan and what blocks it earlier) and "
    "where the latest start comes from (the typed window or the horizon).",
    ReasonKind.CAPACITY: "Not enough capacity or budget left by the plan: the roles short at "
    "every allowed start first, with months and FTE, other roles after, money short per year.",
    ReasonKind.NOT_CHOSEN: "It fits in what the plan leaves, but was not added (no score, "
    "or the solver stopped first).",
    ReasonKind.GATE: "Not in play: its latest gate decision (Gates sheet) is Stop or Hold.",
    ReasonKind.STOPPED: "Work in flight marked Can stop that the plan stops: the score "
    "finishing it would bring, and the FTE-months and remaining cost stopping it frees.",
    ReasonKind.NO_MANAGER: "Settings Project managers = Assign: it fits the capacity and "
    "budget left, but no project manager on People is free for it at any start (as the "
    "plan assigns them).",
    ReasonKind.BALANCE: "It fits the capacity and budget left, but adding it would break a "
    "balance rule; a capacity reason also names the balance rules it would break.",
}


@dataclass(frozen=True, slots=True)
class Shortage:
    """FTE of one role missing in one month, at the starts the reason names."""

    role: str
    month: int
    fte: float
    binding: bool = False  # the role is short at every allowed start (combination)


@dataclass(frozen=True, slots=True)
class MoneyShort:
    """Money missing from one year's budget, at the starts the reason names."""

    year: int
    amount: float
    binding: bool = False  # the year is over budget at every allowed start (combination)


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a timing chain: how early a project can start, and what sets it."""

    project: str
    earliest: int  # the earliest start (month) this step establishes
    because: str  # one of STEP_BECAUSE
    after: str | None = None  # the predecessor that sets it ("after")
    lag: int = 0
    planned: int | None = None  # where the plan starts it, when it is in the plan


STEP_BECAUSE = ("fixed start", "earliest start", "plan start", "after", "placed")


@dataclass(frozen=True, slots=True)
class Timing:
    """Why a project cannot start by its latest start: the chain that keeps it late."""

    project: str  # the project (of the group) that cannot start in time
    earliest: int  # the first start its predecessors allow
    latest: int  # the last start it may have
    latest_from: str  # "latest start" (typed on Intake), "horizon" or "fixed start"
    structural: bool  # true whatever the plan: the rules alone keep it late
    chain: tuple[Step, ...] = ()  # from the project back to where the lateness comes from
    blocked: Reason | None = None  # the plan placed a predecessor late: why not earlier


@dataclass(frozen=True, slots=True)
class Displacement:
    """A solved counterfactual: the best plan found with this project forced in (or out)."""

    forced: str  # "in" or "out"
    start: int | None  # where the project starts in that plan (forced in)
    dropped: tuple[str, ...] = ()  # other selected projects that leave
    added: tuple[str, ...] = ()  # projects that come in
    moved: tuple[tuple[str, int, int], ...] = ()  # (project, from, to)
    value_before: float = 0.0
    value_after: float = 0.0
    proven: bool = False  # the solver proved no better plan with this project exists
    proven_in_place: bool = False  # ... none better with every other project kept in place
    plan: tuple[tuple[str, int], ...] = ()  # the whole plan, for checking
    # that plan's hires, as (role, option, first month, last month, units, cost), and its
    # managers under Assign, as (project, manager): for checking too
    hires: tuple[tuple[str, str, int, int, int, float], ...] = ()
    managers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Extra:
    """A solved counterfactual: the least extra capacity and budget that lets it in, with
    nobody dropped or moved."""

    starts: tuple[tuple[str, int], ...]  # where the group starts with the extra
    fte: tuple[Shortage, ...] = ()  # extra FTE per role and month
    money: tuple[MoneyShort, ...] = ()  # extra budget per year


NOT_COMPUTED = "not computed in the time allowed"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one project is in or out of the plan; `text` is the sentence shown to people."""

    kind: ReasonKind
    rule: str = ""  # the rule that binds, in words
    projects: tuple[str, ...] = ()  # projects it blames; none of them blames this one back
    group: tuple[str, ...] = ()  # projects that go in only together with it (itself first)
    via: tuple[str, ...] = ()  # NEEDS: the chain from this project to the one blamed
    first: int | None = None  # the first and last start considered (the project's own)
    last: int | None = None
    at: tuple[tuple[str, int], ...] = ()  # the starts the shortages are measured at
    shortages: tuple[Shortage, ...] = ()  # binding roles first
    money: tuple[MoneyShort, ...] = ()
    timing: Timing | None = None
    score: float | None = None
    rank: int | None = None
    note: str = ""  # words of its own a kind adds (ALTERNATIVE: which rule picked the other)
    approved: str = ""  # an Approved project of the baseline left out: why it had to go
    displacement: Displacement | None = None
    displacement_note: str = ""  # NOT_COMPUTED when the budget ran out first
    extra: Extra | None = None
    extra_note: str = ""
    # combinations of starts (as `at`) that fit but find no project manager free (Assign)
    unstaffed: tuple[tuple[tuple[str, int], ...], ...] = ()
    # balance rules adding the group would break: (index in Portfolio.balance, share with it)
    balance: tuple[tuple[int, float], ...] = ()
    freed: float | None = None  # STOPPED: FTE-months stopping it frees from the plan start
    saved: float | None = None  # STOPPED: the cost it would still spend
    text: str = ""

    @property
    def binding_roles(self) -> tuple[str, ...]:
        """Roles short at every allowed start (combination), in the order given."""
        return tuple(dict.fromkeys(s.role for s in self.shortages if s.binding))

    @property
    def binding_years(self) -> tuple[int, ...]:
        """Budget years overrun at every allowed start (combination)."""
        return tuple(m.year for m in self.money if m.binding)

    def with_text(self, text: str) -> Reason:
        """The same record with its sentence."""
        return replace(self, text=text)


def reason_json(reason: Reason) -> dict:
    """The record as plain JSON values: months as `YYYY-MM`, empty fields left out."""
    data: dict[str, object] = {"kind": reason.kind.value}
    if reason.rule:
        data["rule"] = reason.rule
    for name in ("projects", "group", "via"):
        values = getattr(reason, name)
        if values:
            data[name] = list(values)
    if reason.first is not None and reason.last is not None:
        data["starts"] = {"first": month_text(reason.first), "last": month_text(reason.last)}
    if reason.at:
        data["at"] = {pid: month_text(m) for pid, m in reason.at}
    if reason.shortages:
        data["shortages"] = [_shortage_json(s) for s in reason.shortages]
        data["binding_roles"] = list(reason.binding_roles)
    if reason.money:
        data["money"] = [_money_json(m) for m in reason.money]
    if reason.timing is not None:
        data["timing"] = _timing_json(reason.timing)
    if reason.score is not None:
        data["score"] = reason.score
    if reason.rank is not None:
        data["rank"] = reason.rank
    if reason.note:
        data["note"] = reason.note
    if reason.approved:
        data["approved"] = reason.approved
    if reason.displacement is not None:
        data["displacement"] = _displacement_json(reason.displacement)
    elif reason.displacement_note:
        data["displacement"] = reason.displacement_note
    if reason.extra is not None:
        data["extra"] = {
            "starts": {pid: month_text(m) for pid, m in reason.extra.starts},
            "fte": [_shortage_json(s) for s in reason.extra.fte],
            "money": [_money_json(m) for m in reason.extra.money],
        }
    elif reason.extra_note:
        data["extra"] = reason.extra_note
    if reason.unstaffed:
        data["unstaffed"] = [{pid: month_text(m) for pid, m in combo} for combo in reason.unstaffed]
    if reason.balance:
        data["balance"] = [{"rule": index + 1, "share": share} for index, share in reason.balance]
    if reason.freed is not None:
        data["freed_fte_months"] = reason.freed
    if reason.saved is not None:
        data["saved"] = reason.saved
    data["text"] = reason.text
    return data


def _shortage_json(s: Shortage) -> dict:
    return {"role": s.role, "month": month_text(s.month), "fte": s.fte, "binding": s.binding}


def _money_json(m: MoneyShort) -> dict:
    return {"year": m.year, "amount": m.amount, "binding": m.binding}


def _timing_json(t: Timing) -> dict:
    data: dict[str, object] = {
        "project": t.project,
        "earliest": month_text(t.earliest),
        "latest": month_text(t.latest),
        "latest_from": t.latest_from,
        "structural": t.structural,
        "chain": [
            {
                "project": s.project,
                "earliest": month_text(s.earliest),
                "because": s.because,
                **({"after": s.after, "lag": s.lag} if s.after else {}),
                **({"planned": month_text(s.planned)} if s.planned is not None else {}),
            }
            for s in t.chain
        ],
    }
    if t.blocked is not None:
        data["blocked"] = reason_json(t.blocked)
    return data


def _displacement_json(d: Displacement) -> dict:
    return {
        "forced": d.forced,
        "start": None if d.start is None else month_text(d.start),
        "dropped": list(d.dropped),
        "added": list(d.added),
        "moved": [
            {"project": pid, "from": month_text(a), "to": month_text(b)} for pid, a, b in d.moved
        ],
        "value_before": d.value_before,
        "value_after": d.value_after,
        "proven": d.proven,
        "proven_in_place": d.proven_in_place,
    }
