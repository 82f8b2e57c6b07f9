"""`zhizao validate`, `zhizao export course`, `zhizao import course` through the real entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.paths import courses_dir

from .conftest import FIXTURE, edit_yaml

LINE = re.compile(r"^(?P<file>.+?)(:(?P<line>\d+):(?P<col>\d+))?: (?P<sev>error|warning): (?P<msg>.+)$")
ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_validate_clean_course(capsys, course_dir):
    code, lines, _err = run(capsys, "validate", str(course_dir))
    assert code == 0
    assert lines[-1] == "0 errors, 0 warnings"


def test_validate_reports_like_a_compiler(capsys, course_dir):
    edit_yaml(course_dir / "modules/basics/quiz/quiz.yaml", lambda d: d["questions"][0].__setitem__("answer", "z"))
    (course_dir / "modules/basics/lesson/lesson.zh_CN.md").unlink()
    code, lines, _err = run(capsys, "validate", str(course_dir))
    assert code == 1
    matches = [LINE.match(line) for line in lines[:-1]]
    assert all(matches), lines
    error = next(m for m in matches if m["sev"] == "error")
    assert error["file"] == str(course_dir / "modules/basics/quiz/quiz.yaml")
    assert "answer “z”" in error["msg"]
    assert lines[-1] == "1 error, 1 warning"


def test_warnings_alone_exit_zero(capsys, course_dir):
    (course_dir / "modules/basics/lesson/lesson.zh_CN.md").unlink()
    code, lines, _err = run(capsys, "validate", "--quiet", str(course_dir))
    assert code == 0 and lines == ["0 errors, 1 warning"]


def test_usage_errors_exit_two(capsys):
    assert run(capsys, "validate")[0] == 2
    with pytest.raises(SystemExit) as info:
        main(["validate", "--no-such-option"])
    assert info.value.code == 2


def test_missing_path_is_an_error(capsys, tmp_path):
    code, lines, _err = run(capsys, "validate", str(tmp_path / "nope"))
    assert code == 1 and "no such file or folder" in lines[0]


def test_schema_file_and_folder(capsys, tmp_path):
    code, _lines, _err = run(capsys, "validate", "--schema", str(tmp_path / "zhizao.schema.json"))
    assert code == 0
    schema = json.loads((tmp_path / "zhizao.schema.json").read_text(encoding="utf-8"))
    assert {"CourseFile", "ModuleFile", "Quiz", "Lab", "Practical"} <= set(schema["$defs"])
    assert schema["x-zhizao-files"]["quiz.yaml"] == "#/$defs/Quiz"
    (tmp_path / "schemas").mkdir()
    assert run(capsys, "validate", "--schema", str(tmp_path / "schemas"))[0] == 0
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == [
        "course.schema.json", "lab.schema.json", "module.schema.json", "practical.schema.json",
        "quiz.schema.json"]


def test_python_dash_m_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "app.cli.validate", str(FIXTURE)], cwd=ROOT,
                          capture_output=True, text=True, env={"ZHIZAO_LANG": "en", "PATH": "/usr/bin:/bin",
                                                               "ZHIZAO_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("0 errors")


def test_export_and_import_by_id(capsys, tmp_path, monkeypatch):
    data = tmp_path / "data"
    out = tmp_path / "fixture.zhizao"
    code, lines, err = run(capsys, "--data-dir", str(data), "export", "course", "fixture-mini", "-o", str(out))
    assert code == 0, err
    assert out.is_file() and str(out) in lines[0]
    code, lines, err = run(capsys, "--data-dir", str(data), "import", "course", str(out))
    assert code == 0, err
    assert (data / "library/fixture-mini/course.yaml").is_file()
    assert "Installed fixture-mini 1.0.0" in lines[-1]

    # Now the library copy (1.0.0) competes with the bundled fixture (1.0.0): export takes the library's.
    edit_yaml(data / "library/fixture-mini/course.yaml", lambda d: d.__setitem__("version", "1.5.0"))
    newer = tmp_path / "newer.zhizao"
    assert run(capsys, "--data-dir", str(data), "export", "course", "fixture-mini", "-o", str(newer))[0] == 0
    edit_yaml(data / "library/fixture-mini/course.yaml", lambda d: d.__setitem__("version", "2.0.0"))

    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # not a terminal: no prompt, refuse
    code, _lines, err = run(capsys, "--data-dir", str(data), "import", "course", str(newer))
    assert code == 1 and "--yes" in err and "2.0.0" in err
    code, lines, err = run(capsys, "--data-dir", str(data), "import", "course", "--yes", str(newer))
    assert code == 0 and "older 1.5.0" in lines[-1]


def test_import_refusal_is_one_clear_line(capsys, tmp_path):
    (tmp_path / "bad.zhizao").write_bytes(b"PK\x03\x04 nonsense")
    code, _lines, err = run(capsys, "--data-dir", str(tmp_path / "data"), "import", "course",
                            str(tmp_path / "bad.zhizao"))
    assert code == 1
    assert err.strip().startswith("zhizao: not imported:") and "Traceback" not in err
    assert not (tmp_path / "data" / "library").exists()


def test_export_unknown_course(capsys, tmp_path):
    code, _lines, err = run(capsys, "--data-dir", str(tmp_path), "export", "course", "no-such-course")
    assert code == 1 and "no-such-course" in err


def test_bundled_fixture_is_where_the_cli_looks():
    assert (courses_dir() / "_fixture-mini" / "course.yaml").is_file()
