"""The portfolio engine: model, validation, scoring, CP-SAT optimiser and explanations.

Pure Python: never imports openpyxl or xlwings.
"""

from engine.errors import FileError, InputError, PmoError
from engine.gates import GateDecision, GateReview
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Force,
    Objective,
    Perspective,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.result import ProjectOutcome, Result, SolveStatus, UtilisationCell
from engine.validation import Problem, Severity, validate

__all__ = [
    "Criterion",
    "Demand",
    "Dependency",
    "DependencyType",
    "Direction",
    "FileError",
    "Force",
    "GateDecision",
    "GateReview",
    "InputError",
    "Objective",
    "Perspective",
    "PmoError",
    "Portfolio",
    "Problem",
    "Project",
    "ProjectOutcome",
    "ProjectStatus",
    "Result",
    "Settings",
    "Severity",
    "SolveStatus",
    "UtilisationCell",
    "validate",
]
