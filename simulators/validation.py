"""Turn pydantic errors into one ScenarioError that names the field, in the user's terms."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from simulators.errors import Diagnostic, ScenarioError

_FIELD_ERROR = "zhizao_field"

# Work limits no scenario, lab or command line can exceed (documented in docs/simulators.md, "Limits").
# Each is far above every bundled scenario and course lab (the longest shift is 8 h, the busiest run
# ~43,000 events, the most replications 20), and low enough that a run ends in seconds, not never.
MAX_REPLICATIONS = 10_000
MAX_SIM_TIME_S = 31_536_000.0      # a line's shift (and its warm-up): one year of simulated time
MAX_SERIES_POINTS = 100_000        # a line's time-series points, (warm-up + shift) / series_step_s
MAX_EVENTS_PER_RUN = 5_000_000     # the runner's budget of simulation events per replication (~10 s CPU)
MAX_ORDERS = 2_000                 # a line's orders (a bundled line has at most 32)
MAX_ORDERED_UNITS = 100_000        # units over all orders (the bundled most: 1,200)
MAX_VIBRATION_SAMPLES = 4_194_304  # samples over all machines of a vibration record (~300 MB; bundled 229,376)
MAX_PATH_POINTS = 500_000          # a robot cycle's sampled path (~100 MB; a bundled cycle has ~100 points)
# A scenario file (YAML/JSON) as read: bundled and course ones are under 10 kB, 8 levels and 310 values.
MAX_SCENARIO_CHARS = 2_000_000
MAX_SCENARIO_DEPTH = 32
MAX_SCENARIO_VALUES = 500_000      # after YAML aliases are expanded (a "billion laughs" file stops here)


def field_error(sub: str, message: str, diagnostics: Iterable[Diagnostic] | None = None) -> PydanticCustomError:
    """Raise from a model validator to blame ``sub`` (dotted, relative to the model).

    ``diagnostics`` (a program's or rule's problems) travel on to the ScenarioError; by default
    those of the exception being handled, so ``except RuleError: raise field_error(...)`` keeps them.
    """
    if diagnostics is None:
        diagnostics = getattr(sys.exc_info()[1], "diagnostics", ())
    return PydanticCustomError(_FIELD_ERROR, "{message}",
                               {"sub": sub, "message": message, "diagnostics": tuple(diagnostics)})


def _walk_loc(loc: tuple[Any, ...], data: Any) -> list[str]:
    """Keep the loc parts that exist in the input; drop union tags and validator names."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(node, dict) and isinstance(item, str) and item in (
                node.get("type"), node.get("dist"), node.get("model"), node.get("kind")):
            continue  # the tag pydantic adds for a discriminated union
        if isinstance(node, dict) and item in node:
            parts.append(str(item))
            node = node[item]
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            parts.append(str(item))
            node = node[item]
        elif isinstance(item, str) and ("[" in item or item in _TAG_LIKE or not isinstance(node, (dict, list))):
            continue  # a discriminated-union tag or validator wrapper, not a field
        else:
            parts.append(str(item))  # a missing field: still name it
            node = None
    return parts


_TAG_LIKE = frozenset(
    {"fixed", "exponential", "normal", "lognormal", "triangular", "uniform", "weibull",
     "saturated", "arrivals", "run_to_failure", "fixed_interval", "condition_based", "rule",
     "gamma", "int", "str", "float", "list", "dict", "none", "function-after", "function-before"}
)


def _message(err: dict[str, Any]) -> tuple[str | None, str]:
    """(extra field suffix, message) for one pydantic error."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == _FIELD_ERROR:
        return ctx.get("sub") or None, ctx["message"]
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'\"")
        what = "distribution" if key == "dist" else key
        return key or None, f"unknown {what} '{ctx.get('tag')}' (expected one of: {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "")).strip("'\"")
        return key or None, f"required field '{key}' is missing"
    if kind == "extra_forbidden":
        return None, "unknown field"
    if kind == "missing":
        return None, "required field is missing"
    msg: str = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return None, msg[:1].lower() + msg[1:]


def convert(exc: ValidationError, data: Any) -> ScenarioError:
    """The first error of ``exc`` as a ScenarioError naming the dotted field."""
    err = exc.errors()[0]
    parts = _walk_loc(tuple(err["loc"]), data)
    sub, message = _message(err)
    if sub:
        parts.extend(sub.split("."))
    field = ".".join(parts) or "scenario"
    diagnostics = (err.get("ctx") or {}).get("diagnostics", ()) if err["type"] == _FIELD_ERROR else ()
    return ScenarioError(field, message, diagnostics=diagnostics)
