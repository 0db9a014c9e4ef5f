"""How the engine names projects and rules in words, so conflicts, reasons and problems agree.

A project reads `A "Alpha"`: its ID first, so the text lines up with a sheet sorted by ID,
then its name in quotes (just `A` when it has none). Conflicts (the rules the diagnosis
names) and deferral reasons (`engine.explain`) both label projects through `project_label`.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.feasibility import allowed_starts
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
from engine.months import month_range_text, month_runs_text, month_text
from engine.reasons import Displacement, Extra, MoneyShort, Reason, ReasonKind, Shortage, Step
from engine.scoring import weighted_score
from engine.units import SCORE_UNITS


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


# ---------------------------------------------------------------- reasons as sentences
def reason_text(portfolio: Portfolio, project_id: str, reason: Reason) -> str:
    """The reason as one plain sentence (the Portfolio sheet's Reason column). A kind without
    words of its own (added by a new rule) reads as its rule."""
    words = _REASON_WORDS.get(reason.kind)
    text = words(portfolio, project_id, reason) if words else (reason.rule or reason.kind.value)
    if reason.unstaffed and reason.kind is not ReasonKind.NO_MANAGER:
        months = sorted({dict(combo).get(project_id, combo[0][1]) for combo in reason.unstaffed})
        text += (
            f"; no project manager on People is free at {month_runs_text(months)} "
            "(as the plan assigns them)"
        )
    if reason.balance and reason.kind is not ReasonKind.BALANCE:
        text += f". It would also break a balance rule: {_balance_words(portfolio, reason)}"
    if reason.approved:
        text = f"Approved, but {reason.approved}: {text[0].lower()}{text[1:]}"
    return text + counterfactual_text(portfolio, reason)


def counterfactual_text(portfolio: Portfolio, reason: Reason) -> str:
    """The solved counterfactuals of a reason, as clauses to append (empty when none)."""
    parts = []
    d = reason.displacement
    if d is not None:
        parts.append(_displacement_words(portfolio, d))
    elif reason.displacement_note:
        what = "what it would displace"
        if reason.kind.selected:
            what = "what leaving it out would cost"
        parts.append(f"{what}: {reason.displacement_note}")
    if reason.extra is not None and _same_as_cheapest(reason, reason.extra):
        parts.append("that is the least extra that lets it in with nobody dropped or moved")
    elif reason.extra is not None:
        parts.append(_extra_words(portfolio, reason.extra))
    elif reason.extra_note:
        parts.append(f"least extra capacity: {reason.extra_note}")
    return "".join(f". {p[0].upper()}{p[1:]}" for p in parts)


def _displacement_words(portfolio: Portfolio, d: Displacement) -> str:
    changes = []
    if d.dropped:
        changes.append(f"drop {_and(portfolio, d.dropped)}")
    if d.added:
        changes.append(f"add {_and(portfolio, d.added)}")
    if d.moved:
        changes.append(
            "move "
            + ", ".join(f"{pid} {month_text(a)} -> {month_text(b)}" for pid, a, b in d.moved)
        )
    done = "; ".join(changes) or "nothing else changes"
    total = f"total score {d.value_before:g} -> {d.value_after:g}"
    best = "best found in the time allowed"
    if d.proven:
        best = "best possible"
    elif d.proven_in_place:
        best = "best possible with nobody else moved"
    if d.forced == "in":
        where = f" from {month_text(d.start)}" if d.start is not None else ""
        return f"To fund it{where}: {done}; {total} ({best})"
    return f"Leaving it out: {done}; {total} ({best})"


def _same_as_cheapest(reason: Reason, extra: Extra) -> bool:
    """Whether the least extra is what the reason already says the cheapest start needs."""

    def fte(items: Sequence[Shortage]) -> set[tuple[str, int, float]]:
        return {(s.role, s.month, s.fte) for s in items}

    def money(items: Sequence[MoneyShort]) -> set[tuple[int, float]]:
        return {(m.year, m.amount) for m in items}

    return (
        dict(reason.at) == dict(extra.starts)
        and fte(reason.shortages) == fte(extra.fte)
        and money(reason.money) == money(extra.money)
    )


def _extra_words(portfolio: Portfolio, extra: Extra) -> str:
    if len(extra.starts) == 1:
        return (
            "least extra that lets it in with nobody dropped or moved: "
            f"{_extra_list(extra.fte, extra.money)} (from {month_text(extra.starts[0][1])})"
        )
    starts = ", ".join(f"{pid} {month_text(s)}" for pid, s in extra.starts)
    return (
        "least extra that lets it in with nobody dropped or moved: "
        f"{_extra_list(extra.fte, extra.money)} (starting {starts})"
    )


def _and(portfolio: Portfolio, ids: Sequence[str]) -> str:
    labels = [label(portfolio, pid) for pid in ids]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def _fte_words(shortages: Sequence[Shortage]) -> list[str]:
    """`Dev up to +0.5 FTE in 2027-03..2027-05` per role, in the order given."""
    by_role: dict[str, list[Shortage]] = {}
    for s in shortages:
        by_role.setdefault(s.role, []).append(s)
    return [
        f"{role} {_fte(max(s.fte for s in items), len(items))} in "
        f"{month_runs_text(sorted(s.month for s in items))}"
        for role, items in by_role.items()
    ]


def _fte(most: float, months: int) -> str:
    return f"+{most:g} FTE" if months == 1 else f"up to +{most:g} FTE"


def _simple(words: str):
    return lambda _portfolio, _pid, _reason: words


def _on_merit(portfolio: Portfolio, _pid: str, r: Reason) -> str:
    return f"Selected on its score {r.score:g} (rank {r.rank})"


def _rule_sentence(portfolio: Portfolio, _pid: str, r: Reason) -> str:
    return r.rule


def _no_window(portfolio: Portfolio, _pid: str, r: Reason) -> str:
    return f"No start month fits: its {r.rule}; widen the window or extend the horizon"


def _state(portfolio: Portfolio, pid: str) -> str:
    project = portfolio.project(pid)
    if project.out_of_play:
        return f"is {out_of_play_words(project)}"
    if not allowed_starts(portfolio, project):
        return "cannot be scheduled (no start month fits its window and the horizon)"
    return "is an alternative the finish objective does not schedule"


def _link_verb(portfolio: Portfolio, a: str, b: str) -> str:
    for dep in portfolio.dependencies:
        if dep.type is DependencyType.WITH and {dep.predecessor, dep.successor} == {a, b}:
            return "Goes in only together with"
    return "Needs"


def _through(portfolio: Portfolio, via: Sequence[str]) -> str:
    if len(via) <= 2:
        return ""
    return f" (through {', '.join(label(portfolio, pid) for pid in via[1:-1])})"


def _needs(portfolio: Portfolio, pid: str, r: Reason) -> str:
    blamed = r.projects[0]
    verb = _link_verb(portfolio, r.via[0], r.via[1])
    return (
        f"{verb} {label(portfolio, blamed)}{_through(portfolio, r.via)}, which "
        f"{_state(portfolio, blamed)}"
    )


def _others(portfolio: Portfolio, pid: str, group: Sequence[str]) -> str:
    return _and(portfolio, [g for g in group if g != pid])


def _conflicting(portfolio: Portfolio, pid: str, r: Reason) -> str:
    group = _group_words(portfolio, pid, r)
    return f"Can never be in: {group[0].lower()}{group[1:]}, but {r.rule}"


def _member_prefix(portfolio: Portfolio, r: Reason) -> tuple[str, str]:
    """("", project) when the reason is about the project itself, else the words that lead
    from the project to the member of its group the reason is about."""
    member = r.via[-1] if r.via else ""
    if len(r.via) <= 1:
        return "", member
    verb = _link_verb(portfolio, r.via[0], r.via[1])
    return f"{verb} {label(portfolio, member)}{_through(portfolio, r.via)}, which ", member


def _score(portfolio: Portfolio, pid: str) -> float:
    """The weighted score rounded as the optimiser counts it (`engine.plan.scores`)."""
    project = portfolio.project(pid)
    return round(weighted_score(project.scores, portfolio.criteria) * SCORE_UNITS) / SCORE_UNITS


def _score_of(portfolio: Portfolio, pid: str) -> str:
    return f"score {_score(portfolio, pid):g}"


def _excluded(portfolio: Portfolio, pid: str, r: Reason) -> str:
    other = r.projects[0]
    lead, _member = _member_prefix(portfolio, r)
    score = _score_of(portfolio, other)
    if not lead:
        return f"Excludes {label(portfolio, other)}, which is in the plan ({score})"
    return f"{lead}excludes {label(portfolio, other)}, in the plan ({score})"


def _group_taken(portfolio: Portfolio, pid: str, r: Reason) -> str:
    other = r.projects[0]
    lead, member = _member_prefix(portfolio, r)
    group = portfolio.project(member or pid).exclusive_group
    if not lead:
        return (
            f'Exclusive group "{group}": {label(portfolio, other)} is in the plan '
            f"({_score_of(portfolio, other)})"
        )
    return (
        f'{lead}shares exclusive group "{group}" with {label(portfolio, other)}, in the plan '
        f"({_score_of(portfolio, other)})"
    )


def _alternative(portfolio: Portfolio, pid: str, r: Reason) -> str:
    kept = r.projects[0]
    return (
        f"{r.rule[0].upper()}{r.rule[1:]}: the finish objective schedules one alternative, "
        f"{label(portfolio, kept)}, {r.note}"
    )


def alternative_pick_words(portfolio: Portfolio, kept: str, other: str) -> str:
    """Which rule picked `kept` over `other` (the `finish` objective's alternatives)."""
    project = portfolio.project(kept)
    if project.must_run:
        return f"which is {must_run_words(project)}"
    high, low = _score(portfolio, kept), _score(portfolio, other)
    if high > low:
        return f"the higher-scored ({high:g} against {low:g})"
    return f"listed first on Intake (both score {high:g})"


def _lag(months: int) -> str:
    if not months:
        return ""
    return f" + {months} month" + ("" if months == 1 else "s")


def _start_words(portfolio: Portfolio, step: Step) -> str:
    """Why a chain ends where it does: what sets a project's own earliest start."""
    project = portfolio.project(step.project)
    if step.because == "fixed start":
        if project.status is ProjectStatus.IN_FLIGHT:
            return f"in flight since {month_text(step.earliest)}"
        return f"fixed start {month_text(step.earliest)}"
    if step.because == "earliest start":
        return f"earliest start {month_text(step.earliest)} on Intake"
    return "the plan start"


def _ends_chain(step: Step | None) -> bool:
    return step is not None and step.because in ("fixed start", "earliest start", "plan start")


def _timing(portfolio: Portfolio, pid: str, r: Reason) -> str:
    t = r.timing
    assert t is not None
    lead, _member = _member_prefix(portfolio, r)
    steps = list(t.chain)
    phrases: list[str] = []
    i = 0
    while i < len(steps):
        step, following = steps[i], steps[i + 1] if i + 1 < len(steps) else None
        name = ("" if lead else "it") if i == 0 else label(portfolio, step.project)
        name = f"{name} " if name else ""
        if step.because == "after":
            note = ""
            if _ends_chain(following):
                assert following is not None
                words = _start_words(portfolio, following)
                if following.planned is not None:
                    words = f"starting {month_text(following.planned)} in the plan, {words}"
                note = "" if words == "the plan start" else f" ({words})"
                i += 1
            lag = _lag(step.lag)
            after = f"{label(portfolio, step.after or '')}{note} finishes{lag}"
            if step.planned is not None:
                phrases.append(
                    f"{name}starts {month_text(step.planned)} in the plan, as soon as {after}"
                )
            else:
                phrases.append(
                    f"{name}can start no earlier than {month_text(step.earliest)}, after {after}"
                )
        elif step.because == "placed":
            phrases.append(
                f"{name}starts {month_text(step.planned or step.earliest)} in the plan, though "
                f"it could start from {month_text(step.earliest)}"
                + _blocked_words(portfolio, t.blocked)
            )
        else:
            phrases.append(
                f"{name}can start no earlier than {month_text(step.earliest)} "
                f"({_start_words(portfolio, step)})"
            )
        i += 1
    latest = {
        "latest start": f"its latest start on Intake is {month_text(t.latest)}",
        "fixed start": f"its fixed start is {month_text(t.latest)}",
        "horizon": f"to finish inside the horizon it must start by {month_text(t.latest)}",
    }[t.latest_from]
    head = "Cannot start in time whatever the plan: " if t.structural else "Too late: "
    if lead:
        head += lead[0].lower() + lead[1:]
    return head + "; ".join(phrases) + f", but {latest}"


def _blocked_words(portfolio: Portfolio, blocked: Reason | None) -> str:
    if blocked is None:
        return ""
    if blocked.kind is ReasonKind.NOT_CHOSEN:
        return f" (it would fit from {month_text(blocked.at[0][1])} too)"
    roles = blocked.binding_roles
    years = blocked.binding_years
    what = []
    if roles:
        what.append(f"{', '.join(roles)} short")
    if years:
        what.append(f"over the {', '.join(str(y) for y in years)} budget")
    words = " and ".join(what) or "something short"
    start = ", ".join(month_text(s) for _pid, s in blocked.at)
    needs = _extra_list(blocked.shortages, blocked.money)
    return f" (every earlier start has {words}; at the cheapest, {start}, it needs {needs})"


def _extra_list(shortages: Sequence[Shortage], money: Sequence[MoneyShort]) -> str:
    """`Dev up to +0.5 FTE in 2027-03..2027-05, PM +1 FTE in 2027-04 and 20,000 more of the
    2027 budget`."""
    parts = _fte_words(shortages)
    money_words = [f"{m.amount:,.0f} more of the {m.year} budget" for m in money]
    if parts and money_words:
        return f"{', '.join(parts)} and {' and '.join(money_words)}"
    return ", ".join(parts) or " and ".join(money_words)


def _capacity(portfolio: Portfolio, pid: str, r: Reason) -> str:
    span = month_range_text(r.first or 0, r.last or 0)
    roles, years = r.binding_roles, r.binding_years
    where = f"at any start {span}" if not r.group else f"at any combination of starts ({span})"
    budget = f"the {', '.join(str(y) for y in years)} budget"
    if roles:
        head = f"not enough {', '.join(roles)} left {where}"
        if years:
            head += f", and over {budget}"
    elif years:
        head = f"over {budget} {where}"
    else:
        head = f"no start has enough capacity and budget left {where}; each lacks something"
    if r.group:
        head = f"{_group_words(portfolio, pid, r)}; together, {head}"
    if len(r.at) == 1:
        starting = f"starting {month_text(r.at[0][1])}"
    else:
        starting = "starting " + ", ".join(f"{p} {month_text(s)}" for p, s in r.at)
    text = f"{head}. At the cheapest, {starting}, it needs {_extra_list(r.shortages, r.money)}"
    return text[0].upper() + text[1:]


def _group_words(portfolio: Portfolio, pid: str, r: Reason) -> str:
    """How the project's group holds together: With partners, or projects it needs."""
    others = [g for g in r.group if g != pid]
    partners = {
        other
        for dep in portfolio.dependencies
        if dep.type is DependencyType.WITH
        for other in (dep.predecessor, dep.successor)
        if other in others
    }
    if partners == set(others):
        return f"Goes in only together with {_and(portfolio, others)} (With)"
    if not partners:
        return f"Needs {_and(portfolio, others)}, not in the plan"
    return f"Goes in only together with {_and(portfolio, others)} (needed or With)"


def _not_chosen(portfolio: Portfolio, pid: str, r: Reason) -> str:
    starting = ", ".join(f"{p} {month_text(s)}" for p, s in r.at)
    if len(r.at) == 1:
        starting = month_text(r.at[0][1])
    if _score(portfolio, pid) <= 0:
        return f"Fits from {starting} with the capacity and budget left, but adds no score"
    return (
        f"Fits from {starting} with the capacity and budget left, but the solver stopped "
        "before adding it; re-run with a longer time limit"
    )


_REASON_WORDS = {
    ReasonKind.IN_FLIGHT: _simple("In flight: keeps its start"),
    ReasonKind.MANDATORY: _simple("Mandatory"),
    ReasonKind.FORCED_IN: _simple("Forced in"),
    ReasonKind.ON_MERIT: _on_merit,
    ReasonKind.FORCED_OUT: _simple("Forced out"),
    ReasonKind.STATUS: _rule_sentence,
    ReasonKind.NO_WINDOW: _no_window,
    ReasonKind.NEEDS: _needs,
    ReasonKind.CONFLICTING_LINKS: _conflicting,
    ReasonKind.EXCLUDED: _excluded,
    ReasonKind.GROUP_TAKEN: _group_taken,
    ReasonKind.ALTERNATIVE: _alternative,
    ReasonKind.TIMING: _timing,
    ReasonKind.CAPACITY: _capacity,
    ReasonKind.NOT_CHOSEN: _not_chosen,
}


def _balance_words(portfolio: Portfolio, r: Reason) -> str:
    return "; ".join(
        f"{balance_rule(portfolio.balance[index])} (with it: {share_text(share)})"
        for index, share in r.balance
    )


def _held_by_balance(portfolio: Portfolio, _pid: str, r: Reason) -> str:
    return f"Held back by a balance rule: {_balance_words(portfolio, r)}"


def _stopped(portfolio: Portfolio, _pid: str, r: Reason) -> str:
    return (
        f"Stopped (in flight, Can stop): finishing it would bring {r.score or 0.0:g} of score; "
        f"stopping frees {r.freed or 0.0:g} FTE-months and {r.saved or 0.0:,.0f} of remaining "
        "cost for projects worth more"
    )


def _no_manager(portfolio: Portfolio, _pid: str, r: Reason) -> str:
    span = month_range_text(r.first or 0, r.last or 0)
    return (
        f"No project manager on People is free for it at any start {span} (as the plan "
        "assigns them, each is at Max concurrent projects or not available then); add a "
        "manager, raise a limit or extend an availability"
    )


def _in_flight(portfolio: Portfolio, pid: str, r: Reason) -> str:
    project = portfolio.project(pid)
    if r.note and project.fixed_start is not None:
        end = month_text(project.fixed_start + max(project.duration, 1) - 1)
        return f"In flight, but finished in {end}, before the plan starts: set its Status to Closed"
    return "In flight: keeps its start"


_REASON_WORDS.update(
    {
        ReasonKind.IN_FLIGHT: _in_flight,
        ReasonKind.GATE: _rule_sentence,
        ReasonKind.STOPPED: _stopped,
        ReasonKind.NO_MANAGER: _no_manager,
        ReasonKind.BALANCE: _held_by_balance,
    }
)
