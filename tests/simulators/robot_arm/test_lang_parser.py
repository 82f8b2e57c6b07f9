"""The six-axis robot language's parser: every statement, every error code with its position, all errors at once."""

from __future__ import annotations

import random

import pytest

from simulators.errors import MESSAGES, ProgramError
from simulators.robot.arm.lang import ast as a
from simulators.robot.arm.lang import parse_arm_program, read_arm_program

FULL = """\
TOOL gripper
UFRAME table
POINT home = (500, 0, 600, 180, 0, 180)
POINT pick = (600, -200, 100, 180, 0, 0) CONF "N U T, 0, 0, 0"
POINT corner = (0, 0, 0)    # position only: tool pointing down
JOINTS park = [0, -20, 20, 0, 90, 0]
MOVEJ park 50%
MOVEJ home 100% Z50
MOVEL pick 250 mm/s FINE
MOVEL OFFS(pick, 0, 0, 100) 500 mm/s Z10
MOVEL RELTOOL(pick, 0, 0, -100) 200 mm/s
MOVEL RELTOOL(pick, 0, 0, -100, 0, 0, 90) v200
MOVEC home corner 150 mm/s Z5
R[1] = 0
R[2] = R[1] * 60 + 10
IF R[1] < 3 AND DI[2] THEN
  SET DO[2] ON
ELSE
  SET DO[2] OFF
ENDIF
WHILE R[1] < 9 DO
  R[1] = R[1] + 1
  MOVEL OFFS(home, R[2]*60, R[3]*60, -R[4]*40) 500 mm/s Z5
ENDWHILE
LOOP 3
  GRIP
  RELEASE
ENDLOOP
WAIT DI[1] OFF TIMEOUT 5
WAIT DI[1]
WAIT 0.5
UFRAME WORLD
movel taught1 v250 z10
"""


def errors(text: str, **kw: object) -> list[tuple[str, int | None, int | None]]:
    _, found = read_arm_program(text, **kw)  # type: ignore[arg-type]
    return [(d.code, d.line, d.column) for d in found]


def only(text: str, **kw: object) -> tuple[str, int | None, int | None]:
    found = errors(text, **kw)
    assert len(found) == 1, found
    return found[0]


def test_every_statement_parses_into_its_node() -> None:
    program = parse_arm_program(FULL, points={"taught1"})
    body = program.body
    assert body[0] == a.SelectTool(1, "gripper")
    assert body[1] == a.SelectFrame(2, "table")
    assert body[2] == a.PointDef(3, "home", (500, 0, 600, 180, 0, 180))
    assert body[3] == a.PointDef(4, "pick", (600, -200, 100, 180, 0, 0), "N U T, 0, 0, 0")
    assert body[4] == a.PointDef(5, "corner", (0, 0, 0, 180, 0, 0))  # three numbers: pointing down
    assert body[5] == a.JointsDef(6, "park", (0, -20, 20, 0, 90, 0))
    assert body[6] == a.Move(7, "J", a.Named("park"), 0.5, 0.0)
    assert body[7] == a.Move(8, "J", a.Named("home"), 1.0, 50.0)
    assert body[8] == a.Move(9, "L", a.Named("pick"), 250.0, 0.0)
    assert body[9] == a.Move(10, "L", a.Offset("OFFS", a.Named("pick"), (a.Num(0), a.Num(0), a.Num(100))), 500, 10)
    assert body[10].target == a.Offset("RELTOOL", a.Named("pick"), (a.Num(0), a.Num(0), a.Num(-100)))
    assert body[11].target.args[5] == a.Num(90) and body[11].speed == 200.0
    assert body[12] == a.Move(13, "C", a.Named("corner"), 150.0, 5.0, via=a.Named("home"))
    assert body[13] == a.Assign(14, 1, a.Num(0))
    assert body[14] == a.Assign(15, 2, a.Binary("+", a.Binary("*", a.Reg(1), a.Num(60)), a.Num(10)))
    cond = body[15]
    assert isinstance(cond, a.If) and cond.else_line == 18
    assert cond.condition == a.Binary("AND", a.Binary("<", a.Reg(1), a.Num(3)), a.IoRead("DI", 2))
    assert cond.then == (a.SetOutput(17, 2, True),) and cond.orelse == (a.SetOutput(19, 2, False),)
    loop = body[16]
    assert isinstance(loop, a.While) and loop.end_line == 24 and len(loop.body) == 2
    assert loop.body[1].target.args[2] == a.Binary("*", a.Unary("-", a.Reg(4)), a.Num(40))
    assert body[17] == a.Loop(25, 3, (a.Grip(26, True), a.Grip(27, False)), 28)
    assert body[18:] == (a.WaitInput(29, 1, False, 5.0), a.WaitInput(30, 1, True, None), a.WaitTime(31, 0.5),
                         a.SelectFrame(32, None), a.Move(33, "L", a.Named("taught1"), 250.0, 10.0))
    assert program.point_lines == {"home": 3, "pick": 4, "corner": 5, "park": 6}


