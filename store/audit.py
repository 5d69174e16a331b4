"""Who does a change: the one ``current_actor`` of the whole store (and the app).

The OS login name, as the audit events and a batch's ``created_by`` record it.
A module of its own with no store imports, so that any module can ask without
importing billing or the models.
"""
from __future__ import annotations

import getpass


def current_actor() -> str:
    """The OS user running this process, or ``unknown`` where there is no login name
    (some containers)."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
