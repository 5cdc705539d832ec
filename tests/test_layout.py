"""The folders show the design and the imports keep to it: the core (`ims/`, `choice/`) imports no door, each
door imports only what lies below it, and the emulator only the shared leaves and the wire models it shares with
the client (the README's table, Development)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "provider" / "pulumi_cloudimages"
LEAVES = {"errors", "naming", "redaction", "_version"}
# What each part may import of the package besides itself and the shared leaves.
ALLOWED: dict[str, set[str]] = {
    "ims": set(),
    "choice": {"ims"},
    "pin": {"ims", "choice"},
    "program": {"ims", "choice", "pin"},
    "plugin": {"ims", "choice", "pin"},
    "outdated": {"ims", "choice", "pin.state"},
    "cli": {"ims", "choice", "outdated", "emulator"},
    "policy": {"ims", "outdated", "pin.state"},
    "emulator": {"ims.image", "ims.client"},
    "testing": {"ims", "choice", "emulator"},
    "pytest_plugin": {"emulator", "testing"},
    "pinned": {"program"},
    "__init__": {"ims", "choice", "outdated", "program"},
}
# Parts that must load without the Pulumi SDK, whichever way they are entered.
WITHOUT_PULUMI = {"ims", "choice", "outdated", "cli", "emulator", "pin.state"}


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    return relative.parts[0] if len(relative.parts) > 1 else relative.name


def imports(path: Path) -> tuple[set[str], set[str]]:
    """The package's modules that `path` imports (dotted, from the package's root), and the others' top names."""
    module = path.relative_to(PACKAGE).with_suffix("").parts
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(module[: len(module) - node.level])
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [target] if node.module else [[*target, alias.name] for alias in node.names]
            ours.update(".".join(name) for name in names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            theirs.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            theirs.update(alias.name.split(".")[0] for alias in node.names)
    return ours, theirs


def allowed(part: str, target: str) -> bool:
    top = target.split(".")[0]
    granted = ALLOWED[part]
    return top in (part, *LEAVES) or any(target == g or target.startswith(g + ".") or top == g for g in granted)


def test_every_module_belongs_to_a_part_of_the_table() -> None:
    parts = {part_of(path) for path in PACKAGE.rglob("*.py")}
    assert parts - LEAVES == set(ALLOWED)


def test_no_import_runs_against_the_layering() -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)} imports {target}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if part_of(path) not in LEAVES
        for target in sorted(imports(path)[0])
        if not allowed(part_of(path), target)
    ]
    assert wrong == []


def test_the_shared_leaves_import_only_each_other() -> None:
    for leaf in LEAVES:
        assert imports(PACKAGE / f"{leaf}.py")[0] <= LEAVES, leaf


def test_the_core_and_the_state_readers_never_import_the_pulumi_sdk() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        if any(name == part or name.startswith(part + ".") for part in WITHOUT_PULUMI):
            assert "pulumi" not in imports(path)[1], name