@pytest.mark.parametrize(("text", "expected"), [
    ("MOVEJ p 5 %", 0.05), ("MOVEJ p 100%", 1.0), ("MOVEJ p 1%", 0.01), ("MOVEJ p 2.5%", 0.025)])
def test_joint_speed_is_a_fraction(text: str, expected: float) -> None:
    assert parse_arm_program(text, points={"p"}).body[0].speed == pytest.approx(expected)


@pytest.mark.parametrize("text", ["MOVEL p 250 mm/s", "MOVEL p 250mm/s", "MOVEL p v250", "MOVEL p 250 MM/S Z 0"])
def test_linear_speed_spellings(text: str) -> None:
    move = parse_arm_program(text, points={"p"}).body[0]
    assert (move.speed, move.zone) == (250.0, 0.0)


def test_conditions_and_precedence() -> None:
    text = "IF NOT DI[1] OR R[1] >= 2 AND R[2] <> 3 THEN\nENDIF\nIF DI[1] == DO[2]\nENDIF\nR[5] = -(1 + 2) / 4 - -3"
    body = parse_arm_program(text).body
    assert body[0].condition == a.Binary("OR", a.Unary("NOT", a.IoRead("DI", 1)), a.Binary(
        "AND", a.Binary(">=", a.Reg(1), a.Num(2)), a.Binary("<>", a.Reg(2), a.Num(3))))
    assert body[1].condition == a.Binary("==", a.IoRead("DI", 1), a.IoRead("DO", 2))
    assert parse_arm_program("IF DI[1] == OFF\nENDIF").body[0].condition == a.Binary("==", a.IoRead("DI", 1),
                                                                                     a.Num(0))
    assert body[2].value == a.Binary("-", a.Binary("/", a.Unary("-", a.Binary("+", a.Num(1), a.Num(2))), a.Num(4)),
                                     a.Num(-3))


def test_full_width_punctuation_reads_as_ascii() -> None:
    body = parse_arm_program("POINT p ＝ （1，2，3）\nMOVEL OFFS（p，0，0，10） 100 mm/s").body
    assert body[0].values[:3] == (1, 2, 3)
    assert body[1].target.kind == "OFFS"


