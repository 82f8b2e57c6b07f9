"""The YAML nesting pre-check: a deep file is refused before any parser runs, and no file a parser
accepts within the depth limits is refused (its bound is at least the real depth, and small)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from app.courses.yamlio import MAX_DEPTH, TextError, parse_positions, parse_yaml, parse_yaml_pure
from simulators.errors import ScenarioError
from simulators.loading import read_text
from simulators.validation import MAX_SCENARIO_DEPTH, MAX_YAML_NESTING_BOUND, yaml_nesting_exceeds

ROOT = Path(__file__).resolve().parents[2]


def bound(text: str) -> int:
    """The scanner's bound: the least limit it does not refuse."""
    lo, hi = 0, 8
    while yaml_nesting_exceeds(text, hi) is not None:
        lo, hi = hi + 1, hi * 4
    while lo < hi:
        mid = (lo + hi) // 2
        if yaml_nesting_exceeds(text, mid) is None:
            hi = mid
        else:
            lo = mid + 1
    return lo


def depth(value: object) -> int:
    """Collection levels, as the loaders count them (a scalar is 0, ``[]`` is 1)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in [*value.keys(), *value.values()]), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def documents(text: str) -> list[object] | None:
    """Every document of ``text`` (libyaml, aliases allowed), or None if it does not parse."""
    try:
        return list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def check(text: str) -> tuple[int, int]:
    """(real depth, bound) of a text that parses; the bound never under- or grossly over-states it."""
    docs = documents(text)
    assert docs is not None, text
    real, upper = max((depth(d) for d in docs), default=0), bound(text)
    assert real <= upper <= 2 * real + 2, (real, upper, text)
    return real, upper


# --- every YAML file of the project ------------------------------------------------------------------

REPO_YAML = sorted(p for folder in ("courses", "simulators", "tests") for pattern in ("*.yaml", "*.yml", "*.json")
                   for p in (ROOT / folder).rglob(pattern))


def test_every_yaml_file_in_the_repository_is_bounded_tightly():
    checked = 0
    for path in REPO_YAML:
        text = path.read_text(encoding="utf-8", errors="replace")
        if documents(text) is None:
            continue  # a fixture that is broken on purpose
        real, upper = check(text)
        assert upper <= MAX_SCENARIO_DEPTH, path  # far below the pre-check's limit
        checked += 1
    assert checked > 50  # the course, scenario and cell files were found


# --- generated documents: every style ruamel writes, with strings that look like structure -----------

TRICKY = ["a", "[x", "{y", "]", "}", "it's", 'say "hi" [', "# not", "a: b", "- x", "line\nbreak [{", "  lead",
          "? q", "|", ">x", "&a", "*b", "!t", "", "long " * 30 + "[[ {{", "x: [1", "\\", "'", '"', "-", ":", "a #b"]


def _tree(rng: random.Random, level: int) -> object:
    r = rng.random()
    if level > 7 or r < 0.3:
        return rng.choice([*TRICKY, 1, 2.5, None, True])
    if r < 0.65:
        return {rng.choice(TRICKY[:10]) + str(i): _tree(rng, level + 1) for i in range(rng.randint(0, 4))}
    return [_tree(rng, level + 1) for _ in range(rng.randint(0, 4))]


def _dumped(rng: random.Random) -> str:
    data = {"k": _tree(rng, 0)}
    y = YAML(typ="rt")
    y.default_flow_style = rng.choice([None, True, False])
    y.width = rng.choice([12, 80, 4096])  # narrow: long strings become multi-line scalars
    y.indent(mapping=rng.choice([1, 2, 4]), sequence=rng.choice([2, 4]), offset=rng.choice([0, 2]))
    out = io.StringIO()
    y.dump(data, out)
    text = out.getvalue()
    if rng.random() < 0.3:  # comments full of brackets and quotes (not after a block scalar's header)
        text = "\n".join(line + (" # [[{{ '\"" if rng.random() < 0.3 and line.strip()[-2:-1] not in "|>" and
                                 line.strip()[-1:] not in "|>" else "") for line in text.split("\n"))
    return text


@pytest.mark.parametrize("seed", range(4))
def test_generated_documents_are_bounded_tightly(seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(150):
        text = _dumped(rng)
        if documents(text) is not None:
            check(text)
            checked += 1
    assert checked > 100


PIECES = ["a:", " b:", "  - ", "- ", "[", "]", "{", "}", ", ", ": ", "x", "'q'", '"d"', "'[{'", '"]\\"["', "\n",
          "  ", "&k ", "*k", " #c[", "? ", "|\n", ">-\n", "  [[\n", "!!str ", "---\n", "é", "x: [", "\t", ":"]


@pytest.mark.parametrize("seed", range(4))
def test_random_yaml_the_parser_accepts_is_never_under_bounded(seed):
    # A soup of YAML pieces: whatever libyaml reads, the bound is at least its depth.
    rng = random.Random(seed)
    checked = 0
    for _ in range(2_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        docs = documents(text)
        if docs is None:
            continue
        real = max((depth(d) for d in docs), default=0)
        assert bound(text) >= real, text
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("text", [
    "a: '[[[[ {{{{'\nb: \"[[[[\\\" {{{{\"\n",  # quoted
    "a: x # [[[[[[[[[[\n# {{{{{{{{{{\n",  # comments
    "a: |\n  [[[[[[[[\n  {{{{{{{{\nb: >-\n   [[[[\n    {{{{\n",  # block scalars
    "a: press [Start\n  [[[[[ and {{{{\n",  # a multi-line plain scalar
    "a: 'it''s [[[[\n  still [[[[ quoted'\nb: \"two\n  lines [[[[\"\n",  # multi-line quoted scalars
    "a: b[[[[[[\nc:d: [[[\n",  # brackets inside plain scalars
    "- &x [a, {b: [c]}]\n- !!seq [d]\n- *x\n",  # anchors, tags and aliases
    '{"a": [1, {"b": "[[[["}], "c": {"d": ["]]]]"]}}\n',  # JSON
    "[a: [b: [c: d]]]\n",  # pairs inside flow lists are mappings
    "? - a\n  - b\n: - c\n- x\n",
    "a:\n- b: - c\n",
])
def test_brackets_that_are_text_are_not_counted(text):
    docs = documents(text)
    if docs is None:  # a piece libyaml refuses: the bound must still be small
        assert bound(text) <= 8
        return
    check(text)


# --- hostile files are refused in milliseconds, with the depth message and a position -----------------

DEEP = {
    "flow": "kind: line\nstations: " + "[" * 5_000 + "]" * 5_000 + "\n",
    "mappings": "kind: line\nstations: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n",
    "pairs": "kind: line\nstations: " + "[a: " * 5_000 + "1" + "]" * 5_000 + "\n",
    "dashes": "kind: line\nstations:\n" + "- " * 5_000 + "x\n",
    "block": "kind: line\nstations:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(1_000)),
    "mixed": "kind: line\nstations:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(150)) + " " * 151 + "[" * 200,
    "split": "kind: line\nstations: [\n" + "[\n" * 5_000,
}


@pytest.mark.parametrize("name", DEEP)
def test_deep_text_is_refused_by_the_scanner(name):
    where = yaml_nesting_exceeds(DEEP[name])
    assert where is not None and where[0] >= 2
    with pytest.raises(ScenarioError, match=r"nested too deeply \(more than 32 levels\)") as info:
        read_text(DEEP[name], "deep.yaml")
    assert (info.value.source, info.value.line) == ("deep.yaml", where[0])
    for parse in (parse_yaml, parse_yaml_pure):
        with pytest.raises(TextError) as err:
            parse(DEEP[name])
        assert err.value.message == f"the YAML is nested too deeply (over {MAX_DEPTH} levels)"
        assert (err.value.line, err.value.col) == where
    assert parse_positions(DEEP[name]) is None


def test_the_limit_is_far_above_the_parsers_limits_and_exact_for_flow():
    assert MAX_YAML_NESTING_BOUND >= 4 * max(MAX_DEPTH, MAX_SCENARIO_DEPTH)
    at = "[" * MAX_YAML_NESTING_BOUND + "]" * MAX_YAML_NESTING_BOUND
    over = "[" + at + "]"
    assert yaml_nesting_exceeds(at) is None
    assert yaml_nesting_exceeds(over) == (1, MAX_YAML_NESTING_BOUND + 1)
    # Within the bound the parsers still give their own limit's error.
    with pytest.raises(TextError, match="nested too deeply"):
        parse_yaml(at)
    with pytest.raises(ScenarioError, match="nested too deeply"):
        read_text("kind: line\nstations: " + "[" * 100 + "]" * 100 + "\n", "deep.yaml")


def test_the_authoring_editor_and_simulate_set_refuse_deep_yaml_too():
    from app.cli.simulate import _parse_value
    from app.courses.authoring import yaml_entry

    entry = yaml_entry(DEEP["flow"])
    assert entry.kind == "text" and entry.error == f"the YAML is nested too deeply (over {MAX_DEPTH} levels)"
    assert yaml_entry("a: [b, {c: d}]\n").kind == "yaml"
    deep_value = "[" * 5_000 + "]" * 5_000
    assert _parse_value(deep_value) == deep_value  # kept as text: the field's check names it
    assert _parse_value("[[1], {a: 2}]") == [[1], {"a": 2}]
