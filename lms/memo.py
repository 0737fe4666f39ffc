"""A bounded per-process memo for the hot paths (session cookies checked, CSRF tokens signed,
rendered page parts): each keyed by everything its value follows from, so it cannot go stale."""


class Memo(dict):
    """A dict of at most ``limit`` entries: putting one more drops the oldest."""

    def __init__(self, limit):
        super().__init__()
        self.limit = limit

    def put(self, key, value):
        if len(self) >= self.limit:
            try:
                del self[next(iter(self))]
            except (StopIteration, RuntimeError, KeyError):  # another thread changed it meanwhile
                self.clear()
        self[key] = value
        return value
