"""Content for new steps and questions, in both course locales (course text, not interface text)."""

from __future__ import annotations

from typing import Any

from app.courses import models as m
from app.courses.authoring.common import AuthoringError, localized
from app.courses.authoring.yamldoc import Entry, to_plain, to_yaml
from app.i18n import _


def _option(oid: str, en: str, zh: str) -> dict[str, Any]:
    return {"id": oid, "text": localized(en, zh)}


def question_template(qtype: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A question of ``qtype``; from ``base`` it keeps id, prompt, explanation, points and usable options."""
    base = to_plain(base) if base else {"id": "q1", "prompt": localized("New question", "新题目")}
    keep = {k: base[k] for k in ("id", "prompt") if k in base}
    q: dict[str, Any] = {"id": keep.get("id", "q1"), "type": qtype,
                         "prompt": keep.get("prompt", localized("New question", "新题目"))}
    options = base.get("options") if isinstance(base.get("options"), list) else None
    if qtype in ("single", "multiple", "ordering"):
        if not options or len(options) < 2:
            options = [_option("a", "Option A", "选项 A"), _option("b", "Option B", "选项 B")]
        ids = [o.get("id") for o in options if isinstance(o, dict)]
        q["options"] = options
        q["answer"] = ids[0] if qtype == "single" else ids[:1] if qtype == "multiple" else ids
    elif qtype == "true_false":
        q["answer"] = True
    elif qtype == "numeric":
        q.update({"answer": 0, "tolerance": 0})
    elif qtype == "matching":
        q["pairs"] = [{"id": "p1", "left": localized("Left 1", "左 1"), "right": localized("Right 1", "右 1")},
                      {"id": "p2", "left": localized("Left 2", "左 2"), "right": localized("Right 2", "右 2")}]
    elif qtype == "fill_blank":
        q["accepted"] = {"en": ["answer"], "zh_CN": ["答案"]}
    else:
        raise AuthoringError(_("unknown question type “{type}”").format(type=qtype))
    for k in ("explanation", "points"):
        if k in base:
            q[k] = base[k]
    return q


def step_template(kind: str, title: dict[str, str]) -> dict[str, Entry]:
    """The files of a new step: valid content to start from."""
    if kind == "lesson":
        return {m.lesson_file("en"): Entry("text", f"# {title.get('en', '')}\n\nWrite the lesson here.\n"),
                m.lesson_file("zh_CN"): Entry("text", f"# {title.get('zh_CN', '')}\n\n在这里编写课文。\n")}
    if kind == "quiz":
        data: dict[str, Any] = {"shuffle": True, "pass_mark": 0.75, "feedback": "immediate",
                                "questions": [question_template("single")]}
    elif kind == "lab":
        data = {"simulator": "line", "scenario": "basic-three-station-line",
                "task": localized("Describe what the trainee has to reach.", "说明学员需要达到的目标。"),
                "controls": [], "objectives": [{"metric": "throughput_per_hour", "op": ">=", "target": 50}],
                "scoring": "all", "hints": [], "grading_seed": 1, "grading_replications": 1}
    else:
        data = {"instructions": localized("Describe the task.", "说明操作任务。"),
                "checklist": [{"id": "item-1", "text": localized("First item", "第一项")}]}
    doc = to_yaml(data)
    for key in ("questions", "objectives", "checklist"):
        if key in doc:
            doc[key].fa.set_block_style()
    return {m.STEP_FILES[kind]: Entry("yaml", doc)}
