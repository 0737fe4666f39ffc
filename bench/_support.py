"""What the benchmark scripts share: their log line, bulk inserts and the throwaway database
each builds its data in. Import it once the repository root is on sys.path."""
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def insert_rows(table, rows, chunk=20_000):
    """Insert dicts into a Core table through the app's session, ``chunk`` rows a statement."""
    from lms.extensions import db

    for start in range(0, len(rows), chunk):
        db.session.execute(table.insert(), rows[start:start + chunk])


@contextmanager
def throwaway_database(choice, prefix):
    """(database URL, work directory) for one run, both gone afterwards.

    :param choice: None or "sqlite" (a file in the work directory), "postgresql" (a throwaway
        cluster), or the URL of an existing, empty database
    """
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    cluster = None
    try:
        if choice in (None, "sqlite"):
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        elif choice == "postgresql":
            from tests.support.servers import PostgresCluster

            cluster = PostgresCluster(database="lms_bench").start()
            url = cluster.url
        else:
            url = choice
        log(f"database: {url.split('://')[0]}")
        yield url, workdir
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
