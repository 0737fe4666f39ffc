"""Imports every model so the metadata (and Alembic) sees all tables."""
from lms.accounts.models import LoginThrottle, Organisation, User  # noqa: F401
from lms.audit.models import AuditChainHead, AuditEvent  # noqa: F401
from lms.courses.models import Course, CourseAsset, CourseVersion, Lesson, Module, Question, StoredFile  # noqa: F401
from lms.enrolments.models import Enrolment  # noqa: F401
from lms.progress.models import LessonProgress, QuizAttempt  # noqa: F401
from lms.certificates.models import Certificate  # noqa: F401
from lms.reminders.models import ReminderLog  # noqa: F401
from lms.outbox.models import Outbox  # noqa: F401
from lms.compliance.models import (  # noqa: F401
    JobAssignment, JobProfile, JobProfileSupervisor, Requirement, RequirementExemption,
)
from lms.signatures.models import Signature, SigningNonce  # noqa: F401
from lms.course_languages.models import (  # noqa: F401
    CourseTranslation, LessonCaption, LessonTranslation, ModuleTranslation, QuestionTranslation,
)
from lms.cpd.models import (  # noqa: F401
    AccreditingBody, CourseCredit, CreditCycle, CreditEntry, ExternalActivity, LearnerRegistration,
)
import lms.reports.models  # noqa: E402,F401  (the report's indexes)
