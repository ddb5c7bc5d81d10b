"""Project hygiene a user relies on: documented settings, the CI command, lint-clean code."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from backend.cli import build_parser
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


def test_the_compose_file_is_valid_and_its_supportbot_commands_run_as_written():
    compose = ROOT / "deploy" / "compose.yaml"
    checker = shutil.which("check-jsonschema") or str(
        Path(sys.executable).parent / "check-jsonschema"
    )
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(compose)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    services = yaml.safe_load(compose.read_text())["services"]
    commands = [s["command"] for s in services.values() if s.get("image") == "supportbot:latest"]
    assert len(commands) >= 3
    parser = build_parser()
    for command in commands:
        for line in (" ".join(command[2:]) if command[0] == "sh" else " ".join(command)).split(
            "&&"
        ):
            words = line.split()
            assert words[0] == "supportbot", line
            parser.parse_args(words[1:])  # exits on a flag `supportbot` does not know
    deploy_doc = (ROOT / "docs" / "deploy.md").read_text()
    for command in commands:
        assert " ".join(command[2:] if command[0] == "sh" else command) in deploy_doc
