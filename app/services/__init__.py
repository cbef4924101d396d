"""The domain: plain functions that take the acting user and values, flush, never commit."""


class DomainError(ValueError):
    """A rule was broken; the message is safe to show to the user."""


class Collision(Exception):
    """The change met another made at the same moment (a unique key): this request is
    rolled back, and the person is shown what the other one saved. The message is safe to
    show. Not a DomainError: the session must be rolled back before anything is drawn."""
