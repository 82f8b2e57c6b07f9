"""Spaced review (issue 19): cards from misses and glossary terms, FSRS schedules, streaks, retention, sync."""

from __future__ import annotations

import datetime as dt

import fsrs
import pytest
from sqlalchemy import select

from app.courses import models as m
from app.services.auth import PermissionDenied
from app.services.review import (
    NEW_PER_DAY,
    QUESTION,
    RECALL_WINDOW_DAYS,
    TERM,
    ReviewError,
    ReviewService,
    ReviewStreakRequired,
    term_ref,
)
from app.storage.models import ReviewCard, ReviewLog, Role
from tests.stored_progress import store_quiz_attempt

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _term(en: str, zh: str) -> m.GlossaryEntry:
    return m.GlossaryEntry(term={"en": en, "zh_CN": zh},
                           definition={"en": f"What {en} means.", "zh_CN": f"{zh}的含义。"})


@pytest.fixture
def course(fixture_course):
    return fixture_course.model_copy(update={"glossary": [_term("Buffer", "缓冲区"), _term("Takt time", "节拍时间")]})


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def review(ctx, course, clock):
    return ReviewService(ctx.store.sessions, ctx.workstation_id, {course.id: course}.get, clock)


def _missed(ctx, actor, course, *qids_correct: tuple[str, bool]) -> None:
    questions = [{"id": q, "type": "single", "response": "x", "correct": ok, "points": float(ok), "max_points": 1.0}
                 for q, ok in qids_correct]
    store_quiz_attempt(ctx.progress, actor, course.id, course.version, "basics/quiz",
                       answers={"questions": questions, "seed": 1}, score=0.3, passed=False, duration_s=20)


def test_cards_come_from_missed_questions_and_the_enrolled_courses_glossary(ctx, trainee, course, review):
    assert review.due_cards(trainee) == []  # not enrolled, nothing missed
    _missed(ctx, trainee, course, ("q-single", False), ("q-multiple", True), ("q-true-false", False))
    due = review.due_cards(trainee)
    assert {(c.source, c.ref) for c in due} == {(QUESTION, "basics/quiz/q-single"),
                                                (QUESTION, "basics/quiz/q-true-false")}
    assert all(c.question is not None and c.question.id == c.ref.rsplit("/", 1)[1] for c in due)
    ctx.progress.enroll(trainee, course.id, course.version)
    due = review.due_cards(trainee)
    terms = {c.ref: c.term for c in due if c.source == TERM}
    assert set(terms) == {"buffer", "takttime"} and terms["buffer"].term["zh_CN"] == "缓冲区"
    assert review.due_count(trainee) == 4 and all(c.new for c in due)


def test_new_cards_are_due_at_once_with_a_clock_that_moves(ctx, trainee, course):
    """The cards made by a refresh are due at the time of the request, not a moment after it."""
    ticks = iter(T0 + dt.timedelta(microseconds=i) for i in range(1000))
    review = ReviewService(ctx.store.sessions, ctx.workstation_id, {course.id: course}.get, lambda: next(ticks))
    _missed(ctx, trainee, course, ("q-single", False))
    assert [c.ref for c in review.due_cards(trainee)] == ["basics/quiz/q-single"]


def test_a_question_no_longer_in_the_course_is_not_shown(ctx, trainee, course, review):
    _missed(ctx, trainee, course, ("q-gone", False), ("q-single", False))
    assert [c.ref for c in review.due_cards(trainee)] == ["basics/quiz/q-single"]


