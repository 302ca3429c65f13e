"""The core app imports nothing from the apps built on it (STYLE §9): every import under
projects/, at the top of a module or inside a function, read from the source with ast."""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

CORE = "projects"
UPPER = ("reporting", "paperwork")


def imported_modules(source: str, module: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, the module named ``module``
    ("projects.rules.start"); relative imports resolved against its package, imports inside
    functions and classes included."""
    package = module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            yield node.lineno, prefix
            # "from x import y" may name a module y of package x.
            for alias in node.names:
                yield node.lineno, f"{prefix}.{alias.name}"


def upward_imports(root: Path) -> list[str]:
    """Each import of ``UPPER`` from a .py file under ``root/CORE``, as "path:line module"."""
    found = []
    for path in sorted((root / CORE).rglob("*.py")):
        relative = path.relative_to(root)
        module = ".".join(relative.with_suffix("").parts)
        for line, name in imported_modules(path.read_text(encoding="utf-8"), module):
            if name.split(".")[0] in UPPER:
                found.append(f"{relative}:{line} {name}")
    return sorted(set(found))


def test_core_app_imports_nothing_from_the_apps_above_it() -> None:
    """No module of projects/ imports reporting or paperwork, at any depth."""
    assert upward_imports(Path(settings.BASE_DIR)) == []


def test_the_reader_sees_imports_inside_functions_and_relative_ones() -> None:
    """The graph reader finds an import hidden in a function and resolves relative ones."""
    source = (
        "from . import selectors\n"
        "from ..rules import start\n"
        "def home():\n"
        "    from paperwork.selectors.overview import paperwork_rows\n"
        "    import reporting.charts\n"
    )
    names = {name for _, name in imported_modules(source, "projects.sub.views")}
    assert {"projects.sub.selectors", "projects.rules.start"} <= names
    assert {"paperwork.selectors.overview", "reporting.charts"} <= names


def test_the_check_fails_on_an_upward_import(tmp_path: Path) -> None:
    """A core module importing reporting inside a function is reported with its line."""
    (tmp_path / CORE).mkdir()
    (tmp_path / CORE / "admin.py").write_text(
        "import io\n\ndef f():\n    from reporting.exports import formats\n", encoding="utf-8"
    )
    assert upward_imports(tmp_path) == [
        "projects/admin.py:4 reporting.exports",
        "projects/admin.py:4 reporting.exports.formats",
    ]


def test_paperwork_reads_import_no_writes() -> None:
    """paperwork's selectors never import its services, forms or views: services read through the
    selectors, never the reverse, so the layers cannot import each other in a circle."""
    base = Path(settings.BASE_DIR)
    found = [
        f"{path.relative_to(base)}:{line} {name}"
        for path in sorted((base / "paperwork" / "selectors").glob("*.py"))
        for line, name in imported_modules(
            path.read_text(encoding="utf-8"), f"paperwork.selectors.{path.stem}"
        )
        if name.startswith(("paperwork.services", "paperwork.forms", "paperwork.views"))
    ]
    assert len(list((base / "paperwork" / "selectors").glob("*.py"))) > 5
    assert found == []
