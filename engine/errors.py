"""The exception tree: one base, an input branch and a file branch."""


class PmoError(Exception):
    """Base class of every error this project raises on purpose."""


class InputError(PmoError):
    """The portfolio data is wrong; the message says where and how to fix it."""


class FileError(PmoError):
    """A workbook file cannot be read, trusted or written."""
