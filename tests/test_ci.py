"""CI runs the README's test command, unchanged (the developers' guide asks for it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", quickstart, re.DOTALL)]


def test_quickstart_has_two_commands_and_ci_runs_the_second():
    commands = _readme_commands()
    assert len(commands) == 2
    test_command = commands[1]
    assert test_command.startswith("./setup.sh --test")
    for tool in ("ruff check", "ruff format --check", "mypy", "pytest"):
        assert tool in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci
