"""The WSGI application bench/http.py serves with gunicorn: the LMS, configured from LMS_*
environment variables as in production, and beside it, under /_bare/, a bare Flask app with
one endpoint that does nothing, to compare with."""
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from lms import create_app

lms_app = create_app()
bare = Flask("bare")


@bare.get("/")
def hello():
    return "ok"


application = DispatcherMiddleware(lms_app, {"/_bare": bare})
