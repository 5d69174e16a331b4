"""Kept for callers of the old module: the importer is the package
:mod:`store.importing` (reading, cells, specs, resolving, writing)."""
from store.importing import *  # noqa: F401,F403
from store.importing import __all__  # noqa: F401
