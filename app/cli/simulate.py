"""``zhizao simulate``: run a scenario and print its metrics with 95 % confidence intervals."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from app.i18n import _


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "simulate",
        help=_("run a line, maintenance or robot-cell scenario and print its metrics"),
        description=_("Run a simulator scenario (a YAML/JSON file or a bundled scenario name) and print "
                      "its metrics with 95 percent confidence intervals across replications."),
    )
    parser.add_argument("scenario", metavar="SCENARIO", help=_("a YAML/JSON file or a bundled scenario name"))
    parser.add_argument("--kind", choices=("line", "maintenance", "robot_cell", "vibration", "robot_arm"),
                        help=_("the simulator (default: the scenario's own 'kind:')"))
    parser.add_argument("--seed", type=int, metavar="N", help=_("random seed (default: the scenario's seed)"))
    parser.add_argument("--replications", type=int, metavar="R",
                        help=_("number of replications (default: the scenario's)"))
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="overrides",
                        help=_("override a scenario field, e.g. buffers.1.capacity=5 (repeatable)"))
    parser.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    parser.set_defaults(func=run)
    return parser


def _parse_value(text: str) -> object:
    """A YAML scalar or flow mapping: 5 → int, 2.5 → float, {dist: fixed, value: 3} → dict."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from simulators.validation import yaml_nesting_exceeds

    if yaml_nesting_exceeds(text) is not None:  # ruamel would take seconds, then recurse too deep: text
        return text
    try:
        value = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return text
    return text if value is None and text.strip() not in ("null", "~") else value


def _error(message: str, code: int) -> int:
    print(_("zhizao simulate: {message}").format(message=message), file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    import simulators
    from simulators.loading import resolve_source
    from simulators.validation import MAX_REPLICATIONS

    if args.replications is not None and args.replications < 1:
        return _error(_("--replications must be at least 1"), 2)
    if args.replications is not None and args.replications > MAX_REPLICATIONS:
        return _error(_("--replications must be at most {max}").format(max=MAX_REPLICATIONS), 2)
    overrides: dict[str, object] = {}
    for item in args.overrides:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            return _error(_("--set needs PATH=VALUE, got '{item}'").format(item=item), 2)
        overrides[path.strip()] = _parse_value(raw)
    if not Path(args.scenario).is_file() and args.scenario not in simulators.bundled_scenarios():
        names = ", ".join(sorted(simulators.bundled_scenarios()))
        return _error(_("no such file or bundled scenario: {name} (bundled: {names})").format(
            name=args.scenario, names=names), 2)
    try:
        kind = args.kind or simulators.detect_kind(args.scenario)
        data, tree, label = resolve_source(args.scenario)
        if overrides:
            data = simulators.apply_overrides(kind, data, overrides)
            tree = None
        from simulators.loading import validate

        scenario = validate(kind, data, tree, label)
        summary = simulators.run_replications(kind, scenario, args.seed, args.replications)
    except simulators.ScenarioError as exc:
        return _error(exc.located(), 1)

    extra: dict[str, Any] = {}
    if kind == "line":
        extra["bottleneck_station"] = summary.bottlenecks
    if args.json:
        payload = {
            "scenario": args.scenario,
            "kind": kind,
            "seed": summary.seed,
            "replications": summary.replications,
            "metrics": {
                name: {"mean": m.mean, "half_width": m.half_width, "n": m.n}
                for name, m in sorted(summary.metrics.items())
            },
            **extra,
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    _print_table(args.scenario, kind, summary)
    return 0


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e12:
        return f"{int(value)}"
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


def _print_table(name: str, kind: str, summary: Any) -> None:
    print(_("Scenario: {name} ({kind}), seed {seed}, {n} replications").format(
        name=name, kind=kind, seed=summary.seed, n=summary.replications))
    header_metric, header_mean, header_ci = _("metric"), _("mean"), _("± 95% CI")
    width = max(len(header_metric), *(len(n) for n in summary.metrics))
    print(f"{header_metric:<{width}}  {header_mean:>12}  {header_ci:>12}")
    for metric, s in sorted(summary.metrics.items()):
        ci = _fmt(s.half_width) if s.n > 1 else "-"
        print(f"{metric:<{width}}  {_fmt(s.mean):>12}  {ci:>12}")
    if summary.bottlenecks:
        counts = ", ".join(f"{station} ({count})" for station, count in
                           sorted(summary.bottlenecks.items(), key=lambda kv: (-kv[1], kv[0])))
        print(_("Bottleneck station (replications): {counts}").format(counts=counts))
