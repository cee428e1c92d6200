"""Why a file could not be ingested. Messages are Vietnamese: they reach admins in chat."""


class IngestError(Exception):
    """A file that cannot become a document. str(error) is a one-line reason for the summary."""


class UnsupportedFile(IngestError):
    pass


class CorruptFile(IngestError):
    pass


class EmptyDocument(IngestError):
    pass


class TooLarge(IngestError):
    """Over one of the limits that keep a single file from taking minutes or gigabytes."""


class OverTime(TooLarge):
    """The file's time budget (Limits.seconds) ran out before it was read and embedded."""
