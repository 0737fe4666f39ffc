"""A local SMTP catcher for `make run`: every message is written as an .eml file, which admins
can read at /admin/mail. Not for production: point LMS_SMTP_* at a real server there.

    python -m lms.mailcatcher --port 8025 --dir instance/mail
"""
import argparse
import logging
import signal
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

log = logging.getLogger("mailcatcher")


class EmlWriter:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{time.monotonic_ns()}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        subject = message_from_bytes(envelope.content, policy=policy.default)["Subject"]
        log.info("caught mail to=%s subject=%r file=%s", ",".join(envelope.rcpt_tos), subject, path.name)
        return "250 Message accepted"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default="instance/mail")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    controller = Controller(EmlWriter(args.dir), hostname=args.host, port=args.port)
    controller.start()
    log.info("catching mail on %s:%s into %s", args.host, args.port, args.dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