@pytest.mark.parametrize(("text", "code", "line", "column"), [
    ("FOO bar", "arm.lang.instruction.unknown", 1, 1),
    ("POINT p = (1, 2, 3, 4)", "arm.lang.point.count", 1, 11),
    ("POINT p = (1, 2, 3)\nPOINT p = (1, 2, 3)", "arm.lang.point.duplicate", 2, 7),
    ("MOVEJ nowhere 50%", "arm.lang.point.unknown", 1, 7),
    ("POINT Home = (1, 2, 3)\nMOVEJ home 50%", "arm.lang.point.case", 2, 7),
    ("MOVEJ q 50%\nPOINT q = (1, 2, 3)", "arm.lang.point.later", 1, 7),
    ("LOOP 2\n POINT p = (1, 2, 3)\nENDLOOP", "arm.lang.point.in_block", 2, 2),
    ("POINT R = (1, 2, 3)", "arm.lang.name.keyword", 1, 7),
    ("POINT = (1, 2, 3)", "arm.lang.name.expected", 1, 7),
    ("POINT", "arm.lang.name.missing", 1, 6),
    ("POINT p (1, 2, 3)", "arm.lang.syntax.expected_symbol", 1, 9),
    ("POINT p = (1, 2, 3", "arm.lang.syntax.missing", 1, 19),
    ("POINT p = (1, 2, x)", "arm.lang.number.expected", 1, 18),
    ("POINT p = (1, 2,", "arm.lang.number.expected_end", 1, 17),
    ("POINT p = (100001, 2, 3)", "arm.lang.number.too_large", 1, 12),
    ("POINT p = (1, 2, 3) CONF N", "arm.lang.conf.expected", 1, 26),
    ('POINT p = (1, 2, 3) CONF "X Y Z"', "arm.lang.conf.syntax", 1, 26),
    ('POINT p = (1, 2, 3) CONF "N U T', "arm.lang.string.unclosed", 1, 26),
    ("JOINTS j = [1, 2, 3]", "arm.lang.joints.count", 1, 12),
    ("JOINTS j = [1, 2, 3, 4, 5, 6]\nMOVEL OFFS(j, 0, 0, 1) 9 mm/s", "arm.lang.offset.joint_target", 2, 12),
    ("MOVEJ", "arm.lang.move.target_missing", 1, 6),
    ("MOVEJ 50%", "arm.lang.move.target_expected", 1, 7),
    ("MOVEC p 100 mm/s", "arm.lang.move.circle_end_missing", 1, 9),
    ("MOVEL p", "arm.lang.move.speed_missing", 1, 8),
    ("MOVEL p fast", "arm.lang.move.speed_expected", 1, 9),
    ("MOVEJ p 250 mm/s", "arm.lang.move.speed_percent", 1, 9),
    ("MOVEJ p 50", "arm.lang.move.speed_percent", 1, 9),
    ("MOVEL p 50%", "arm.lang.move.speed_mm_s", 1, 9),
    ("MOVEJ p 120%", "arm.lang.move.percent_range", 1, 9),
    ("MOVEJ p 0.5%", "arm.lang.move.percent_range", 1, 9),
    ("MOVEL p 9000 mm/s", "arm.lang.move.mm_s_range", 1, 9),
    ("MOVEL p 0.5 mm/s", "arm.lang.move.mm_s_range", 1, 9),
    ("MOVEL p 100 mm/s Q10", "arm.lang.move.zone", 1, 18),
    ("MOVEL p 100 mm/s Z900", "arm.lang.move.zone_range", 1, 18),
    ("MOVEL p 100 mm/s Z10 now", "arm.lang.syntax.extra", 1, 22),
    ("MOVEL OFFS(p, 1, 2) 100 mm/s", "arm.lang.offs.args", 1, 7),
    ("MOVEL RELTOOL(p, 1, 2, 3, 4) 100 mm/s", "arm.lang.reltool.args", 1, 7),
    ("MOVEL OFFS(OFFS(OFFS(OFFS(OFFS(p,0,0,0),0,0,0),0,0,0),0,0,0),0,0,0) 9 mm/s", "arm.lang.target.too_deep", 1, 27),
    ("R[0] = 1", "arm.lang.register.range", 1, 3),
    ("R[101] = 1", "arm.lang.register.range", 1, 3),
    ("R[1] == 1", "arm.lang.assign.double_equals", 1, 6),
    ("R[1] = 1 +", "arm.lang.expr.incomplete", 1, 11),
    ("R[1] = 1 + )", "arm.lang.expr.expected", 1, 12),
    ("R[1] = " + "(" * 40 + "1" + ")" * 40, "arm.lang.expr.too_deep", 1, 40),
    ("IF " + "NOT " * 40 + "DI[1]\nENDIF", "arm.lang.expr.too_deep", 1, 132),
    ("R[1] = (1 + 2", "arm.lang.expr.unclosed", 1, 14),
    ("R[1] = DI[1]", "arm.lang.expr.not_number", 1, 8),
    ("R[1] = 3 R[2]", "arm.lang.syntax.extra", 1, 10),
    ("IF R[1] THEN\nENDIF", "arm.lang.expr.not_condition", 1, 4),
    ("IF R[1] = 3 THEN\nENDIF", "arm.lang.expr.single_equals", 1, 9),
    ("IF 1 < R[1] < 3\nENDIF", "arm.lang.expr.chained_comparison", 1, 13),
    ("WHILE\nENDWHILE", "arm.lang.expr.condition_missing", 1, 6),
    ("IF DI[1] + 1 > 0\nENDIF", "arm.lang.expr.not_number", 1, 4),
    ("SET DO[33] ON", "arm.lang.io.range", 1, 8),
    ("WAIT DI 3", "arm.lang.index.syntax", 1, 9),
    ("SET DO[1] HIGH", "arm.lang.set.syntax", 1, 11),
    ("WAIT forever", "arm.lang.wait.syntax", 1, 6),
    ("WAIT 4000", "arm.lang.wait.range", 1, 6),
    ("WAIT DI[1] TIMEOUT -1", "arm.lang.wait.range", 1, 20),
    ("LOOP 0\nGRIP\nENDLOOP", "arm.lang.loop.count", 1, 6),
    ("LOOP 2.5\nGRIP\nENDLOOP", "arm.lang.loop.count", 1, 6),
    ("GRIP now", "arm.lang.instruction.no_arguments", 1, 6),
    ("ENDIF", "arm.lang.block.unmatched", 1, 1),
    ("ELSE", "arm.lang.block.else_without_if", 1, 1),
    ("IF DI[1]\nELSE\nELSE\nENDIF", "arm.lang.block.duplicate_else", 3, 1),
    ("GRIP\nWHILE DI[1]\nGRIP", "arm.lang.block.unclosed", 2, 1),
    ("IF DI[1]\nENDWHILE\nENDIF", "arm.lang.block.mismatched", 2, 1),
    ("TOOL", "arm.lang.name.missing", 1, 5),
    ("TOOL welder", "arm.lang.tool.unknown", 1, 6),
    ("UFRAME desk", "arm.lang.uframe.unknown", 1, 8),
    ("GRIP ¤", "arm.lang.char.unexpected", 1, 6),
    ("", "arm.lang.program.empty", 1, None),
    ("# only a comment\n\n", "arm.lang.program.empty", 2, None),
])
def test_each_error_has_its_code_and_position(text: str, code: str, line: int, column: int | None) -> None:
    assert code in MESSAGES
    assert only(text, points={"p"}, tools={"gripper"}, frames={"table"}) == (code, line, column)


