"""Refusals of the CPD services, each with a message for the user and the HTTP status a view
answers with."""


class CpdError(Exception):
    """A refused CPD action; ``message`` says why (lazily translated), ``field`` names the
    form field it is about, if any."""

    status = 422

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(CpdError):
    """Bad input: nothing was stored."""


class AlreadyDecided(CpdError):
    """The activity was approved or rejected already (perhaps by someone else meanwhile)."""

    status = 409
