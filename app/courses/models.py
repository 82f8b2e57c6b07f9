"""The course format (version 1) as pydantic models: the one definition.

Two layers share the same field definitions:

* ``*File`` models describe what an instructor writes (``course.yaml``,
  ``module.yaml``); ``Quiz``, ``Lab`` and ``Practical`` are their files as-is.
  ``zhizao validate --schema`` derives the JSON Schema from them.
* ``Course``/``Module``/``Step`` are a loaded course: module ids replaced by
  modules, step entries carrying their content and folder.

See the README ("Courses") for the format as instructors see it, and ``app.courses.loader``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, field_validator

from app.i18n import localized

FORMAT_VERSION = 1
COURSE_LOCALES: tuple[str, ...] = ("en", "zh_CN")
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
LOCALE_PATTERN = r"^[a-z]{2,3}(_[A-Z]{2})?$"
SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
SLUG_RE = re.compile(SLUG_PATTERN)
STEP_REF_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}(/[a-z0-9][a-z0-9-]{0,63})?$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
LocaleCode = Annotated[str, StringConstraints(pattern=LOCALE_PATTERN)]
SemVer = Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)]
StepRef = Annotated[str, StringConstraints(pattern=STEP_REF_PATTERN)]

# Per-locale text: {en: "...", zh_CN: "..."}. A plain dict, so ``.get(locale)``
# works; ``text_for`` adds the fallback to another locale.
LocalizedText = Annotated[dict[LocaleCode, str], Field(json_schema_extra={"x-zhizao": "localized"})]

StepKind = Literal["lesson", "quiz", "lab", "practical"]
Track = Literal["robotics-control", "ai-maintenance", "digital-manufacturing"]
Level = Literal["beginner", "intermediate", "advanced"]
SimulatorKind = Literal["line", "maintenance", "robot_cell", "vibration", "robot_arm"]
ComparisonOp = Literal[">=", "<=", ">", "<", "==", "between"]
ObjectiveStat = Literal["mean", "ci_lower", "ci_upper"]
Difficulty = Literal["easy", "medium", "hard"]

STEP_FILES: dict[str, str] = {"quiz": "quiz.yaml", "lab": "lab.yaml", "practical": "practical.yaml"}


def text_for(text: dict[str, str] | None, locale: str) -> str:
    """The text in ``locale``, else in another locale (English first)."""
    return localized(text, locale)[0]


def lesson_file(locale: str) -> str:
    return f"lesson.{locale}.md"


class _Model(BaseModel):
    # strict: YAML gives real types, so "1" for a number or 1 for a bool is a mistake worth reporting.
    model_config = ConfigDict(extra="forbid", strict=True)


# --- quiz -----------------------------------------------------------------------------------

class Option(_Model):
    id: Slug
    text: LocalizedText


class MatchPair(_Model):
    id: Slug
    left: LocalizedText
    right: LocalizedText


class _QuestionBase(_Model):
    id: Slug
    prompt: LocalizedText
    explanation: LocalizedText | None = None
    points: float = Field(default=1, gt=0)
    difficulty: Difficulty | None = Field(default=None, description="for exam blueprints (see Exam)")


class SingleQuestion(_QuestionBase):
    """Exactly one correct option."""

    type: Literal["single"]
    options: list[Option] = Field(min_length=2)
    answer: str


class MultipleQuestion(_QuestionBase):
    """All and only the options in ``answer``."""

    type: Literal["multiple"]
    options: list[Option] = Field(min_length=2)
    answer: list[str] = Field(min_length=1)


class TrueFalseQuestion(_QuestionBase):
    type: Literal["true_false"]
    answer: bool


class NumericQuestion(_QuestionBase):
    """Correct when ``|response - answer| <= tolerance``."""

    type: Literal["numeric"]
    answer: float
    tolerance: float = Field(default=0, ge=0)
    unit: str | None = None


class OrderingQuestion(_QuestionBase):
    """Options shown shuffled; ``answer`` lists every option id in the right order."""

    type: Literal["ordering"]
    options: list[Option] = Field(min_length=2)
    answer: list[str] = Field(min_length=2)


class MatchingQuestion(_QuestionBase):
    """Each left item matches the right item of the same pair."""

    type: Literal["matching"]
    pairs: list[MatchPair] = Field(min_length=2)


class FillBlankQuestion(_QuestionBase):
    """The prompt holds one ``___``; ``accepted`` answers per locale."""

    type: Literal["fill_blank"]
    accepted: dict[LocaleCode, list[str]]


Question = Annotated[
    SingleQuestion
    | MultipleQuestion
    | TrueFalseQuestion
    | NumericQuestion
    | OrderingQuestion
    | MatchingQuestion
    | FillBlankQuestion,
    Field(discriminator="type"),
]
QUESTION_TYPES: tuple[str, ...] = ("single", "multiple", "true_false", "numeric", "ordering", "matching",
                                   "fill_blank")
BLANK = "___"


class Quiz(_Model):
    """``quiz.yaml``: a bank of questions, ``draw`` of them per attempt."""

    draw: int | None = Field(default=None, ge=1, description="questions drawn per attempt; omit for all")
    shuffle: bool = Field(default=True, description="shuffle question and option order")
    pass_mark: float = Field(default=0.75, gt=0, le=1, description="fraction of points needed to pass")
    max_attempts: int | None = Field(default=None, ge=1, description="null = unlimited")
    feedback: Literal["immediate", "end"] = "immediate"
    questions: list[Question] = Field(min_length=1)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def draw_count(self) -> int:
        return min(self.draw or len(self.questions), len(self.questions))


# --- lab ------------------------------------------------------------------------------------

class Choice(_Model):
    value: str | int | float | bool
    label: LocalizedText


class Control(_Model):
    """A setting the trainee may change: written to ``path`` in the scenario."""

    id: Slug
    path: str = Field(min_length=1, description="dotted path into the scenario; list items by index or name")
    label: LocalizedText
    type: Literal["int", "float", "choice", "program", "pendant"] = Field(
        description="pendant: the teach pendant's event log (robot_arm labs); examples give it as {file: log.json}")
    min: float | None = None
    max: float | None = None
    step: float | None = Field(default=None, gt=0)
    unit: str | None = None
    default: str | int | float | bool | LocalizedText | None = Field(
        default=None, description="the starting value; a program may give one per language ({en: ..., zh_CN: ...})")
    choices: list[Choice] | None = None
    help: LocalizedText | None = None

    @property
    def graded_default(self) -> str | int | float | bool | None:
        """The default that grading, examples and checks use: of a per-language program, the English one."""
        if isinstance(self.default, dict):
            return text_for(self.default, "en") or None
        return self.default

    def default_in(self, locale: str) -> str | int | float | bool | None:
        """The default a trainee sees in ``locale``: a per-language program in that language (else English)."""
        if isinstance(self.default, dict):
            return text_for(self.default, locale) or None
        return self.default


class Objective(_Model):
    """``stat`` of ``metric`` over the graded replications, compared with ``target``.

    ``op: between`` means ``target <= value <= target_max``. ``ci_lower``/``ci_upper`` are
    the bounds of the 95 % confidence interval of the mean (they need several replications).
    """

    metric: str = Field(min_length=1)
    op: ComparisonOp
    target: float
    target_max: float | None = Field(default=None, description="upper end of the band for op: between")
    stat: ObjectiveStat = Field(default="mean", description="mean, or a bound of its 95 % confidence interval")
    label: LocalizedText | None = None
    weight: float = Field(default=1, gt=0)


class LabExamples(_Model):
    """Settings the author checked: each maps control id → value (others keep their default).

    ``zhizao validate --robustness`` runs them over many seeds: every ``good`` one must
    pass and every ``bad`` one fail, whatever the seed.
    """

    good: list[dict[str, Any]] = Field(default_factory=list)
    bad: list[dict[str, Any]] = Field(default_factory=list)


class Lab(_Model):
    """``lab.yaml``: a simulator scenario, the controls the trainee sets, and the objectives."""

    simulator: SimulatorKind
    scenario: Any = Field(default=None, description="bundled scenario name, or an inline mapping")
    scenario_file: str | None = Field(default=None, description="YAML file in the step folder")
    task: LocalizedText
    controls: list[Control] = Field(default_factory=list)
    objectives: list[Objective] = Field(min_length=1)
    scoring: Literal["all", "weighted"] = "all"
    pass_score: float = Field(default=1.0, ge=0, le=1)
    hints: list[LocalizedText] = Field(default_factory=list)
    grading_seed: int = 0
    grading_replications: int = Field(default=1, ge=1, le=100)
    examples: LabExamples | None = Field(default=None, description="known-good and known-bad settings")

    # Set by the loader: the step folder, where ``scenario_file`` lives.
    _step_dir: Path | None = PrivateAttr(default=None)

    @field_validator("scenario", mode="before")
    @classmethod
    def _scenario_shape(cls, value: Any) -> Any:
        if value is None or isinstance(value, str | dict):
            return value
        raise ValueError("scenario must be a bundled scenario name or a mapping")

    @property
    def step_dir(self) -> Path | None:
        return self._step_dir

    def control(self, control_id: str) -> Control | None:
        return next((c for c in self.controls if c.id == control_id), None)


# --- practical ------------------------------------------------------------------------------

class ChecklistItem(_Model):
    id: Slug
    text: LocalizedText


class Practical(_Model):
    """``practical.yaml``: a hands-on task an instructor signs off item by item."""

    instructions: LocalizedText
    checklist: list[ChecklistItem] = Field(min_length=1)


class Lesson(_Model):
    """A loaded lesson: the Markdown source per locale (``lesson.<locale>.md``)."""

    markdown: dict[str, str]

    def text(self, locale: str) -> str:
        return text_for(self.markdown, locale)


# --- modules and steps ----------------------------------------------------------------------

class StepEntry(_Model):
    """One entry of ``module.yaml`` ``steps``; its files are in ``<module>/<step-id>/``."""

    id: Slug
    kind: StepKind
    title: LocalizedText
    estimated_minutes: float = Field(default=0, ge=0)


class Step(StepEntry):
    """A loaded step: the entry plus its content and folder."""

    module_id: str = ""
    path: Path | None = None
    lesson: Lesson | None = None
    quiz: Quiz | None = None
    lab: Lab | None = None
    practical: Practical | None = None

    @property
    def key(self) -> str:
        """``module/step``: the stable progress key."""
        return f"{self.module_id}/{self.id}"

    @property
    def content(self) -> Lesson | Quiz | Lab | Practical | None:
        return getattr(self, self.kind)

    @property
    def scored(self) -> bool:
        """Quizzes and labs have scores; lessons and practicals are completed or signed off."""
        return self.kind in ("quiz", "lab")


class _ModuleBase(_Model):
    id: Slug
    title: LocalizedText
    summary: LocalizedText | None = None


class ModuleFile(_ModuleBase):
    """``modules/<module-id>/module.yaml``."""

    steps: list[StepEntry] = Field(min_length=1)


class Module(_ModuleBase):
    steps: list[Step]
    path: Path | None = None

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


# --- glossary -------------------------------------------------------------------------------

GLOSSARY_FILE = "glossary.yaml"


class GlossaryEntry(_Model):
    """One term of a course glossary, in every course language."""

    term: LocalizedText
    definition: LocalizedText
    aliases: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list, description="other names or abbreviations, in any language; found by search")


class GlossaryFile(_Model):
    """``glossary.yaml`` in the course folder (optional): the terms trainees can look up from any lesson."""

    terms: list[GlossaryEntry] = Field(min_length=1)


# --- course ---------------------------------------------------------------------------------

class Passing(_Model):
    min_overall_score: float = Field(default=0.7, ge=0, le=1,
                                     description="mean of the scored steps' best scores, 0..1")
    required: list[StepRef] = Field(default_factory=list,
                                    description='"module" or "module/step" ids that must be passed')


class Certificate(_Model):
    title: LocalizedText
    validity_months: int | None = Field(default=None, ge=1, description="null = no expiry")


class ExamPoolRow(_Model):
    """One blueprint row: ``count`` questions drawn from the quiz banks of ``from_steps``."""

    from_steps: list[StepRef] = Field(min_length=1, description='"module" (its quizzes) or "module/quiz-step" ids')
    count: int = Field(ge=1, description="questions drawn from this row's pool per trainee")
    difficulty: Difficulty | None = Field(default=None, description="only questions of this difficulty")


class ExamPractical(_Model):
    """A lab taken under exam conditions: run and graded by the service with the lab's seed/replications."""

    lab: StepRef = Field(description='"module/lab-step"')
    weight: float = Field(default=0.5, gt=0, lt=1, description="share of the exam score")


