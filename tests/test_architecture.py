"""The package's folders follow the pipeline, and every import points down it.

core → records → charts → documents → build → cli: a module may import its own folder or any folder to its
left, never to its right, and the module graph has no cycle. Imports inside functions count too: a lazy
import upward is still a dependency upward.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "borderwar_report"
LAYERS = ["core", "records", "charts", "documents", "build", "cli"]
LONG_FILE = 600  # lines; a longer module states why at its top
LONG_REASON = "Why this file is long:"


def module_name(path: Path) -> str:
    parts = ("borderwar_report", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports (a ``from X import y`` of a submodule y counts as X.y)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # "from package import module" depends on the module, not on the rest of the package's __init__
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) == 1:
        return 0  # the package itself holds only __version__
    head = parts[1]
    if head in ("cli", "__main__"):
        return LAYERS.index("cli")
    assert head in LAYERS, f"{name}: a module outside the layer folders {LAYERS}"
    return LAYERS.index(head)


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) - {"borderwar_report"} for name, path in mods.items()}


def test_every_import_points_down_the_pipeline():
    upward = [f"{a} imports {b}" for a, deps in graph().items() for b in deps if layer(b) > layer(a)]
    assert not upward, "\n".join(upward)


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, " → ".join(cycle)


def test_the_cycle_check_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a"}}) is None


def test_every_module_imports_on_its_own():
    """Each module imported first, in a clean interpreter state: an order-dependent import would fail here."""
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {sorted(modules())!r}:\n"
        "    for k in [k for k in sys.modules if k.startswith('borderwar_report')]:\n"
        "        del sys.modules[k]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {exc!r}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_long_modules_say_why(path):
    text = path.read_text(encoding="utf-8")
    if text.count("\n") > LONG_FILE:
        doc = ast.get_docstring(ast.parse(text)) or ""
        assert LONG_REASON in doc, f"{path.name} has {text.count(chr(10))} lines; its docstring must say why"


def test_every_folder_says_what_it_owns():
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc, f"{folder.name}/__init__.py has no docstring saying what the folder owns"


def test_the_readme_layout_table_names_every_module():
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if path.name.startswith("__") or rel.parts[0] not in LAYERS[:-1]:
            continue
        if f"`{path.stem}`" not in layout or f"`  {rel.parts[0]}/`" not in layout:
            missing.append(str(rel))
    assert not missing, f"README's Layout table does not name: {missing}"
