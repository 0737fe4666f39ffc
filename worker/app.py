"""Entry point for `celery -A worker.app worker` and `celery -A worker.app beat`."""
import os

from config import Config, ProductionConfig
from lms import create_app

flask_app = create_app(ProductionConfig if os.environ.get("LMS_ENV") == "production" else Config)
celery_app = flask_app.extensions["celery"]

import worker.tasks  # noqa: E402,F401  (register the tasks)
from worker.schedule import beat_schedule  # noqa: E402

celery_app.conf.beat_schedule = beat_schedule(flask_app.config)
