"""The layer contract, read from the source with ``ast`` (nothing is imported, so no import side effect hides an
edge): sources import only the request, HTTP, schema, config, errors and country modules and each other; metrics
reach no store writer and no UI; the UI reaches no function that writes to the store; and the import graph of
``tracker/`` has no cycle.

An edge is any ``import`` in a module, at the top or inside a function (a deferred import is still a dependency),
except under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tracker.config import REPO_ROOT

# What a fetcher may import besides the other modules of tracker/sources (base, sdmx, jsonstat, values).
SOURCE_MAY_IMPORT = frozenset({
    "tracker.request", "tracker.http", "tracker.schemas", "tracker.tables", "tracker.config", "tracker.errors",
    "tracker.countries",
})
# Modules of the layers above the metrics, and the store's writing side.
ABOVE_METRICS = ("tracker.ui", "tracker.commands", "tracker.cli", "tracker.scheduling", "tracker.startup",
                 "tracker.reports", "tracker.alerts", "tracker.fetch", "tracker.sample")
STORE_WRITING = ("tracker.store", "tracker.atomic", "tracker.store_check", "tracker.freshness", "tracker.parts_cache",
                 "tracker.baci.importer", "tracker.baci.download")
# Methods of Store that write, besides those found from its source (see ``store_write_methods``).
KNOWN_WRITE_METHODS = frozenset({"upsert", "replace", "publish_staged", "point_at", "writer_lock"})
STORE_RECEIVER = re.compile(r"store", re.IGNORECASE)



@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    is_package: bool
    imports: set[str] = field(default_factory=set)  # tracker modules imported (edges of the graph)
    names: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # local name -> (module, attribute)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:``: annotations only, never run."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped |= {id(child) for statement in node.body for child in ast.walk(statement)}
    return skipped


def load_package(root: Path, package: str = "tracker") -> dict[str, Module]:
    """Every module of ``root/package`` with its tracker imports resolved to module names."""
    modules: dict[str, Module] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8")), is_package)
    for module in modules.values():
        skipped = _type_checking_nodes(module.tree)
        here = module.name if module.is_package else module.name.rpartition(".")[0]
        for node in ast.walk(module.tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        module.imports.add(alias.name)
                        module.names[alias.asname or alias.name] = (alias.name, None)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    if submodule in modules:  # ``from tracker import llm``: the module itself
                        module.imports.add(submodule)
                        module.names[alias.asname or alias.name] = (submodule, None)
                    elif base in modules:
                        module.imports.add(base)
                        module.names[alias.asname or alias.name] = (base, alias.name)
    return modules


def reachable(modules: dict[str, Module], start: str) -> set[str]:
    """The modules ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for name in modules[todo.pop()].imports - seen:
            seen.add(name)
            todo.append(name)
    return seen


def cycles(modules: dict[str, Module]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan), each a set of modules on a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in modules[name].imports:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component: set[str] = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == name:
                    break
            if len(component) > 1 or name in modules[name].imports:
                found.append(frozenset(component))

    for name in sorted(modules):
        if name not in index:
            visit(name)
    return found


def store_write_methods(modules: dict[str, Module]) -> set[str]:
    """Store's methods that write: those that take the writer lock or report a write failure, and the lock."""
    store = next(node for node in modules["tracker.store"].tree.body
                 if isinstance(node, ast.ClassDef) and node.name == "Store")
    found = {"writer_lock"}
    for method in store.body:
        if isinstance(method, ast.FunctionDef):
            used = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(method)
                    if isinstance(n, ast.Attribute | ast.Name)}
            if used & {"writer_lock", "write_failure"} and not method.name.startswith("_"):
                found.add(method.name)
    return found


def _receiver(node: ast.expr) -> str:
    """The last name of a call's receiver: ``store`` for ``store.x()`` and ``self.store.x()``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _receiver(node.func)
    return ""


def _functions(module: Module) -> Iterator[tuple[str, ast.AST]]:
    """(qualified name, node) of the module's code: each top-level function and method, and ``<module>``."""
    yield "<module>", module.tree
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            yield from ((f"{node.name}.{item.name}", item) for item in node.body
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef))


def _direct_writes(node: ast.AST, write_methods: set[str]) -> list[str]:
    """Calls in ``node`` of a Store write method (``replace`` only on a receiver named like a store)."""
    return [ast.unparse(call.func) for call in ast.walk(node)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in write_methods
            and (call.func.attr != "replace" or STORE_RECEIVER.search(_receiver(call.func.value)))]


