"""The domain: plain functions that take the acting user and values, flush, never commit."""


class DomainError(ValueError):
    """A rule was broken; the message is safe to show to the user."""