class Exam(_Model):
    """``exam:`` in course.yaml: the final exam an instructor opens as an exam session (issue 19)."""

    title: LocalizedText | None = None
    time_limit_minutes: float = Field(gt=0, le=600)
    pass_mark: float = Field(default=0.7, gt=0, le=1, description="fraction of the exam score needed to pass")
    blueprint: list[ExamPoolRow] = Field(min_length=1)
    practical: ExamPractical | None = None


class CompetencyEvidence(_Model):
    """A step that shows a competency at a level: a quiz or lab passed, or a practical signed off."""

    step: StepRef = Field(description='"module/step" (a quiz, lab or practical)')
    level: Level = Field(description="the level this step shows (beginner = 初级, intermediate = 中级, "
                                     "advanced = 高级)")


class Competency(_Model):
    """``competencies:`` in course.yaml: a skill of the skills matrix and the steps that show it (issue 19)."""

    id: Slug
    name: LocalizedText
    evidence: list[CompetencyEvidence] = Field(min_length=1)


class _CourseBase(_Model):
    format: Literal[1] = Field(description="course format version")
    id: Slug
    version: SemVer
    title: LocalizedText
    summary: LocalizedText
    track: Track
    level: Level
    estimated_hours: float = Field(ge=0)
    prerequisites: list[Slug] = Field(default_factory=list, description="course ids")
    passing: Passing = Field(default_factory=Passing)
    certificate: Certificate | None = None
    exam: Exam | None = None
    review_streak_days: int | None = Field(
        default=None, ge=1, le=60,
        description="days in a row with spaced review of this course needed before its final exam (issue 19)")
    competencies: list[Competency] = Field(default_factory=list, description="the skills matrix of this course")