def _defining(modules: dict[str, Module], target: tuple[str, str]) -> tuple[str, str]:
    """Where a name is defined, following re-exports (``tracker.metrics.compute_tables`` is tables')."""
    for _ in range(len(modules)):
        module = modules.get(target[0])
        origin = module.names.get(target[1]) if module is not None else None
        if origin is None or origin[1] is None:
            return target
        target = (origin[0], origin[1])
    return target


def _references(modules: dict[str, Module], module: Module, node: ast.AST) -> set[tuple[str, str]]:
    """The (module, function) pairs of other modules that ``node`` names, and this module's own functions."""
    own = {name for name, _ in _functions(module)}
    found: set[tuple[str, str]] = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Name):
            if item.id in module.names and module.names[item.id][1] is not None:
                found.add(_defining(modules, (module.names[item.id][0], str(module.names[item.id][1]))))
            elif item.id in own and item is not node:
                found.add((module.name, item.id))
        elif (isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) and item.value.id in module.names
              and module.names[item.value.id][1] is None):
            found.add(_defining(modules, (module.names[item.value.id][0], item.attr)))
    return found


def writing_functions(modules: dict[str, Module]) -> dict[tuple[str, str], str]:
    """Every function that writes to the store, directly or through a call chain the source shows, with why."""
    write_methods = store_write_methods(modules)
    writes: dict[tuple[str, str], str] = {}
    calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for module in modules.values():
        if module.name == "tracker.store":
            continue  # the store itself: its methods are the writes being traced
        for name, node in _functions(module):
            if name == "<module>":
                continue
            direct = _direct_writes(node, write_methods)
            if direct:
                writes[(module.name, name)] = f"calls {direct[0]}"
            calls[(module.name, name)] = _references(modules, module, node)
    changed = True
    while changed:
        changed = False
        for caller, callees in calls.items():
            if caller not in writes:
                hit = next((callee for callee in sorted(callees) if callee in writes), None)
                if hit is not None:
                    writes[caller] = f"calls {hit[0]}.{hit[1]}"
                    changed = True
    return writes


def ui_writes(modules: dict[str, Module], root: Path, ui_files: list[Path]) -> list[str]:
    """Where UI code writes to the store or names a function that does, as ``file: what``."""
    write_methods, writers = store_write_methods(modules), writing_functions(modules)
    problems: list[str] = []
    for path in ui_files:
        name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        module = modules.get(name)
        if module is None:  # app.py, outside the package
            module = Module(name, path, ast.parse(path.read_text(encoding="utf-8")), False)
            module.names = load_package_names(module, modules)
        problems += [f"{path.name}: calls {call}" for call in _direct_writes(module.tree, write_methods)]
        problems += [f"{path.name}: uses {target[0]}.{target[1]}, which {writers[target]}"
                     for target in sorted(_references(modules, module, module.tree)) if target in writers]
    return problems


