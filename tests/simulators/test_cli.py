"""``zhizao simulate`` through its own argparse entry points."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from app.cli import simulate


def call(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="zhizao")
    simulate.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_table_with_confidence_intervals(capsys) -> None:
    code, out, err = call(capsys, "basic-three-station-line", "--replications", "3", "--seed", "4")
    assert code == 0 and err == ""
    assert "seed 4, 3 replications" in out
    row = next(line for line in out.splitlines() if line.startswith("throughput_per_hour"))
    mean, ci = row.split()[1:3]
    assert float(mean) > 40 and float(ci) > 0
    assert "Bottleneck station" in out


def test_json_output_and_overrides(capsys) -> None:
    code, out, _ = call(capsys, "pump-bearing-wear", "--replications", "2", "--json",
                        "--set", "policy.threshold=2.0", "--set", "policy.persistence=1")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "maintenance" and data["replications"] == 2 and data["seed"] == 2024
    assert data["metrics"]["false_alarms"]["mean"] > 50
    assert set(data["metrics"]["total_cost"]) == {"mean", "half_width", "n"}


def test_scenario_file_with_detected_kind(capsys, tmp_path: Path) -> None:
    path = tmp_path / "cell.yaml"
    path.write_text("kind: robot_cell\nprogram: |\n  MOVEJ (600, 0, 300)\n  MOVEL (600, 200, 300)\n")
    code, out, _ = call(capsys, str(path), "--json")
    assert code == 0 and json.loads(out)["metrics"]["cycle_time_s"]["mean"] > 0


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["no-such-scenario"], 2, "no such file or bundled scenario"),
        (["basic-three-station-line", "--replications", "0"], 2, "at least 1"),
        (["basic-three-station-line", "--set", "buffers.B1.capacity"], 2, "PATH=VALUE"),
        (["basic-three-station-line", "--set", "buffers.B1.capacity=-2"], 1, "buffers.B1.capacity:"),
        (["pick-and-place-cell", "--set", "program=MOVX"], 1, "program: line 1: unknown instruction"),
        (["pick-and-place-cell", "--kind", "line"], 1, "kind:"),
    ],
)
def test_errors_are_one_line(capsys, argv: list[str], code: int, words: str) -> None:
    got, out, err = call(capsys, *argv)
    assert got == code
    assert words in err and err.count("\n") == 1 and out == ""


def test_invalid_file_reports_file_and_line(capsys, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: line\nstations:\n  - name: A\n    process: {dist: weibull, shape: 0, scale: 3}\n")
    code, _, err = call(capsys, str(path))
    assert code == 1
    assert f"{path}:4: stations.0.process.shape:" in err