class CourseFile(_CourseBase):
    """``course.yaml``."""

    modules: list[Slug] = Field(min_length=1, description="ordered module ids (folders under modules/)")


CourseSource = Literal["bundled", "library", "path"]


class Course(_CourseBase):
    """A loaded course."""

    modules: list[Module]
    path: Path | None = None
    source: CourseSource = "path"
    content_hash: str | None = None
    glossary: list[GlossaryEntry] = Field(default_factory=list)

    @property
    def read_only(self) -> bool:
        return self.source == "bundled"

    def module(self, module_id: str) -> Module | None:
        return next((m for m in self.modules if m.id == module_id), None)

    def find_step(self, module_id: str, step_id: str) -> Step | None:
        module = self.module(module_id)
        return module.step(step_id) if module is not None else None

    def step(self, key: str) -> Step | None:
        """The step for a ``module/step`` key."""
        module_id, _sep, step_id = key.partition("/")
        return self.find_step(module_id, step_id)

    def iter_steps(self) -> Iterator[tuple[Module, Step]]:
        for module in self.modules:
            for step in module.steps:
                yield module, step

    def step_keys(self) -> list[str]:
        """Every step as ``module/step``, in course order (the progress keys)."""
        return [s.key for _m, s in self.iter_steps()]

    def scored_step_keys(self) -> list[str]:
        return [s.key for _m, s in self.iter_steps() if s.scored]

    def step_kinds(self) -> list[tuple[str, str]]:
        """``(key, kind)`` of every step in course order: what progress and completion are computed over."""
        return [(s.key, s.kind) for _m, s in self.iter_steps()]

    def required_step_keys(self) -> list[str]:
        """``passing.required`` expanded: a module id stands for its quiz, lab and practical steps."""
        keys: list[str] = []
        for ref in self.passing.required:
            if "/" in ref:
                keys.append(ref)
                continue
            module = self.module(ref)
            if module is not None:
                keys.extend(s.key for s in module.steps if s.kind != "lesson")
        return list(dict.fromkeys(keys))


FILE_MODELS: dict[str, type[BaseModel]] = {
    "course.yaml": CourseFile,
    "module.yaml": ModuleFile,
    "quiz.yaml": Quiz,
    "lab.yaml": Lab,
    "practical.yaml": Practical,
}
