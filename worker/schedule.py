"""Celery beat entries. The reminder sweep arrives with the certificates/reminders issue."""


def beat_schedule(config):
    return {}
