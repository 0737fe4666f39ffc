"""Translations and captions for the learner tests, built as plain model rows (the authoring
services are tested on their own): digests from lms.course_languages.texts, as an author's
save stores them."""
from lms.course_languages.models import (
    CourseTranslation, LessonCaption, LessonTranslation, ModuleTranslation, QuestionTranslation,
)
from lms.course_languages.texts import lesson_digest, module_digest, question_digest
from lms.extensions import db
from lms.storage import store_bytes
from lms.timeutil import utcnow

# Texts with the letters of the language, so page and PDF tests see them come through.
WORDS = {
    "lt": {"course": "Gerosios gamybos praktikos pagrindai", "module": "Modulis", "lesson": "Pamoka",
           "body": "Šią pamoką skaitykite atidžiai: ąčęėįšųūž.", "prompt": "Klausimas", "choice": "Atsakymas",
           "feedback": "Žiūrėkite pamoką dar kartą."},
    "nb": {"course": "Grunnleggende GxP på norsk", "module": "Modul", "lesson": "Leksjon",
           "body": "Les denne leksjonen nøye: æøå.", "prompt": "Spørsmål", "choice": "Svar",
           "feedback": "Les leksjonen på nytt."},
}


def words(language):
    return WORDS.get(language, {key: f"{language}-{key}" for key in WORDS["nb"]})


def translate(version, language, published=True, file_for=None):
    """A complete, current translation of ``version`` into ``language``; ``file_for``:
    {lesson: StoredFile} translated files."""
    w = words(language)
    translation = CourseTranslation(version=version, language=language, title=w["course"],
                                    summary=f"{w['course']} ({language})",
                                    published_at=utcnow() if published else None)
    db.session.add(translation)
    for module in version.modules:
        translation.modules.append(ModuleTranslation(
            module=module, title=f"{w['module']} {module.position + 1}", source_digest=module_digest(module)))
        for lesson in module.lessons:
            translation.lessons.append(LessonTranslation(
                lesson=lesson, title=f"{w['lesson']} {lesson.id}",
                body_markdown=w["body"] if lesson.kind == "text" else "",
                file=(file_for or {}).get(lesson), source_digest=lesson_digest(lesson)))
            for question in lesson.questions:
                translation.questions.append(QuestionTranslation(
                    question=question, prompt=f"{w['prompt']} {question.position + 1}",
                    choices=[f"{w['choice']} {n + 1}" for n in range(len(question.choices))],
                    feedback=w["feedback"], source_digest=question_digest(question)))
    db.session.commit()
    return translation


# The start of an MP4 file (what storage sniffs as video/mp4).
MP4_BYTES = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{text}\n"


def add_caption(lesson, language, text="Hello"):
    stored = store_bytes(VTT.format(text=text).encode(), f"captions-{language}.vtt", "text/vtt")
    caption = LessonCaption(lesson=lesson, language=language, file=stored)
    db.session.add(caption)
    db.session.commit()
    return caption
