"""The one domain error that every service raises on refusal."""


class DomainError(Exception):
    """A refusal with a machine-readable ``code`` and a message for the person."""

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
