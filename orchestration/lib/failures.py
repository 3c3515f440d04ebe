"""Errors a user can cause and fix (a busy warehouse, a bad path, permissions).

`crmwh` prints them as one line, without a traceback; anything else is unexpected.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; its message is one line that says what to do."""


class WarehouseBusy(UserError):
    """Another refresh of the same warehouse is running, or another process holds the file."""


class PathNotUsable(UserError):
    """A folder or file the refresh must write cannot be written (missing, permissions)."""


class PublicationError(UserError):
    """A publication cannot be listed, restored or made (missing version, bad folder)."""
