"""`zhizao export progress|xapi|report` and `zhizao import progress` from the command line."""

from __future__ import annotations

import json
import zipfile

import pytest

from app.cli.main import main
from app.context import AppContext
from app.storage.models import StepAttempt
from tests.store.helpers import count, set_center, workstation_history


@pytest.fixture
def two_stations(tmp_path):
    one, two = AppContext.open(tmp_path / "pc1"), AppContext.open(tmp_path / "pc2")
    set_center(two, one.settings.get("center_id"))
    workstation_history(one, 1)
    workstation_history(two, 2)
    attempts = count(one, StepAttempt), count(two, StepAttempt)
    one.close()
    two.close()
    return tmp_path / "pc1", tmp_path / "pc2", attempts


def test_export_then_import_progress(two_stations, tmp_path, capsys):
    pc1, pc2, (n1, n2) = two_stations
    bundle = tmp_path / "pc1.zhizao-progress"
    assert main(["--data-dir", str(pc1), "export", "progress", "-o", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert f"{n1} attempts" in out and "Signed with key" in out
    fingerprint = out.split("Signed with key ")[1].strip().rstrip(".")
    # pc2 accepts pc1's bundles once an administrator has enrolled pc1's key there.
    assert main(["--data-dir", str(pc2), "import", "progress", str(bundle)]) == 1
    assert "zhizao sync trust " + fingerprint in capsys.readouterr().err
    assert main(["--data-dir", str(pc2), "sync", "trust", fingerprint, "--name", "PC 1", "--role", "admin"]) == 0
    assert main(["--data-dir", str(pc2), "import", "progress", str(bundle), "--approve-escalations"]) == 0
    out = capsys.readouterr().out
    assert "Bundle from workstation PC 1" in out and f"({n1} attempts)" in out
    assert "Accounts merged by login: admin, wang." in out
    assert main(["--data-dir", str(pc2), "import", "progress", str(bundle)]) == 0
    assert "Nothing new" in capsys.readouterr().out
    merged = AppContext.open(pc2)
    try:
        assert count(merged, StepAttempt) == n1 + n2
    finally:
        merged.close()


def test_import_refuses_a_tampered_bundle_in_one_line(two_stations, tmp_path, capsys):
    pc1, pc2, _n = two_stations
    bundle = tmp_path / "b.zip"
    assert main(["--data-dir", str(pc1), "export", "progress", "-o", str(bundle)]) == 0
    with zipfile.ZipFile(bundle) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts["records.jsonl"] = parts["records.jsonl"].replace(b'"passed":false', b'"passed":true', 1)
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    capsys.readouterr()
    assert main(["--data-dir", str(pc2), "import", "progress", str(tmp_path / "bad.zip")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "changed since it was exported" in err[0]


def test_cli_input_errors(two_stations, tmp_path, capsys):
    pc1, _pc2, _n = two_stations
    assert main(["--data-dir", str(pc1), "export", "progress", "--since", "yesterday", "-o", "x"]) == 2
    assert "--since" in capsys.readouterr().err
    assert main(["--data-dir", str(pc1), "import", "progress", str(tmp_path / "none.zip")]) == 1
    assert "No file" in capsys.readouterr().err
    assert main(["--data-dir", str(pc1), "export", "report", "-o", str(tmp_path / "r.pdf")]) == 2
    assert main(["--data-dir", str(pc1), "export", "xapi"]) == 2


def test_export_xapi_and_reports(two_stations, tmp_path, capsys):
    pc1, _pc2, _n = two_stations
    out = tmp_path / "statements.json"
    assert main(["--data-dir", str(pc1), "export", "xapi", "-o", str(out), "--home-page",
                 "https://lms.example.cn"]) == 0
    statements = json.loads(out.read_text(encoding="utf-8"))
    assert statements and statements[0]["actor"]["account"]["homePage"] == "https://lms.example.cn"
    assert f"Wrote {len(statements)} xAPI statements" in capsys.readouterr().out

    assert main(["--data-dir", str(pc1), "export", "report", "--cohort", "Line 1 产线", "-o",
                 str(tmp_path / "r.xlsx")]) == 0
    assert "Wrote 2 rows" in capsys.readouterr().out
    from openpyxl import load_workbook

    names = [c.value for c in load_workbook(tmp_path / "r.xlsx").active["B"][1:]]
    assert sorted(names) == ["李1", "王伟"]
    assert main(["--data-dir", str(pc1), "export", "report", "--cohort", "nope", "-o", str(tmp_path / "r.csv")]) == 1
    assert "No cohort named" in capsys.readouterr().err
