"""Spaced review (issue 19): cards from missed quiz questions and glossary terms, scheduled by FSRS.

The ``fsrs`` package schedules; nothing here computes an interval. The synced truth is the
trainee's review logs (one row per answer, append-only like attempts); a card's FSRS state
in ``review_cards`` is a local cache made by replaying its logs in time order, so logs
brought by a sync bundle from another workstation give the same schedule here. Fuzzing is
off, so a replay is exact.

Days (for the daily limit of new cards and the review streak) are the workstation's local days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import fsrs
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import as_utc, utcnow
from app.courses import models as m
from app.courses.glossary import normalize
from app.i18n import _, ngettext
from app.services.auth import Actor, PermissionDenied, ServiceError, require_self_or_staff, require_staff
from app.services.errors import storage_errors
from app.storage.models import CohortMember, Enrollment, ReviewCard, ReviewLog, StepAttempt

QUESTION = "question"
TERM = "term"
NEW_PER_DAY = 20  # new cards a trainee meets per day, so a glossary of 100 terms does not arrive at once
RECALL_WINDOW_DAYS = 30
SCHEDULER = fsrs.Scheduler(enable_fuzzing=False)
RATINGS = {r.value: r for r in fsrs.Rating}

CourseLookup = Callable[[str], "m.Course | None"]
Clock = Callable[[], dt.datetime]


class ReviewError(ServiceError):
    """A review request that cannot be done (unknown card, bad rating); the message says why."""


class ReviewStreakRequired(ServiceError):
    """The course asks for a review streak before its final exam and the trainee has not reached it."""


@dataclass(frozen=True)
class DueCard:
    """A card to review now, with what the page shows (the question or the term)."""

    id: str
    course_id: str
    course_title: dict[str, str]
    source: str
    ref: str
    new: bool
    due: dt.datetime
    question: m.Question | None = None
    term: m.GlossaryEntry | None = None


@dataclass(frozen=True)
class Retention:
    """Retention of one course for a group of trainees (the dashboard's row)."""

    course_id: str
    trainees: int
    cards: int
    due: int
    reviews: int  # in the last RECALL_WINDOW_DAYS
    recalled: int  # of those, answered Hard, Good or Easy

    @property
    def recall_rate(self) -> float | None:
        return self.recalled / self.reviews if self.reviews else None


def card_key(course_id: str, source: str, ref: str) -> tuple[str, str, str]:
    return (course_id, source, ref)


def term_ref(entry: m.GlossaryEntry) -> str:
    """A glossary term's card reference: its English (else first) name, normalized."""
    return normalize(m.text_for(entry.term, "en"))[:200]


def fsrs_card_id(user_id: str, key: tuple[str, str, str]) -> int:
    """A stable integer id for fsrs (its own default reads the clock and sleeps 1 ms)."""
    return int(hashlib.sha256("\x1f".join((user_id, *key)).encode()).hexdigest()[:12], 16)


def replay(card_id: int, ratings: Iterable[tuple[int, dt.datetime]]) -> fsrs.Card:
    """The FSRS card after these answers (rating 1..4, when), in the order given."""
    card = fsrs.Card(card_id=card_id)
    first = True
    for rating, when in ratings:
        if first:
            card.due = as_utc(when)
            first = False
        card, _log = SCHEDULER.review_card(card, RATINGS[rating], review_datetime=as_utc(when))
    return card


def local_day(when: dt.datetime) -> dt.date:
    return as_utc(when).astimezone().date()


def streak(days: Iterable[dt.date], today: dt.date) -> int:
    """Days in a row with a review, ending today (or yesterday, when today has none yet)."""
    have = set(days)
    day = today if today in have else today - dt.timedelta(days=1)
    n = 0
    while day in have:
        n += 1
        day -= dt.timedelta(days=1)
    return n


@storage_errors
class ReviewService:
    def __init__(self, sessions: sessionmaker[Session], workstation_id: str, courses: CourseLookup,
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._ws = workstation_id
        self._courses = courses
        self._clock = clock

    # --- cards ---------------------------------------------------------------------------------

    def _course(self, course_id: str) -> m.Course | None:
        try:
            return self._courses(course_id)
        except (KeyError, LookupError):
            return None

    def _wanted(self, s: Session, user_id: str) -> set[tuple[str, str, str]]:
        """Every card the trainee should have: missed questions of their quiz attempts, their courses' terms."""
        wanted: set[tuple[str, str, str]] = set()
        rows = s.execute(select(StepAttempt.course_id, StepAttempt.step_key, StepAttempt.answers).where(
            StepAttempt.user_id == user_id, StepAttempt.kind == "quiz", StepAttempt.passed.is_not(None)))
        for course_id, step_key, answers in rows:
            for q in (answers or {}).get("questions") or []:
                if isinstance(q, dict) and q.get("correct") is False and isinstance(q.get("id"), str):
                    wanted.add(card_key(course_id, QUESTION, f"{step_key}/{q['id']}"[:200]))
        for course_id in s.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user_id)):
            course = self._course(course_id)
            for entry in course.glossary if course is not None else []:
                wanted.add(card_key(course_id, TERM, term_ref(entry)))
        return wanted

    def _logs(self, s: Session, user_id: str) -> dict[tuple[str, str, str], list[tuple[int, dt.datetime]]]:
        logs: dict[tuple[str, str, str], list[tuple[int, dt.datetime]]] = {}
        for course_id, source, ref, rating, when in s.execute(
                select(ReviewLog.course_id, ReviewLog.source, ReviewLog.ref, ReviewLog.rating, ReviewLog.reviewed_at)
                .where(ReviewLog.user_id == user_id).order_by(ReviewLog.reviewed_at, ReviewLog.id)):
            if rating in RATINGS:
                logs.setdefault(card_key(course_id, source, ref), []).append((rating, as_utc(when)))
        return logs

    def _refresh(self, s: Session, user_id: str, now: dt.datetime) -> None:
        """Make the missing cards (due ``now``), and replay every card whose logs changed (a sync brought more)."""
        cards = {card_key(c.course_id, c.source, c.ref): c
                 for c in s.scalars(select(ReviewCard).where(ReviewCard.user_id == user_id))}
        logs = self._logs(s, user_id)
        for key in self._wanted(s, user_id) | set(logs):
            history = logs.get(key, [])
            row = cards.get(key)
            if row is not None and row.reps == len(history):
                continue
            card = replay(fsrs_card_id(user_id, key), history)
            due = card.due if history else now
            if row is None:
                s.add(ReviewCard(user_id=user_id, course_id=key[0], source=key[1], ref=key[2],
                                 card=card.to_dict(), due=due, reps=len(history), created_at=now))
            else:
                row.card, row.due, row.reps = card.to_dict(), due, len(history)
        s.flush()

    def refresh(self, actor: Actor, user_id: str | None = None) -> None:
        """Bring the trainee's cards up to date (new misses, new enrolments, synced answers)."""
        user_id = user_id or actor.user_id
        require_self_or_staff(actor, user_id)
        with self._sessions() as s, s.begin():
            self._refresh(s, user_id, self._clock())

    def _new_today(self, s: Session, user_id: str, now: dt.datetime) -> int:
        """Cards first answered today (local day): they count against the daily limit of new cards."""
        firsts = s.execute(select(func.min(ReviewLog.reviewed_at)).where(ReviewLog.user_id == user_id).group_by(
            ReviewLog.course_id, ReviewLog.source, ReviewLog.ref)).scalars()
        today = local_day(now)
        return sum(1 for first in firsts if local_day(first) == today)

    def _shown(self, row: ReviewCard, terms: dict[str, dict[str, m.GlossaryEntry]]) -> DueCard | None:
        """The card with its content, or None when its course, question or term is gone."""
        course = self._course(row.course_id)
        if course is None:
            return None
        question = term = None
        if row.source == QUESTION:
            step_key, _sep, qid = row.ref.rpartition("/")
            step = course.step(step_key)
            quiz = step.quiz if step is not None and step.kind == "quiz" else None
            question = next((q for q in quiz.questions if q.id == qid), None) if quiz is not None else None
            if question is None:
                return None
        else:
            if row.course_id not in terms:
                terms[row.course_id] = {term_ref(e): e for e in course.glossary}
            term = terms[row.course_id].get(row.ref)
            if term is None:
                return None
        return DueCard(row.id, row.course_id, dict(course.title), row.source, row.ref, row.reps == 0,
                       as_utc(row.due), question, term)

    def due_cards(self, actor: Actor) -> list[DueCard]:
        """The acting trainee's cards due now: reviews first (most overdue first), then today's new cards."""
        now = self._clock()
        with self._sessions() as s, s.begin():
            self._refresh(s, actor.user_id, now)
            rows = s.scalars(select(ReviewCard).where(ReviewCard.user_id == actor.user_id, ReviewCard.due <= now)
                             .order_by(ReviewCard.due, ReviewCard.course_id, ReviewCard.source, ReviewCard.ref))
            seen, new = [], []
            terms: dict[str, dict[str, m.GlossaryEntry]] = {}
            for row in rows:
                shown = self._shown(row, terms)
                if shown is not None:
                    (new if shown.new else seen).append(shown)
            room = max(0, NEW_PER_DAY - self._new_today(s, actor.user_id, now))
            return seen + new[:room]

    def due_count(self, actor: Actor) -> int:
        return len(self.due_cards(actor))

    def next_due(self, actor: Actor) -> dt.datetime | None:
        """When the next card that has been answered before is due (after the ones due now)."""
        with self._sessions() as s:
            when = s.scalar(select(func.min(ReviewCard.due)).where(
                ReviewCard.user_id == actor.user_id, ReviewCard.reps > 0, ReviewCard.due > self._clock()))
            return as_utc(when)

    def answer(self, actor: Actor, card_id: str, rating: int, duration_ms: int | None = None) -> dt.datetime:
        """Rate a card (1 Again, 2 Hard, 3 Good, 4 Easy): store the answer, reschedule; returns the next due time."""
        if rating not in RATINGS:
            raise ReviewError(_("A review is rated Again, Hard, Good or Easy."))
        now = self._clock()
        with self._sessions() as s, s.begin():
            row = s.get(ReviewCard, card_id)
            if row is None:
                raise ReviewError(_("This review card no longer exists; the list was refreshed."))
            if row.user_id != actor.user_id:
                raise PermissionDenied(_("You can only review your own cards."))
            s.add(ReviewLog(user_id=row.user_id, course_id=row.course_id, source=row.source, ref=row.ref,
                            rating=rating, reviewed_at=now, duration_ms=duration_ms, workstation_id=self._ws))
            s.flush()
            key = card_key(row.course_id, row.source, row.ref)
            card = replay(fsrs_card_id(row.user_id, key), self._logs(s, row.user_id).get(key, []))
            history_len = s.scalar(select(func.count()).select_from(ReviewLog).where(
                ReviewLog.user_id == row.user_id, ReviewLog.course_id == row.course_id,
                ReviewLog.source == row.source, ReviewLog.ref == row.ref)) or 0
            row.card, row.due, row.reps = card.to_dict(), card.due, history_len
            return as_utc(card.due)

    # --- streaks and the exam gate -------------------------------------------------------------

    def streak_days(self, actor: Actor, user_id: str, course_id: str) -> int:
        """Local days in a row, up to today, on which the trainee reviewed cards of this course."""
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            times = s.scalars(select(ReviewLog.reviewed_at).where(ReviewLog.user_id == user_id,
                                                                  ReviewLog.course_id == course_id))
            return streak((local_day(t) for t in times), local_day(self._clock()))

    def check_exam_streak(self, actor: Actor, user_id: str, course: m.Course) -> None:
        """ReviewStreakRequired when ``course`` asks for a review streak the trainee has not reached yet."""
        need = course.review_streak_days
        if not need:
            return
        have = self.streak_days(actor, user_id, course.id)
        if have < need:
            raise ReviewStreakRequired(ngettext(
                "This course's final exam needs a review streak of {need} day; you have {have}.",
                "This course's final exam needs a review streak of {need} days; you have {have}.",
                need).format(need=need, have=have))

    # --- the instructor's view -----------------------------------------------------------------

    def retention(self, actor: Actor, course_id: str, cohort_id: str | None = None) -> Retention:
        """Cards due now and the recall rate of the last 30 days, for a course's trainees (or one class's)."""
        require_staff(actor)
        now = self._clock()
        with self._sessions() as s, s.begin():
            query = select(Enrollment.user_id).where(Enrollment.course_id == course_id)
            if cohort_id is not None:
                query = query.where(Enrollment.user_id.in_(
                    select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
            users = sorted(set(s.scalars(query)))
            for user_id in users:
                self._refresh(s, user_id, now)
            in_course = (ReviewCard.user_id.in_(users), ReviewCard.course_id == course_id)
            cards = s.scalar(select(func.count()).select_from(ReviewCard).where(*in_course)) or 0
            due = s.scalar(select(func.count()).select_from(ReviewCard).where(*in_course, ReviewCard.due <= now)) or 0
            since = now - dt.timedelta(days=RECALL_WINDOW_DAYS)
            logs = (ReviewLog.user_id.in_(users), ReviewLog.course_id == course_id, ReviewLog.reviewed_at >= since)
            reviews = s.scalar(select(func.count()).select_from(ReviewLog).where(*logs)) or 0
            recalled = s.scalar(select(func.count()).select_from(ReviewLog).where(*logs, ReviewLog.rating > 1)) or 0
        return Retention(course_id, len(users), cards, due, reviews, recalled)