def load_package_names(module: Module, modules: dict[str, Module]) -> dict[str, tuple[str, str | None]]:
    """The tracker names a module outside the package imports (app.py)."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in modules:
                    names[alias.asname or alias.name] = (f"{node.module}.{alias.name}", None)
                elif node.module in modules:
                    names[alias.asname or alias.name] = (node.module, alias.name)
    return names


MODULES = load_package(REPO_ROOT)
UI_FILES = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "tracker" / "ui").rglob("*.py"))]


def _in(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_layers_the_graph_is_read() -> None:
    """The reader sees the edges that are known to exist (else every rule below would pass vacuously)."""
    assert len(MODULES) > 80
    assert "tracker.request" in MODULES["tracker.sources.comtrade"].imports
    assert "tracker.store" in MODULES["tracker.ui.data"].imports
    assert "tracker.forecast" in MODULES["tracker.metrics.demand"].imports  # a deferred import counts
    assert "tracker.config" not in MODULES["tracker.ui.components"].imports  # under TYPE_CHECKING: not an edge
    assert store_write_methods(MODULES) >= KNOWN_WRITE_METHODS
    writers = writing_functions(MODULES)
    assert ("tracker.alerts", "read_alerts") not in writers
    assert any(key[0] == "tracker.fetch" for key in writers)
    assert ("tracker.commands.metrics", "run") in writers  # through tracker.refresh.refresh
    assert ("tracker.refresh", "refresh_metric_tables") in writers
    assert not any(key[0].startswith("tracker.metrics") for key in writers)


SOURCES = sorted(name for name in MODULES if _in(name, ("tracker.sources",)))


@pytest.mark.parametrize("name", SOURCES)
def test_layers_sources_import_only_the_fetch_foundations(name: str) -> None:
    wrong = sorted(target for target in MODULES[name].imports
                   if target not in SOURCE_MAY_IMPORT and not _in(target, ("tracker.sources",)))
    assert not wrong, f"{name} imports {wrong}; a fetcher may import only {sorted(SOURCE_MAY_IMPORT)}"


METRICS = sorted(name for name in MODULES if _in(name, ("tracker.metrics",)))


@pytest.mark.parametrize("name", METRICS)
def test_layers_metrics_reach_no_store_writer_and_no_ui(name: str) -> None:
    wrong = sorted(target for target in reachable(MODULES, name) if _in(target, ABOVE_METRICS + STORE_WRITING))
    assert not wrong, f"{name} imports (directly or through others) {wrong}: metrics are pure computations"


def test_layers_the_ui_never_writes_to_the_store() -> None:
    """No UI module (nor app.py) calls a Store write method or names a function that reaches one."""
    problems = ui_writes(MODULES, REPO_ROOT, UI_FILES)
    assert not problems, "the UI writes to the store: " + "; ".join(problems)


def test_layers_no_import_cycle() -> None:
    found = cycles(MODULES)
    assert not found, f"import cycles: {[sorted(c) for c in found]}"


def test_layers_the_checks_catch_a_violation(tmp_path: Path) -> None:
    """On a small hand-made package, the checks find a cycle, a forbidden import and a UI write."""
    package = tmp_path / "tracker"
    (package / "ui").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "store.py").write_text(
        "class Store:\n"
        "    def writer_lock(self): ...\n"
        "    def upsert(self, table, frame):\n        with self.writer_lock(): ...\n"
        "    def replace(self, table, frame):\n        with self.writer_lock(): ...\n"
        "    def scan(self, table): ...\n")
    (package / "a.py").write_text("from tracker import b\n")
    (package / "b.py").write_text("def f():\n    from tracker.a import x\n")
    (package / "saving.py").write_text("def keep(store):\n    store.upsert('t', None)\n"
                                       "def later(store):\n    keep(store)\n")
    (package / "ui" / "__init__.py").write_text("")
    (package / "ui" / "page.py").write_text("from tracker.saving import later\nfrom tracker.store import Store\n"
                                            "text = 'a'.replace('a', 'b')\nStore().scan('t')\nlater(None)\n")
    modules = load_package(tmp_path)
    assert cycles(modules) == [frozenset({"tracker.a", "tracker.b"})]
    assert store_write_methods(modules) == {"writer_lock", "upsert", "replace"}
    assert writing_functions(modules) == {("tracker.saving", "keep"): "calls store.upsert",
                                          ("tracker.saving", "later"): "calls tracker.saving.keep"}
    assert reachable(modules, "tracker.a") == {"tracker.a", "tracker.b"}
    assert ui_writes(modules, tmp_path, [package / "ui" / "page.py"]) == [
        "page.py: uses tracker.saving.later, which calls tracker.saving.keep"]
    (package / "ui" / "page.py").write_text("def save(store):\n    store.replace('t', None)\n")
    assert ui_writes(load_package(tmp_path), tmp_path, [package / "ui" / "page.py"]) == [
        "page.py: calls store.replace"]


def test_layers_schema_for_knows_every_table_whatever_was_imported() -> None:
    """In a fresh interpreter that imports the catalogue alone, every table is known, the metric, alert and job-run
    tables included (they used to be registered by importing their modules, so what was known depended on that)."""
    code = ("import sys; from tracker.tables import TABLES, schema_for; "
            "print(sorted(TABLES)); print(schema_for('job_runs').key, schema_for('group_demand').key); "
            "print(sorted(m for m in sys.modules if m.startswith('tracker.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True,
                         timeout=60).stdout.splitlines()
    assert {"trade", "fetch_log", "group_market", "group_export_potential", "group_nowcast", "group_demand",
            "alerts", "job_runs"} <= set(out[0].strip("[]").replace("'", "").split(", "))
    assert out[1] == "('run_id',) ('group', 'market')"
    assert "tracker.metrics" not in out[2] and "tracker.alerts" not in out[2] and "tracker.store" not in out[2]


def test_layers_no_import_only_for_its_side_effect() -> None:
    """An import whose name goes unused is either a re-export (said so) or an import for a side effect, which the
    catalogue made unnecessary: none may come back."""
    found = [f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
             for path in sorted((REPO_ROOT / "tracker").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "noqa: F401" in line and "re-export" not in line]
    assert not found, found
