"""Zhizao override of PyInstaller's sqlalchemy hook: the same collection, with the dialect packages read from
``sqlalchemy.dialects.__all__`` in its source instead of by importing it in a child Python (two child Pythons,
0.6 s of build CPU). The spec's excludes drop the dialects the app does not support.

Upstream's scan for ``@util.dependencies`` is left out: that decorator was SQLAlchemy 0.9-1.3's, and the app
needs SQLAlchemy 2 (no module of it has the decorator)."""

import ast
import importlib.util
from pathlib import Path

from PyInstaller.utils.hooks import collect_entry_point


def _dialect_packages() -> list[str]:
    source = Path(importlib.util.find_spec("sqlalchemy.dialects").origin).read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return [f"sqlalchemy.dialects.{name}" for name in ast.literal_eval(node.value)]
    raise SystemExit("hook-sqlalchemy: no __all__ in sqlalchemy/dialects/__init__.py")


datas = []
excludedimports = ["sqlalchemy.testing"]
hiddenimports = ["pysqlite2", "MySQLdb", "psycopg2", "sqlalchemy.ext.baked", "sqlalchemy.sql.default_comparator",
                 *_dialect_packages()]
for entry_point_name in ("sqlalchemy.dialects", "sqlalchemy.plugins"):
    ep_datas, ep_hiddenimports = collect_entry_point(entry_point_name)
    datas += ep_datas
    hiddenimports += ep_hiddenimports