def test_scheduling_matches_fsrs_for_a_replayed_history(ctx, trainee, course, review, clock):
    _missed(ctx, trainee, course, ("q-single", False))
    history = [(3, dt.timedelta(0)), (1, dt.timedelta(minutes=5)), (3, dt.timedelta(minutes=20)),
               (3, dt.timedelta(days=1)), (2, dt.timedelta(days=4)), (4, dt.timedelta(days=9)),
               (3, dt.timedelta(days=30))]
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    expected = fsrs.Card(card_id=1)
    card_id = review.due_cards(trainee)[0].id
    for rating, offset in history:
        clock.now = T0 + offset
        due = review.answer(trainee, card_id, rating)
        expected, _log = scheduler.review_card(expected, fsrs.Rating(rating), review_datetime=clock.now)
        assert due == expected.due
        with ctx.store.session() as s:
            stored = s.get(ReviewCard, card_id)
            assert stored.card["state"] == expected.state.value
            assert stored.card["stability"] == pytest.approx(expected.stability)
            assert stored.card["difficulty"] == pytest.approx(expected.difficulty)
    assert expected.state is fsrs.State.Review and due - clock.now > dt.timedelta(days=20)
    clock.now = due - dt.timedelta(minutes=1)
    assert review.due_cards(trainee) == []
    clock.now = due
    assert [c.id for c in review.due_cards(trainee)] == [card_id]


def test_a_card_is_replayed_when_a_sync_brings_answers_from_another_workstation(ctx, trainee, course, review, clock):
    _missed(ctx, trainee, course, ("q-single", False))
    card_id = review.due_cards(trainee)[0].id
    review.answer(trainee, card_id, 3)
    with ctx.store.session() as s, s.begin():  # as a merged bundle writes it
        s.add(ReviewLog(user_id=trainee.user_id, course_id=course.id, source=QUESTION, ref="basics/quiz/q-single",
                        rating=3, reviewed_at=T0 + dt.timedelta(minutes=15), workstation_id="other"))
    clock.now = T0 + dt.timedelta(hours=1)
    review.refresh(trainee)
    expected = fsrs.Card(card_id=1)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    for offset in (dt.timedelta(0), dt.timedelta(minutes=15)):
        expected, _log = scheduler.review_card(expected, fsrs.Rating.Good, review_datetime=T0 + offset)
    with ctx.store.session() as s:
        stored = s.get(ReviewCard, card_id)
        assert stored.reps == 2 and stored.card["state"] == expected.state.value
        assert stored.card["due"] == expected.due.isoformat()


def test_new_cards_are_limited_per_day(ctx, trainee, fixture_course, clock):
    many = fixture_course.model_copy(update={"glossary": [_term(f"Term {i}", f"术语{i}") for i in range(30)]})
    review = ReviewService(ctx.store.sessions, ctx.workstation_id, {many.id: many}.get, clock)
    ctx.progress.enroll(trainee, many.id, many.version)
    due = review.due_cards(trainee)
    assert len(due) == NEW_PER_DAY
    for card in due[:5]:
        review.answer(trainee, card.id, 4)  # Easy: due again in days
    assert len(review.due_cards(trainee)) == NEW_PER_DAY - 5
    clock.now = T0 + dt.timedelta(days=1)
    assert len(review.due_cards(trainee)) == NEW_PER_DAY


def test_answer_checks_rating_and_owner(ctx, trainee, instructor, course, review):
    _missed(ctx, trainee, course, ("q-single", False))
    card_id = review.due_cards(trainee)[0].id
    with pytest.raises(ReviewError):
        review.answer(trainee, card_id, 5)
    with pytest.raises(PermissionDenied):
        review.answer(instructor, card_id, 3)
    with pytest.raises(ReviewError):
        review.answer(trainee, "no-such-card", 3)
    with ctx.store.session() as s:
        assert s.scalars(select(ReviewLog)).all() == []


def test_review_streak_gates_the_final_exam(ctx, trainee, course, clock):
    strict = course.model_copy(update={"review_streak_days": 3})
    review = ReviewService(ctx.store.sessions, ctx.workstation_id, {strict.id: strict}.get, clock)
    ctx.progress.enroll(trainee, strict.id, strict.version)
    with pytest.raises(ReviewStreakRequired, match="review streak of 3 days; you have 0"):
        review.check_exam_streak(trainee, trainee.user_id, strict)
    for day in range(3):
        clock.now = T0 + dt.timedelta(days=day)
        review.answer(trainee, review.due_cards(trainee)[0].id, 3)
        assert review.streak_days(trainee, trainee.user_id, strict.id) == day + 1
    review.check_exam_streak(trainee, trainee.user_id, strict)
    clock.now = T0 + dt.timedelta(days=3)  # nothing yet today: yesterday's streak still counts
    review.check_exam_streak(trainee, trainee.user_id, strict)
    clock.now = T0 + dt.timedelta(days=5)  # a day missed
    assert review.streak_days(trainee, trainee.user_id, strict.id) == 0
    with pytest.raises(ReviewStreakRequired):
        review.check_exam_streak(trainee, trainee.user_id, strict)
    review.check_exam_streak(trainee, trainee.user_id, course)  # no streak asked


