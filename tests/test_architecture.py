"""The arrows point one way (DESIGN.md "Layout"): no import circle ties two apps together, and
pagecache/ imports nothing from the domain apps. Read from the source, every import counted
(inside functions too): a lazy import is still a dependency."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["accounts", "articles", "comments", "config", "notifications", "pagecache", "protection"]


def module_imports() -> dict[str, set[str]]:
    """Each project module -> the project modules it imports."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in filter(None, map(resolve, targets)):
                if target != name:
                    edges[name].add(target)
    return edges


def import_circles(edges) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in list(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_import_circle_ties_two_apps_together():
    circles = import_circles(module_imports())

    across = [sorted(group) for group in circles if len({name.split(".")[0] for name in group}) > 1]
    assert across == []


def test_the_page_cache_imports_nothing_from_the_domain_apps():
    edges = module_imports()

    used = {
        target.split(".")[0]
        for name, targets in edges.items()
        if name.startswith("pagecache")
        for target in targets
    }
    assert used <= {"pagecache"}
