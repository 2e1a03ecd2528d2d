"""Errors raised while reading one file."""


class SkipFile(Exception):
    """A file that cannot be ingested; `reason` says why, in words a user can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
