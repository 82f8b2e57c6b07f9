"""Cross-checks of an order-driven line scenario, and the stations a line balancing builds.

Every problem raises a field error that names the dotted path at fault, so a lab control
that sets a bad value gets one clear sentence.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from simulators.line import balancing as bal
from simulators.line.dmm_spec import Balancing
from simulators.validation import field_error

# The scenario module calls these checks from its validator, so a scenario is typed ``Any`` here
# (a LineScenario) to keep this module below it (no import cycle).
LineScenario = Any

DEFAULT_PRODUCT = "part"


def balanced_stations(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``stations`` and ``buffers`` built from ``balancing`` (replacing any given).

    Workstation k does the tasks assigned to k; its time is their sum (normal with the
    balancing's ``cv``). A precedence or numbering problem raises a field error on the task.
    """
    data = dict(data)
    try:
        spec = Balancing.model_validate(data["balancing"])
    except ValidationError:
        # let the scenario's own validation name the bad field; keep 'stations' from masking it
        data.setdefault("stations", [{"name": "WS1", "process": 1.0}])
        return data
    tasks = bal.elements(spec.tasks)
    index = {t.name: i for i, t in enumerate(spec.tasks)}
    try:
        bal.check_graph(tasks)
    except bal.BalancingError as exc:
        raise field_error("balancing.tasks", str(exc)) from None
    assignment = {t.name: t.station for t in spec.tasks}
    for problem in bal.assignment_problems(tasks, assignment):
        name = problem.split("'")[1] if problem.startswith("task '") else None
        where = f"balancing.tasks.{index[name]}.station" if name in index else "balancing.tasks"
        raise field_error(where, problem)
    times = bal.station_times(tasks, assignment)
    stations = []
    for k, work in enumerate(times, start=1):
        process: Any = work if spec.cv == 0 else {"dist": "normal", "mean": work, "sd": spec.cv * work}
        label = {"en": f"Workstation {k}", "zh_CN": f"工作站 {k}"}
        stations.append({"name": f"WS{k}", "kind": "assembly", "label": label, "process": process})
    data["stations"] = stations
    data["buffers"] = [{"name": f"B{k}", "capacity": spec.buffer} for k in range(1, len(times))]
    return data


def _families(sc: LineScenario) -> set[str]:
    if not sc.products:
        return {DEFAULT_PRODUCT}
    return {p.family_name for p in sc.products}


def check_order_driven(sc: LineScenario) -> None:
    """Raise a field error for the first inconsistency between products, orders, stations and release."""
    stations = [s.name for s in sc.stations]
    position = {name: i for i, name in enumerate(stations)}
    for i, st in enumerate(sc.stations):
        if st.maintenance is not None:
            raise field_error(f"stations.{i}.maintenance",
                              "planned maintenance is not modelled on a line with products, orders or release "
                              "control; model it as a breakdown or leave it out")
    names = [p.name for p in sc.products]
    for i, product in enumerate(sc.products):
        if product.name in names[:i]:
            raise field_error(f"products.{i}.name", f"duplicate product '{product.name}'")
        route = product.route or stations
        for j, name in enumerate(route):
            if name not in position:
                raise field_error(f"products.{i}.route.{j}",
                                  f"unknown station '{name}' (stations: {', '.join(stations)})")
            if j and position[name] <= position[route[j - 1]]:
                raise field_error(f"products.{i}.route.{j}",
                                  f"'{name}' comes before '{route[j - 1]}' on the line: a route follows the line "
                                  "and visits a station at most once")
        for name in product.process:
            if name not in route:
                raise field_error(f"products.{i}.process.{name}", f"station '{name}' is not on this product's route")
    known = set(names) or {DEFAULT_PRODUCT}
    if sc.mix is not None:
        for name, weight in sc.mix.items():
            if name not in known:
                raise field_error(f"mix.{name}", f"unknown product '{name}' (products: {', '.join(sorted(known))})")
            if weight < 0:
                raise field_error(f"mix.{name}", "a weight must be >= 0")
        if sum(sc.mix.values()) <= 0:
            raise field_error("mix", "the weights must have a positive sum")
    ids = [o.id for o in sc.orders]
    for i, order in enumerate(sc.orders):
        if order.id in ids[:i]:
            raise field_error(f"orders.{i}.id", f"duplicate order '{order.id}'")
        if order.product not in known:
            raise field_error(f"orders.{i}.product",
                              f"unknown product '{order.product}' (products: {', '.join(sorted(known))})")
    if sc.orders and sc.mix is not None:
        raise field_error("mix", "a mix is for units from the source; with an order plan the orders say what to make")
    if sc.orders and sc.source.type == "arrivals":
        raise field_error("source", "a line with an order plan takes its work from the orders, not from arrivals")
    if not sc.orders and sc.source.type == "saturated" and sc.release.type == "push":
        for i, product in enumerate(sc.products):
            if product.route and product.route[0] != stations[0] and (sc.mix is None or sc.mix.get(product.name)):
                raise field_error(f"products.{i}.route",
                                  f"with an endless supply (saturated source) every route starts at '{stations[0]}'")
    _check_release(sc, position, set(ids))
    families = _families(sc)
    for i, st in enumerate(sc.stations):
        if st.changeover is None:
            continue
        for a, row in st.changeover.times.items():
            for b in [a, *row]:
                if b not in families:
                    raise field_error(f"stations.{i}.changeover.times",
                                      f"unknown family '{b}' (families: {', '.join(sorted(families))})")
    if sc.kaizen is not None and sc.kaizen.station not in position:
        raise field_error("kaizen.station", f"unknown station '{sc.kaizen.station}' (stations: {', '.join(stations)})")


def _check_release(sc: LineScenario, position: dict[str, int], ids: set[str]) -> None:
    rel = sc.release
    if rel.sequence is not None:
        if not sc.orders:
            raise field_error("release.sequence", "a release sequence needs an order plan ('orders')")
        seen: set[str] = set()
        for j, order_id in enumerate(rel.sequence):
            if order_id not in ids:
                raise field_error(f"release.sequence.{j}", f"unknown order '{order_id}'")
            if order_id in seen:
                raise field_error(f"release.sequence.{j}", f"order '{order_id}' is listed twice")
            seen.add(order_id)
    for j, loop in enumerate(rel.loops):
        for end in ("first", "last"):
            name = getattr(loop, end)
            if name not in position:
                raise field_error(f"release.loops.{j}.{end}",
                                  f"unknown station '{name}' (stations: {', '.join(position)})")
        if position[loop.first] > position[loop.last]:
            raise field_error(f"release.loops.{j}.last", f"'{loop.last}' comes before '{loop.first}' on the line")


def control_paths(sc: LineScenario) -> list[str]:
    """Dotted paths a lab can set on an order-driven line (for editors' pick lists; see the docs)."""
    paths = [f"stations.{s.name}.dispatch" for s in sc.stations]
    if sc.release.type == "conwip":
        paths.append("release.wip_cap")
    paths += [f"release.loops.{lp.name or i}.cards" for i, lp in enumerate(sc.release.loops)]
    if sc.orders:
        paths += ["release.sequence", "release.rule"]
    if sc.kaizen is not None:
        paths += ["kaizen.loss", "kaizen.station", "kaizen.reduction"]
    if sc.balancing is not None:
        paths += [f"balancing.tasks.{t.name}.station" for t in sc.balancing.tasks]
    return paths
