"""What a lab editor shows in tables: the line scenario (stations, buffers, failures), controls,
objectives and hints, plus the suggestions for control paths and metric names.

Only the commonly edited fields are columns; everything else in a scenario stays as written.
"""

from __future__ import annotations

import logging
from typing import Any

from app.courses import authoring as au
from app.i18n import N_
from app.ui.instructor.authoring.tables import Column

log = logging.getLogger(__name__)

STATION_KINDS = ("machine", "robot", "inspection", "assembly")
CONTROL_TYPES = ("int", "float", "choice", "program", "pendant")
OPS = (">=", "<=", ">", "<", "==")
_STATION_METRICS = ("working", "starved", "blocked", "down", "maintenance", "setup", "availability", "performance",
                    "quality", "oee", "failures", "produced", "scrap", "uptime")  # order-driven lines add more
_OTHER_PATHS = {
    "maintenance": ("policy.threshold", "policy.persistence", "policy.response_h", "policy.signal", "policy.rule",
                    "policy.interval_h", "policy", "repair.replace_above", "machines"),
    "robot_cell": ("program", "mode"),
    "robot_arm": ("program", "session", "mode", "override", "tool", "user_frame"),  # session: a pendant control
}


def simulators_or_none() -> Any:
    try:
        import simulators

        return simulators
    except ImportError:  # the editor still works; the lab just cannot be checked or tried
        return None


def bundled_names(kind: str) -> list[str]:
    sims = simulators_or_none()
    if sims is None:
        return []
    return sorted(name for name, (k, _path) in sims.bundled_scenarios().items() if k == kind)


def scenario_dict(kind: str, source: Any) -> dict[str, Any] | None:
    """The scenario as plain data (a bundled name or a mapping), or None if it cannot be read."""
    sims = simulators_or_none()
    if sims is None or source is None:
        return None
    try:
        return sims.scenario_data(sims.load_scenario(kind, au.to_plain(source)))
    except Exception:  # noqa: BLE001 - an unfinished scenario simply gives no suggestions
        return None


def _names(data: dict[str, Any] | None, key: str, prefix: str) -> list[str]:
    items = data.get(key) if isinstance(data, dict) else None
    out = []
    for i, item in enumerate(items or []):
        name = item.get("name") if isinstance(item, dict) else None
        out.append(str(name) if name else f"{prefix}{i + 1}")
    return out


def _order_driven_line(data: dict[str, Any] | None) -> Any:
    """The line scenario of ``data`` if it is order-driven (orders, products, release, balancing…), else None."""
    sims = simulators_or_none()
    if sims is None or not isinstance(data, dict):
        return None
    try:
        scenario = sims.load_scenario("line", data)
    except Exception:  # noqa: BLE001 - an unfinished scenario simply gives no suggestions
        return None
    return scenario if getattr(scenario, "order_driven", False) else None


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def metric_choices(kind: str, data: dict[str, Any] | None) -> list[tuple[str, str]]:
    sims = simulators_or_none()
    names = sorted(sims.metric_names(kind)) if sims is not None and kind in sims.SIMULATORS else []
    task = data.get("task") if kind == "robot_arm" and isinstance(data, dict) else None
    if isinstance(task, dict) and sims is not None:  # the metrics of the scenario's task kind
        from simulators.robot.arm.tasks import TASK_METRICS

        names = sorted(TASK_METRICS.get(str(task.get("kind")), names))
    if kind == "line":
        for s in _names(data, "stations", "S"):
            names += [f"station.{s}.{m}" for m in _STATION_METRICS]
        names += [f"buffer.{b}.mean_level" for b in _names(data, "buffers", "B")]
        flow = _order_driven_line(data)
        if flow is not None:   # due dates, changeovers, the loss tree, products, balancing
            from simulators.line.flow_results import flow_metric_names

            names = _unique(names + flow_metric_names(flow))
    if kind == "vibration" and sims is not None:
        from simulators.vibration.runner import MACHINE_METRICS

        for machine in _names(data, "machines", "M"):
            names += [f"machine.{machine}.{m}" for m in sorted(MACHINE_METRICS)]
    return [(n, n) for n in names]


