"""The `within` lookup: one region-subtree filter that every scoped query uses.

Region codes are dotted Kemendagri codes ("32.14.01.2001"), and every row that belongs to an
area stores the code of its most specific region. "Inside area A" is therefore "code == A or
code starts with A + '.'". Written per database so that both use an index: PostgreSQL's
LIKE 'A.%' uses the varchar_pattern_ops index Django creates for indexed text columns;
SQLite's LIKE cannot (Django adds an ESCAPE clause), so it gets the equivalent range test
(in bytewise order '/' sorts right after '.').
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.db.models import Lookup

CODE_RE = re.compile(r"^[0-9]{2}(\.[0-9]{2,4}){0,5}$")


class Within(Lookup):
    lookup_name = "within"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        code = str(self.rhs)
        if not CODE_RE.match(code):
            raise ValueError(f"not a region code: {code!r}")
        if connection.vendor == "postgresql":
            return f"({lhs} = %s OR {lhs} LIKE %s)", [*lhs_params, code, *lhs_params, code + ".%"]
        return (
            f"({lhs} = %s OR ({lhs} > %s AND {lhs} < %s))",
            [*lhs_params, code, *lhs_params, code + ".", *lhs_params, code + "/"],
        )


models.CharField.register_lookup(Within)
models.ForeignKey.register_lookup(Within)
