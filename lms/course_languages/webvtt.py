"""Checking a WebVTT caption file (https://www.w3.org/TR/webvtt1/): pure functions.

Only what a browser's ``<track>`` needs to show the captions is checked: UTF-8 text, the
``WEBVTT`` signature, and cue timing lines that parse with the end after the start. Cue text
is shown by the browser as text (its few tags are its own), never as HTML of ours.
"""
import re

# hh:mm:ss.ttt (hours optional, at least two digits when given)
TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING_LINE = re.compile(rf"^{TIMESTAMP}[ \t]+-->[ \t]+{TIMESTAMP}(?:[ \t]+.*)?$")
SIGNATURE = re.compile(r"^WEBVTT(?:[ \t].*)?$")


class CaptionProblem(Exception):
    """Why a file is not acceptable WebVTT: ``reason`` is a short code, ``line`` (1-based)
    where it was found, if anywhere."""

    def __init__(self, reason, line=None):
        super().__init__(reason)
        self.reason, self.line = reason, line


def _seconds(hours, minutes, seconds, millis):
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def check(data):
    """Check ``data`` (bytes) is a WebVTT file with at least one cue.

    :return: the number of cues
    :raises CaptionProblem: "encoding" (not UTF-8, or a NUL character), "signature" (does not
        start with WEBVTT), "timing" (a line with ``-->`` that does not parse, or ends before it
        starts), "empty" (no cue)
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CaptionProblem("encoding") from None
    if "\x00" in text:
        raise CaptionProblem("encoding")
    text = text.removeprefix("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not SIGNATURE.match(lines[0]):
        raise CaptionProblem("signature", 1)
    cues = 0
    for number, line in enumerate(lines[1:], start=2):
        if "-->" not in line:
            continue
        match = TIMING_LINE.match(line.strip())
        if match is None:
            raise CaptionProblem("timing", number)
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            raise CaptionProblem("timing", number)
        cues += 1
    if cues == 0:
        raise CaptionProblem("empty")
    return cues
