"""Signed unsubscribe tokens: a link in every reminder that works without logging in.

Not timed: an unsubscribe link must keep working for as long as the email it came in may be
read (RFC 8058 one-click unsubscribe expects that too). The signature (SECRET_KEY, own salt)
makes a token unforgeable; it carries only the user id, never the email address."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "lms.reminders.unsubscribe"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id):
    return _serializer().dumps({"u": int(user_id)})


def user_id_from_token(token):
    """The user id a token was made for, or None when it is malformed or tampered with."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None
