"""Every blueprint of the app, in one list. A blueprint's URL prefix is set where it is made
(``Blueprint(..., url_prefix=...)``); those without one serve top-level pages."""
from importlib import import_module

# (module, what it serves)
BLUEPRINTS = (
    ("lms.accounts.views", "sign-up, login, logout, the account page"),
    ("lms.accounts.admin_views", "/admin/users: roles, deactivation"),
    ("lms.courses.views", "the catalogue and course pages"),
    ("lms.progress.views", "My learning, lessons, quizzes"),
    ("lms.course_languages.learner_views", "a course's language for a learner, video captions"),
    ("lms.records.views", "training records (page, CSV, PDF)"),
    ("lms.signatures.document_views", "signing controlled documents; unlocking signing"),
    ("lms.certificates.views", "certificate downloads, /verify, /admin/certificates"),
    ("lms.enrolments.views", "/admin/enrolments: bulk enrolment"),
    ("lms.enrolments.due_date_views", "/admin/users/<id>/enrolments/<id>/due-date: change a due date"),
    ("lms.reports.views", "/admin/reports: completion report and exports"),
    ("lms.compliance.dashboard_views", "/admin/compliance/dashboard: compliance per profile, exports"),
    ("lms.audit.views", "/admin/audit: the audit trail"),
    ("lms.signatures.admin_views", "/admin/signatures: re-check every electronic signature"),
    ("lms.admin.views", "/admin/: the administrator's start page"),
    ("lms.admin.mail", "/admin/mail: the local mail catcher's messages"),
    ("lms.reminders.views", "/reminders: unsubscribe"),
    ("lms.reminders.admin_views", "/admin/reminders: failed reminders"),
    ("lms.authoring.views", "/author/: course authoring"),
    ("lms.course_languages.authoring_views", "/author/...: translations of a course version, captions"),
    ("lms.compliance.views", "/admin/compliance: job profiles, requirements, who holds them"),
    ("lms.compliance.supervisor_views", "/admin/compliance/profiles/.../supervisors: supervisors of job profiles"),
    ("lms.signatures.supervise_views", "/supervise: supervisors sign off observed practice"),
    ("lms.compliance.exemption_views", "/admin/compliance/...exemptions: exempting a person from a requirement"),
    ("lms.cpd.cycle_views", "/cpd/cycles and /admin/cpd/cycles: credit cycles and CPD statements"),
    ("lms.cpd.learner_views", "/cpd: My CPD (registration numbers, ledger, external activities)"),
    ("lms.cpd.admin_views", "/admin/cpd: accrediting bodies, course credits, activity approval, ledgers"),
    ("lms.api.views", "/api/v1: the JSON API"),
    ("lms.health", "/healthz and /readyz for load balancers"),
)


def register_blueprints(app):
    for module, _serves in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp)
