"""Completion rules and quiz scoring: pure functions, no database."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class QuizResult:
    score: int  # percentage 0-100, rounded down
    passed: bool
    wrong: list = field(default_factory=list)  # ids of questions answered wrongly


def score_quiz(questions, answers, pass_mark):
    """Score a quiz attempt.

    :param questions: objects with ``id`` and ``correct`` (list of choice indices)
    :param answers: {question_id: set of chosen indices}; a missing question counts as wrong
    :param pass_mark: percentage needed to pass
    """
    if not questions:
        return QuizResult(score=0, passed=False, wrong=[])
    wrong = [q.id for q in questions if set(answers.get(q.id, ())) != set(q.correct)]
    right = len(questions) - len(wrong)
    score = right * 100 // len(questions)
    return QuizResult(score=score, passed=score >= (pass_mark or 0), wrong=wrong)


def is_course_complete(lesson_ids, completed_ids):
    """Complete when every lesson of the enrolled version is complete (and there is one)."""
    lesson_ids = set(lesson_ids)
    return bool(lesson_ids) and lesson_ids <= set(completed_ids)


def progress_percent(lesson_ids, completed_ids):
    lesson_ids = set(lesson_ids)
    if not lesson_ids:
        return 0
    return len(lesson_ids & set(completed_ids)) * 100 // len(lesson_ids)


def first_unfinished(lessons_in_order, completed_ids):
    """The lesson "Continue" goes to: the first not yet complete, else the last one."""
    completed_ids = set(completed_ids)
    for lesson in lessons_in_order:
        if lesson.id not in completed_ids:
            return lesson
    return lessons_in_order[-1] if lessons_in_order else None
