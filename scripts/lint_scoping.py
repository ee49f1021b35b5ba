#!/usr/bin/env python3
"""Fails on scoping written by hand (docs/decisions/0016-enforced-scoping.md).

Reads the Python files under warga/ (tests and migrations excepted) and reports:

- `unscoped(...)` without a non-empty string literal as its reason: the reason is what a
  reviewer greps for, so it must be written where the scope is lifted;
- a region code compared by prefix (`code__startswith`, `desa__startswith`, `…_id__startswith`,
  `…__code__startswith`): use the `within` lookup (decision 0002);
- `_base_manager` or `all_objects` of an area-bound model outside an `unscoped(...)` block: the
  plain manager skips the scope.

Area-bound models are those whose class body assigns `objects = ScopedManager()`.
Usage: python scripts/lint_scoping.py [paths…]   (exit status 1 when something is found)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Fields holding a region (a Region foreign key or a region-code column).
REGION_FIELDS = {"code", "region", "desa", "kecamatan", "kabupaten", "area", "parent"}
PLAIN_MANAGERS = {"_base_manager", "all_objects"}


def python_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            parts = set(file.parts)
            if "migrations" in parts or "tests" in parts:
                continue
            yield file


def area_bound_models(files: list[Path]) -> set[str]:
    names: set[str] = set()
    for file in files:
        if file.name != "models.py":
            continue
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.value, ast.Call)
                    and _name(stmt.value.func) == "ScopedManager"
                ):
                    names.add(node.name)
    return names


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def is_region_prefix_lookup(key: str) -> bool:
    parts = key.split("__")
    if len(parts) < 2 or parts[-1] not in {"startswith", "istartswith"}:
        return False
    field = parts[-2].removesuffix("_id")
    return field in REGION_FIELDS


class Checker(ast.NodeVisitor):
    def __init__(self, file: Path, area_bound: set[str]) -> None:
        self.file = file
        self.area_bound = area_bound
        self.unscoped_depth = 0
        self.problems: list[str] = []

    def report(self, node: ast.AST, message: str) -> None:
        path = self.file.relative_to(ROOT) if self.file.is_relative_to(ROOT) else self.file
        self.problems.append(f"{path}:{getattr(node, 'lineno', 0)}: {message}")

    def _is_unscoped_call(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _name(node.func) == "unscoped"

    def visit_With(self, node: ast.With) -> None:
        self._visit_block(node, [item.context_expr for item in node.items])

    def _visit_block(
        self, node: ast.With | ast.FunctionDef | ast.AsyncFunctionDef, exprs: list[ast.expr]
    ) -> None:
        lifted = any(self._is_unscoped_call(e) for e in exprs)
        for expr in exprs:
            self.visit(expr)
        self.unscoped_depth += lifted
        body_nodes = node.body
        for stmt in body_nodes:
            self.visit(stmt)
        self.unscoped_depth -= lifted
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.visit(node.args)
            if node.returns:
                self.visit(node.returns)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_block(node, list(node.decorator_list))

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_block(node, list(node.decorator_list))

    def visit_Call(self, node: ast.Call) -> None:
        if self._is_unscoped_call(node):
            reason = node.args[0] if node.args else None
            if not (
                isinstance(reason, ast.Constant) and isinstance(reason.value, str) and reason.value.strip()
            ):
                self.report(node, 'unscoped() needs a string literal saying why: unscoped("…")')
        for keyword in node.keywords:
            if keyword.arg and is_region_prefix_lookup(keyword.arg):
                self.report(node, f"`{keyword.arg}` compares a region code by prefix: use `__within`")
        # Q(**{"desa__startswith": …}) and .filter(**{…})
        for keyword in node.keywords:
            if keyword.arg is None and isinstance(keyword.value, ast.Dict):
                for key in keyword.value.keys:
                    value = key.value if isinstance(key, ast.Constant) else None
                    if isinstance(value, str) and is_region_prefix_lookup(value):
                        self.report(node, f"`{value}` compares a region code by prefix: use `__within`")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in PLAIN_MANAGERS and not self.unscoped_depth:
            owner = _name(node.value)
            if owner in self.area_bound or owner in {"model", "cls"} or owner.startswith("type"):
                self.report(
                    node,
                    f"`{owner}.{node.attr}` skips the scope of an area-bound model: "
                    'use the default manager, or an unscoped("…") block',
                )
        self.generic_visit(node)


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or [ROOT / "warga"]
    files = list(python_files(paths))
    area_bound = area_bound_models(list(python_files([ROOT / "warga"])))
    problems: list[str] = []
    for file in files:
        checker = Checker(file, area_bound)
        checker.visit(ast.parse(file.read_text(), str(file)))
        problems += checker.problems
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} scoping problem(s); see docs/decisions/0016-enforced-scoping.md",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
