"""The layers import one way: prompts <- backend.runtime <- backend services and training.

Only the CLI entry point (`backend/cli.py`) wires backend and training together.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Package -> the top-level packages (or subpackages) its modules must never import.
FORBIDDEN = {
    "prompts": ("backend", "training"),
    "backend/runtime": ("backend.api", "backend.services", "training"),
    "backend": ("training",),
}
ENTRY_POINTS = {Path("backend/cli.py")}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (lazy imports in functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative in ENTRY_POINTS or "migrations" in relative.parts:
            continue
        for module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{relative} imports {module}")
    return found


@pytest.mark.parametrize("package", FORBIDDEN)
def test_a_layer_never_imports_the_layers_above_it(package):
    assert _violations(package, FORBIDDEN[package]) == []


def test_the_check_sees_a_lazy_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from training.lora import train_adapter\n")
    assert imported_modules(module) == {"training.lora"}
