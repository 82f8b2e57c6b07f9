"""The quiz attempt in progress as plain data: exactly what its draft stores (no Qt)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from app.courses.grading import draw_questions, matching_right_order
from app.services.grading import QuizDraw, stored_draw

DRAFT_KIND = "quiz-attempt"


@dataclass
class AttemptState:
    """An attempt in progress; exactly what the draft stores."""

    seed: int
    ids: list[str]
    orders: dict[str, list[str]]
    responses: dict[str, Any] = field(default_factory=dict)
    index: int = 0
    checked: list[str] = field(default_factory=list)
    started_at: str = ""
    elapsed_s: float = 0.0

    def to_draft(self) -> dict[str, Any]:
        return {"kind": DRAFT_KIND, **asdict(self)}

    @classmethod
    def from_draft(cls, data: dict[str, Any], quiz) -> AttemptState | None:
        """The attempt in ``data``, or None if it does not fit the quiz as installed now
        or is not the draw the service made (the one it will grade)."""
        if not isinstance(data, dict) or data.get("kind") != DRAFT_KIND:
            return None
        draw = stored_draw(data, quiz)
        if draw is None or data.get("seed") != draw.seed or list(data.get("ids") or []) != list(draw.ids):
            return None
        try:
            state = cls(seed=int(data["seed"]), ids=[str(i) for i in data["ids"]],
                        orders={str(k): [str(x) for x in v] for k, v in dict(data.get("orders") or {}).items()},
                        responses=dict(data.get("responses") or {}), index=int(data.get("index", 0)),
                        checked=[str(i) for i in data.get("checked") or []],
                        started_at=str(data.get("started_at") or ""), elapsed_s=float(data.get("elapsed_s", 0.0)))
        except (KeyError, TypeError, ValueError):
            return None
        if not state.ids or any(quiz.question(qid) is None for qid in state.ids):
            return None
        state.index = max(0, min(state.index, len(state.ids) - 1))
        return state

    @classmethod
    def new(cls, quiz, draw: QuizDraw) -> AttemptState:
        """A fresh attempt on the questions the service drew (``ProgressService.start_quiz``)."""
        seed = draw.seed
        drawn = draw_questions(quiz, seed)
        orders: dict[str, list[str]] = {}
        for q in drawn:
            if q.type in ("single", "multiple", "ordering"):
                orders[q.id] = [o.id for o in q.options]
            elif q.type == "matching":
                orders[q.id] = matching_right_order(q, seed)
        return cls(seed=seed, ids=[q.id for q in drawn], orders=orders, started_at=draw.started_at)