def test_block_errors_name_the_opening_line() -> None:
    _, found = read_arm_program("GRIP\nIF DI[1]\n  LOOP 2\n  GRIP\nENDWHILE\nENDIF")
    first = found[0]
    assert (first.code, first.line) == ("arm.lang.block.mismatched", 5)
    assert first.args == {"keyword": "ENDWHILE", "opener": "LOOP", "open_line": 3}
    assert str(first) == "line 5, col 1: ENDWHILE cannot close the LOOP opened on line 3"
    _, found = read_arm_program("WHILE DI[1]\nGRIP\n")
    assert found[0].args == {"opener": "WHILE", "closer": "ENDWHILE", "open_line": 1}
    assert str(found[0]) == "line 1, col 1: the WHILE on line 1 is never closed: add ENDWHILE"


def test_an_end_closing_an_outer_block_reports_once_and_keeps_the_rest() -> None:
    # the inner LOOP is never closed; ENDIF closes the IF, so the next lines are outside any block
    found = errors("IF DI[1]\n  LOOP 2\n  GRIP\nENDIF\nPOINT p = (1, 2, 3)\nMOVEL p 100 mm/s")
    assert found == [("arm.lang.block.mismatched", 4, 1)]


def test_all_errors_at_once_one_per_statement_in_order() -> None:
    text = "\n".join([
        "POINT home = (500, 0, 600, 180, 0)",   # 1 count
        "MOVEJ home 50%",                      # 2 fine: the broken point is not reported again
        "MOVEL nowhere 100 mm/s",              # 3 unknown point
        "R[1] = 1 + + ",                        # 4 incomplete
        "IF R[1] = 2 THEN",                    # 5 single equals (the IF still opens)
        "  SET DO[40] ON",                     # 6 channel range
        "ENDIF",                               # 7 closes line 5: no error
        "WAIT DI[2] TIMEOUT",                  # 8 number missing
        "FOO",                                 # 9 unknown
    ])
    with pytest.raises(ProgramError) as info:
        parse_arm_program(text, points=())
    codes = [(d.code, d.line) for d in info.value.diagnostics]
    assert codes == [("arm.lang.point.count", 1), ("arm.lang.point.unknown", 3), ("arm.lang.expr.incomplete", 4),
                     ("arm.lang.expr.single_equals", 5), ("arm.lang.io.range", 6),
                     ("arm.lang.number.expected_end", 8), ("arm.lang.instruction.unknown", 9)]
    assert info.value.line == 1
    rendered = [str(d) for d in info.value.diagnostics]
    assert rendered[1] == "line 3, col 7: unknown point 'nowhere': define it with POINT or teach it on the pendant"


