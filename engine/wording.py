"""How the engine names projects and rules in words, so conflicts, reasons and problems agree.

A project reads `A "Alpha"`: its ID first, so the text lines up with a sheet sorted by ID,
then its name in quotes (just `A` when it has none). Conflicts (the rules the diagnosis
names) and deferral reasons (`engine.explain`) both label projects through `project_label`.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.gates import GateDecision, GateReview
from engine.model import (
    BalanceRule,
    Dependency,
    DependencyType,
    Force,
    Measure,
    Portfolio,
    Project,
    ProjectStatus,
)
from engine.months import month_range_text, month_text


def project_label(project: Project) -> str:
    """`A "Alpha"`, or `A` for a project without a name."""
    return f'{project.id} "{project.name}"' if project.name else project.id


def label(portfolio: Portfolio, project_id: str) -> str:
    """`project_label` of the project with this ID; the bare ID if there is none."""
    try:
        return project_label(portfolio.project(project_id))
    except KeyError:
        return project_id


def must_run_words(project: Project) -> str:
    """Why a must-run project must run: `in flight`, `mandatory` or `forced in`."""
    if project.status is ProjectStatus.IN_FLIGHT:
        return "in flight"
    return "mandatory" if project.mandatory else "forced in"


def out_of_play_words(project: Project) -> str:
    """Why a project is out of play: `forced out`, `stopped at gate G2 on 2027-03-14`, or its
    status (`closed`, `on hold`)."""
    if project.force is Force.OUT:
        return "forced out"
    if project.gate is not None and project.gate.blocks:
        text = gate_words(project.gate)
        return text[0].lower() + text[1:]
    return project.status.value.lower()


_GATE_VERBS = {
    GateDecision.GO: "Passed",
    GateDecision.HOLD: "Held",
    GateDecision.STOP: "Stopped",
    GateDecision.RECYCLE: "Sent back",
}


def gate_words(review: GateReview) -> str:
    """`Stopped at gate G2 on 2027-03-14`: a gate decision as a reason reads it."""
    when = f" on {review.date.isoformat()}" if review.date is not None else ""
    if review.decision is None:
        return f"Awaiting a decision at gate {review.code}{when}"
    return f"{_GATE_VERBS[review.decision]} at gate {review.code}{when}"


# ---------------------------------------------------------------- rules a conflict can name
def must_run_rule(project: Project) -> str:
    """`A "Alpha" is mandatory`; work in flight must also stay in the plan."""
    if project.status is ProjectStatus.IN_FLIGHT:
        return f"{project_label(project)} is in flight and must stay in the plan"
    return f"{project_label(project)} is {must_run_words(project)}"


def scheduled_rule(project: Project) -> str:
    """`A "Alpha" must be scheduled` (the `finish` objective schedules every project)."""
    return f"{project_label(project)} must be scheduled"


def fixed_start_rule(project: Project, start: int) -> str:
    """`A "Alpha" is fixed to start 2027-03`."""
    return f"{project_label(project)} is fixed to start {month_text(start)}"


def window_rule(project: Project, first: int, last: int) -> str:
    """`A "Alpha" must start within 2027-01..2027-06`."""
    return f"{project_label(project)} must start within {month_range_text(first, last)}"


def dependency_rule(dep: Dependency, portfolio: Portfolio) -> str:
    """A link between two projects in words (`B "Beta" requires A "Alpha"`)."""
    a, b = label(portfolio, dep.predecessor), label(portfolio, dep.successor)
    if dep.type is DependencyType.FS:
        lag = f" + {dep.lag} month(s)" if dep.lag else ""
        return f"{b} starts after {a} finishes{lag} (FS), and needs {a}"
    if dep.type is DependencyType.REQUIRES:
        return f"{b} requires {a}"
    if dep.type is DependencyType.EXCLUDES:
        return f"{a} and {b} exclude each other"
    return f"{a} and {b} go together (With)"


def exclusive_group_rule(group: str, members: Sequence[str], portfolio: Portfolio) -> str:
    """`at most one project of exclusive group "G" (A "Alpha", B "Beta")`."""
    named = ", ".join(label(portfolio, m) for m in members)
    return f'at most one project of exclusive group "{group}" ({named})'


def capacity_rule(role: str) -> str:
    """`capacity of role "Dev"`."""
    return f'capacity of role "{role}"'


def budget_rule(year: int, amount: float) -> str:
    """`the 2027 budget of 150,000`."""
    return f"the {year} budget of {amount:,.0f}"


def share_text(share: float) -> str:
    """`40%`, `12.5%`."""
    return f"{round(share * 100, 2):g}%"


def balance_rule(rule: BalanceRule) -> str:
    """`Department "IT" takes at most 40% of the cost`."""
    limits = []
    if rule.min_share is not None:
        limits.append(f"at least {share_text(rule.min_share)}")
    if rule.max_share is not None:
        limits.append(f"at most {share_text(rule.max_share)}")
    what = {
        Measure.COST: "the cost",
        Measure.FTE: "the FTE-months",
        Measure.COUNT: "the projects",
        Measure.SCORE: "the score",
    }[rule.measure]
    return f'{rule.dimension} "{rule.value}" takes {" and ".join(limits)} of {what}'


def needs_manager_rule() -> str:
    """The Assign rule that every selected project gets a manager from People."""
    return (
        "every selected project needs a project manager from People "
        "(Settings: Project managers = Assign)"
    )


def manager_rule(name: str, limit: int, availability: str) -> str:
    """`project manager "Ana" runs at most 2 projects at once, available from 2027-03`."""
    plural = "project" if limit == 1 else "projects"
    return (
        f'project manager "{name}" runs at most {limit} {plural} at once, available {availability}'
    )
