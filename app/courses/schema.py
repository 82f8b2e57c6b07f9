"""JSON Schema for the course files, derived from the models (for completion in editors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from app.courses.models import FILE_MODELS, FORMAT_VERSION

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def course_schema() -> dict[str, Any]:
    """One schema for all five files: ``$defs`` has one entry per file kind, the root accepts any.

    Editors can point each glob at its own part, e.g. ``schema.json#/$defs/Quiz`` for ``quiz.yaml``.
    """
    refs, top = models_json_schema([(cls, "validation") for cls in FILE_MODELS.values()],
                                   ref_template="#/$defs/{model}")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://zhizao.invalid/course-format-{FORMAT_VERSION}.schema.json",
        "title": f"Zhizao course files (format {FORMAT_VERSION})",
        "description": "course.yaml, module.yaml, quiz.yaml, lab.yaml and practical.yaml",
        "anyOf": [refs[(cls, "validation")] for cls in FILE_MODELS.values()],
        "$defs": top.get("$defs", {}),
        "x-zhizao-files": {name: f"#/$defs/{cls.__name__}" for name, cls in FILE_MODELS.items()},
    }


def file_schema(filename: str) -> dict[str, Any]:
    """A standalone schema for one kind of file (``quiz.yaml`` …)."""
    cls = FILE_MODELS[filename]
    schema = cls.model_json_schema(ref_template="#/$defs/{model}")
    return {"$schema": SCHEMA_DIALECT, **schema}


def write_schema(target: Path) -> list[Path]:
    """Write the combined schema to ``target``; if it is a folder, one schema per file kind there."""
    target = Path(target)
    if target.is_dir():
        written = []
        for name in FILE_MODELS:
            out = target / (name.rsplit(".", 1)[0] + ".schema.json")
            out.write_text(json.dumps(file_schema(name), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(out)
        return written
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(course_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [target]