def path_choices(kind: str, data: dict[str, Any] | None) -> list[tuple[str, str]]:
    if kind == "vibration":   # the trainee's answers per machine, and what shapes a record
        return [(p, p) for m in _names(data, "machines", "M") for p in (
            f"machines.{m}.diagnosis", f"machines.{m}.reading_hz", f"machines.{m}.speed_rpm",
            f"machines.{m}.fault.level")]
    if kind != "line":
        return [(p, p) for p in _OTHER_PATHS.get(kind, ())]
    paths = [f"buffers.{b}.capacity" for b in _names(data, "buffers", "B")]
    for s in _names(data, "stations", "S"):
        paths += [f"stations.{s}.servers", f"stations.{s}.process.mean", f"stations.{s}.failures.ttr.mean",
                  f"stations.{s}.failures.tbf.mean", f"stations.{s}.scrap"]
    flow = _order_driven_line(data)
    if flow is not None:   # dispatching rules, WIP caps, kanban cards, sequence, kaizen, task stations
        from simulators.line.dmm_checks import control_paths

        paths = _unique(control_paths(flow) + paths)
    return [(p, p) for p in paths]


# --- distributions in one cell --------------------------------------------------------------------


def _dist_value(d: Any) -> Any:
    if isinstance(d, int | float) and not isinstance(d, bool):
        return d
    if isinstance(d, dict):
        for key in ("mean", "value", "scale"):
            if key in d:
                return d[key]
    return au.MISSING


def _dist_key(d: dict[str, Any]) -> str:
    return next((k for k in ("mean", "value", "scale") if k in d), "mean")


def dist_column(msgid: str, field: str, width: int = 0) -> Column:
    """A distribution's mean (a bare number is a fixed time) as one number."""

    def get(item: Any) -> Any:
        return _dist_value(item.get(field)) if isinstance(item, dict) else au.MISSING

    def put(item: Any, value: Any) -> tuple[tuple[str | int, ...], Any]:
        cur = item.get(field) if isinstance(item, dict) else None
        if isinstance(cur, dict) and value is not au.MISSING:
            return (field, _dist_key(cur)), value
        return (field,), value

    return Column(msgid, (field,), kind="number", get=get, put=put, width=width)


def failure_column(msgid: str, part: str, width: int = 0) -> Column:
    """Mean time between failures (``tbf``) or to repair (``ttr``); typing one on a reliable station
    adds failures with exponential times (the other one at a typical value); clearing MTBF removes them."""

    def get(item: Any) -> Any:
        f = item.get("failures") if isinstance(item, dict) else None
        return _dist_value(f.get(part)) if isinstance(f, dict) else au.MISSING

    def put(item: Any, value: Any) -> tuple[tuple[str | int, ...], Any]:
        f = item.get("failures") if isinstance(item, dict) else None
        if value is au.MISSING:
            return (("failures",), au.MISSING) if part == "tbf" else (("failures", "ttr"), f.get("ttr") if
                                                                        isinstance(f, dict) else au.MISSING)
        if isinstance(f, dict):
            inner = f.get(part)
            if isinstance(inner, dict):
                return ("failures", part, _dist_key(inner)), value
            return ("failures", part), {"dist": "exponential", "mean": value}
        tbf = value if part == "tbf" else 3600
        ttr = value if part == "ttr" else 300
        return ("failures",), {"tbf": {"dist": "exponential", "mean": tbf},
                               "ttr": {"dist": "exponential", "mean": ttr}, "mode": "time"}

    return Column(msgid, ("failures", part), kind="number", get=get, put=put, width=width)


def station_columns() -> list[Column]:
    return [Column(N_("Station"), ("name",), optional=False),
            Column(N_("Kind"), ("kind",), kind="combo", choices=[(k, k) for k in STATION_KINDS], width=110),
            Column(N_("Servers"), ("servers",), kind="int", width=70),
            dist_column(N_("Process time (s)"), "process", 110),
            failure_column(N_("MTBF (s)"), "tbf", 90),
            failure_column(N_("MTTR (s)"), "ttr", 90),
            Column(N_("Scrap"), ("scrap",), kind="number", width=70)]