def test_taught_points_are_known_and_unknown_names_can_wait_for_the_run() -> None:
    assert only("MOVEJ p1 50%", points=set()) == ("arm.lang.point.unknown", 1, 7)
    parse_arm_program("MOVEJ p1 50%", points={"p1"})
    program = parse_arm_program("MOVEJ p1 50%")  # not known yet: the run reports it
    assert program.body[0].target == a.Named("p1")
    assert only("MOVEJ p1 50%\nPOINT p1 = (1, 2, 3)", points=None) == ("arm.lang.point.later", 1, 7)


def test_a_point_defined_in_a_block_is_reported_once() -> None:
    assert errors("LOOP 2\n  POINT p = (1, 2, 3)\n  MOVEL p 9 mm/s\nENDLOOP\nMOVEL p 9 mm/s", points=set()) == [
        ("arm.lang.point.in_block", 2, 3)]


def test_a_program_point_may_reuse_a_taught_name() -> None:
    body = parse_arm_program("POINT p1 = (1, 2, 3)\nMOVEL p1 9 mm/s", points={"p1"}).body
    assert body[0].name == "p1"


@pytest.mark.parametrize("text", [
    "(" * 5000 + "1",
    "R[1] = " + "(" * 5000 + "1" + ")" * 5000,
    "R[1] = " + "-" * 400 + "1",
    "IF " + "NOT " * 120 + "DI[1]\nENDIF",
    "R[1] = 1" + "9" * 400,
    "POINT p = (" + "9" * 400 + ", 0, 0)",
    "WAIT " + "1" * 300,
    "\x00\x01\x02\xff\ufffe\n\x1b[31m MOVEJ",
    "WAIT \u1369",  # a digit of another script (Ethiopic one): not a number of the language
    "MOVEL " + "OFFS(" * 200 + "p",
])
def test_hostile_lines_give_diagnostics_not_exceptions(text: str) -> None:
    _, found = read_arm_program(text)
    assert found and all(d.code in MESSAGES and d.line == 1 or d.code.startswith("arm.lang") for d in found)


