from types import SimpleNamespace as Q

from lms.progress import rules

QUESTIONS = [Q(id=1, correct=[0]), Q(id=2, correct=[0, 2]), Q(id=3, correct=[1]), Q(id=4, correct=[2])]


def test_all_right_scores_100_and_passes():
    result = rules.score_quiz(QUESTIONS, {1: {0}, 2: {0, 2}, 3: {1}, 4: {2}}, pass_mark=75)
    assert (result.score, result.passed, result.wrong) == (100, True, [])


def test_multiple_choice_needs_exactly_the_correct_set():
    partial = rules.score_quiz(QUESTIONS, {1: {0}, 2: {0}, 3: {1}, 4: {2}}, pass_mark=75)
    extra = rules.score_quiz(QUESTIONS, {1: {0}, 2: {0, 1, 2}, 3: {1}, 4: {2}}, pass_mark=75)
    assert partial.wrong == [2] and extra.wrong == [2]
    assert partial.score == 75 and partial.passed


def test_pass_mark_is_inclusive_and_missing_answers_are_wrong():
    result = rules.score_quiz(QUESTIONS, {1: {0}, 2: {0, 2}}, pass_mark=51)
    assert result.score == 50 and not result.passed and result.wrong == [3, 4]
    assert rules.score_quiz(QUESTIONS, {1: {0}, 2: {0, 2}}, pass_mark=50).passed


def test_a_quiz_without_questions_cannot_be_passed():
    assert rules.score_quiz([], {}, pass_mark=0).passed is False


def test_course_complete_only_when_every_lesson_is():
    assert rules.is_course_complete({1, 2, 3}, {1, 2, 3})
    assert rules.is_course_complete({1, 2}, {1, 2, 99})
    assert not rules.is_course_complete({1, 2, 3}, {1, 3})
    assert not rules.is_course_complete(set(), set())


def test_progress_percent_and_first_unfinished():
    lessons = [Q(id=1), Q(id=2), Q(id=3)]
    assert rules.progress_percent([1, 2, 3], {1}) == 33
    assert rules.progress_percent([1, 2, 3], {1, 2, 3, 4}) == 100
    assert rules.progress_percent([], set()) == 0
    assert rules.first_unfinished(lessons, {1, 3}).id == 2
    assert rules.first_unfinished(lessons, {1, 2, 3}).id == 3
    assert rules.first_unfinished([], set()) is None