def new_station(items: list[Any]) -> dict[str, Any]:
    taken = {str(s.get("name")) for s in items if isinstance(s, dict)}
    n = len(items) + 1
    while f"Station{n}" in taken:
        n += 1
    return {"name": f"Station{n}", "kind": "machine", "process": {"dist": "exponential", "mean": 60}}


def buffer_columns() -> list[Column]:
    return [Column(N_("Buffer"), ("name",)), Column(N_("Capacity"), ("capacity",), kind="int", width=90)]


def new_buffer(items: list[Any]) -> dict[str, Any]:
    return {"name": f"B{len(items) + 1}", "capacity": 3}


# --- controls, objectives, hints ------------------------------------------------------------------


def _default_column() -> Column:
    def get(item: Any) -> Any:
        if not isinstance(item, dict):
            return au.MISSING
        v = item.get("default", au.MISSING)
        if item.get("type") == "program" and isinstance(v, dict):  # per language: show the English one
            v = v.get("en", "")
        if item.get("type") == "program" and isinstance(v, str):
            return v.splitlines()[0] + " …" if "\n" in v else v
        return v

    def put(item: Any, value: Any) -> tuple[tuple[str | int, ...], Any]:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "program" and (isinstance(item.get("default"), dict)
                                  or isinstance(item.get("default"), str) and "\n" in item["default"]):
            return ("default",), item["default"]  # edited below the table, not in a cell
        if kind in ("int", "float") and isinstance(value, str):
            try:
                number = float(value.replace(",", "."))
                value = int(number) if kind == "int" or number.is_integer() else number
            except ValueError:
                pass
        return ("default",), value

    return Column(N_("Default"), ("default",), get=get, put=put, width=90)


def control_columns(paths: Any) -> list[Column]:
    return [Column(N_("Id"), ("id",), optional=False, width=120),
            Column(N_("Scenario path"), ("path",), kind="combo", choices=paths, editable_combo=True, width=200),
            Column(N_("Label (English)"), ("label", "en"), flag_missing=True, width=150),
            Column(N_("Label (Chinese)"), ("label", "zh_CN"), flag_missing=True, width=130),
            Column(N_("Type"), ("type",), kind="combo", choices=[(t, t) for t in CONTROL_TYPES], width=85),
            Column(N_("Min"), ("min",), kind="number", width=60),
            Column(N_("Max"), ("max",), kind="number", width=60),
            Column(N_("Step"), ("step",), kind="number", width=55),
            Column(N_("Unit"), ("unit",), width=60),
            _default_column()]


def new_control(items: list[Any]) -> dict[str, Any]:
    taken = {str(c.get("id")) for c in items if isinstance(c, dict)}
    return {"id": au.unique_id("control", taken), "path": "", "label": au.localized("", ""), "type": "int",
            "min": 0, "max": 10, "step": 1, "default": 1}


def objective_columns(metrics: Any) -> list[Column]:
    return [Column(N_("Metric"), ("metric",), kind="combo", choices=metrics, editable_combo=True, width=190),
            Column(N_("Comparison"), ("op",), kind="combo", choices=[(o, o) for o in OPS], width=80),
            Column(N_("Target"), ("target",), kind="number", width=80),
            Column(N_("Label (English)"), ("label", "en"), width=170),
            Column(N_("Label (Chinese)"), ("label", "zh_CN"), width=150),
            Column(N_("Weight"), ("weight",), kind="number", width=60)]


def new_objective(_items: list[Any]) -> dict[str, Any]:
    return {"metric": "throughput_per_hour", "op": ">=", "target": 50}


def hint_columns() -> list[Column]:
    return [Column(N_("English"), ("en",), flag_missing=True), Column(N_("Chinese"), ("zh_CN",), flag_missing=True)]


def new_hint(_items: list[Any]) -> dict[str, Any]:
    return au.localized("", "")