def test_nesting_bomb_is_bounded_without_recursion() -> None:
    depth = 900
    text = "\n".join(["WHILE R[1] < 1"] * depth + ["GRIP"] + ["ENDWHILE"] * depth)
    _, found = read_arm_program(text)
    assert found[0] == found[0].__class__("arm.lang.block.too_deep", 9, 1, {"max": 8})
    assert len(found) <= 51  # capped, plus the note saying so
    assert found[-1].code == "arm.lang.too_many_errors"


def test_ten_thousand_lines_and_huge_texts_are_refused_with_one_message() -> None:
    _, found = read_arm_program("GRIP\n" * 10_000)
    assert [(d.code, d.line) for d in found] == [("arm.lang.program.too_long", 2001)]
    _, found = read_arm_program("GRIP " * 1_000_000)
    assert [d.code for d in found] == ["arm.lang.program.too_long"]
    _, found = read_arm_program("GRIP\n" + "R[1] = 1 " * 100)
    assert [(d.code, d.line, d.column) for d in found] == [("arm.lang.line.too_long", 2, 501)]
    _, found = read_arm_program(b"MOVEJ p 50%")
    assert [d.code for d in found] == ["arm.lang.program.not_text"]


def test_two_thousand_lines_parse() -> None:
    text = "POINT p = (400, 0, 500)\n" + "MOVEL OFFS(p, R[1], 0, 0) 100 mm/s Z5\nR[1] = R[1] + 1\n" * 999
    program = parse_arm_program(text)
    assert len(program.body) == 1999 and program.line_count == 1999


def test_many_errors_are_capped() -> None:
    _, found = read_arm_program("FOO\n" * 500)
    assert len(found) == 51 and found[-1].code == "arm.lang.too_many_errors"


def test_walk_lists_nested_statements_in_text_order() -> None:
    program = parse_arm_program("LOOP 2\n IF DI[1]\n  GRIP\n ELSE\n  RELEASE\n ENDIF\nENDLOOP\nWAIT 1")
    assert [s.line for s in program.walk()] == [1, 2, 3, 5, 8]


def test_random_text_gives_coded_positions_never_an_exception() -> None:
    """Random programs of the language's own words and of raw characters: every problem has a registered code
    and a position inside its line (or just after it)."""
    rng = random.Random(23)
    words = ["POINT", "JOINTS", "MOVEJ", "MOVEL", "MOVEC", "OFFS(", "RELTOOL(", "p", "q", "=", "(", ")", "[", "]",
             ",", "1", "-2.5", "50%", "100", "mm/s", "v200", "Z10", "FINE", "R[1]", "DI[2]", "DO[3]", "IF", "THEN",
             "ELSE", "ENDIF", "WHILE", "ENDWHILE", "LOOP", "ENDLOOP", "AND", "NOT", "<", "==", "+", "*", "/", "SET",
             "ON", "WAIT", "TIMEOUT", "GRIP", "TOOL", "UFRAME", "CONF", '"N U T, 0, 0, 0"', '"', "#", "（", "¤",
             "\n", "\n", "\n"]
    chars = list("POINTMOVEJLCR[]()=,.%/0123456789 \n#\"<>+-*_xyzＺ（）\x00\t\u1369\u19da²①\u0301“”＃\r")
    for i in range(3000):
        if i % 2:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        else:
            text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 60)))
        program, problems = read_arm_program(text, points={"p"} if i % 3 else None)
        lines = text.split("\n")
        assert (program is None) == bool(problems)
        for d in problems:
            assert d.code in MESSAGES and d.message
            if d.line is not None and d.column is not None:
                assert 1 <= d.line <= len(lines), (text, d)
                assert 1 <= d.column <= len(lines[d.line - 1]) + 1, (text, d)
