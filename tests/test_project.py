"""Project hygiene a user relies on: documented settings, the CI command, lint-clean code."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backend.core.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [
        f"SUPPORTBOT_{name.upper()}"
        for name in Settings.model_fields
        if f"`SUPPORTBOT_{name.upper()}`" not in README
    ]
    assert not missing


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_second():
    setup = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", setup, re.S)
    assert len(commands) == 2
    assert "supportbot serve" in commands[0]
    assert commands[1] == "tests/run.sh"
    assert "exec tests/run.sh" in (ROOT / ".ci" / "run").read_text()


def test_code_is_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (it comes with the dev extras)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