def test_retention_per_course_and_class(ctx, admin, instructor, trainee, course, review, clock):
    ctx.accounts.add_user(admin, "lina", "李娜", Role.TRAINEE, "trainee-pass")
    lina = ctx.accounts.authenticate("lina", "trainee-pass")
    for who in (trainee, lina):
        ctx.progress.enroll(who, course.id, course.version)
    cohort = ctx.cohorts.create(instructor, "Class A")
    ctx.cohorts.add_member(instructor, cohort, "lina")
    for card, rating in zip(review.due_cards(trainee), (1, 3), strict=True):
        review.answer(trainee, card.id, rating)
    review.answer(lina, review.due_cards(lina)[0].id, 4)
    whole = review.retention(instructor, course.id)
    assert (whole.trainees, whole.cards, whole.reviews, whole.recalled) == (2, 4, 3, 2)
    assert whole.due == 1  # lina's unanswered term; trainee's two are in learning steps, lina's other is Easy
    assert whole.recall_rate == pytest.approx(2 / 3)
    assert term_ref(course.glossary[0]) == "buffer"
    one = review.retention(instructor, course.id, cohort)
    assert (one.trainees, one.cards, one.due, one.reviews, one.recall_rate) == (1, 2, 1, 1, 1.0)
    clock.now = T0 + dt.timedelta(days=RECALL_WINDOW_DAYS + 1)
    assert review.retention(instructor, course.id).reviews == 0
    with pytest.raises(PermissionDenied):
        review.retention(trainee, course.id)



# --- sync: review answers travel like attempts, a trainee's device brings only its trainee's ---------------------

def _review_logs(ctx) -> list[tuple[str, str, int]]:
    with ctx.store.session() as s:
        return sorted(s.execute(select(ReviewLog.user_id, ReviewLog.ref, ReviewLog.rating)).all())


def test_review_answers_sync_from_the_trainees_own_device(tmp_path, capsys, monkeypatch, course):
    from tests.attacks.test_sync_attacks import Site, actor

    monkeypatch.setenv("ZHIZAO_LANG", "en")
    site = Site(tmp_path, capsys)
    try:
        site.trust(site.center, site.ws, "--trainee", "zhang")
        zhang, li = actor(site.ws, "zhang"), actor(site.ws, "li")
        clock = Clock(T0)
        review = ReviewService(site.ws.store.sessions, site.ws.workstation_id, {course.id: course}.get, clock)
        site.ws.progress.enroll(zhang, course.id, course.version)
        for card, rating in zip(review.due_cards(zhang), (3, 1), strict=True):
            review.answer(zhang, card.id, rating)
        code, out, err = site.import_(site.export())
        assert code == 0, out + err
        assert _review_logs(site.center) == [(site.zhang.user_id, "buffer", 3), (site.zhang.user_id, "takttime", 1)]
        # The center replays the same answers to the same schedule.
        center = ReviewService(site.center.store.sessions, site.center.workstation_id, {course.id: course}.get, clock)
        center.refresh(site.teacher, site.zhang.user_id)
        with site.ws.store.session() as s, site.center.store.session() as c:
            here = {(r.ref, r.card["due"], r.reps) for r in s.scalars(select(ReviewCard))}
            there = {(r.ref, r.card["due"], r.reps) for r in c.scalars(select(ReviewCard))}
        assert here == there and len(here) == 2

        site.ws.progress.enroll(li, course.id, course.version)
        review.answer(li, review.due_cards(li)[0].id, 4)
        code, out, err = site.import_(site.export(name="li.zip"))
        assert code == 3 and "review_logs" in out and "may only bring that trainee's own records, not li's" in out
        assert [u for u, _r, _n in _review_logs(site.center)] == [site.zhang.user_id] * 2
    finally:
        site.close()
