"""The billing store: Peewee models, migrations and the headless services
(planning, saving, search, benchmark, import, demo data) that the tui and the
command line call. Nothing here imports Textual."""

from store import pgdriver as _pgdriver

_pgdriver.import_peewee()
