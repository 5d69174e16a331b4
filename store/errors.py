"""Errors the store raises for a user's mistake or a broken rule. The command
line and the tui show their message; none of them should surface as a
traceback."""


class BatchbillError(Exception):
    """Base of every error meant for the user: its message says what and why."""


class BilledRecordError(BatchbillError):
    """An attempt to change or delete a ticket, time entry or expense that is billed."""


class NotFoundError(BatchbillError):
    """A customer, batch, invoice... that does not exist."""


class ValidationError(BatchbillError):
    """A value that breaks a rule of the domain."""


class AlreadyBilledError(BatchbillError):
    """A save lost a race: another batch billed one of its items meanwhile."""


class ImportFileError(BatchbillError):
    """A CSV import with bad rows. ``problems`` lists 'FILE:LINE: column: reason'."""

    def __init__(self, problems: list[str], total: int | None = None):
        self.problems = list(problems)
        # how many there were: a huge bad file keeps the first ones only
        self.total = max(total or 0, len(self.problems))
        super().__init__("\n".join(self.problems))


class StaleReviewError(AlreadyBilledError):
    """A save whose reviewed items changed since review (time added to a ticket...)."""


class StorageError(BatchbillError):
    """The database failed under a write (connection lost, disk full, read-only
    file): the message names the real cause; the transaction was rolled back."""
