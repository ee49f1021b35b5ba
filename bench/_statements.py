"""Each SQL statement a block of code runs, with its time (`connection.execute_wrapper`)."""

from __future__ import annotations

import time
from typing import Any


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[float, str]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.rows.append(((time.perf_counter() - started) * 1000, sql))
