"""The billing store: Peewee models, migrations and the headless services
(planning, saving, search, benchmark, import, demo data) that the tui and the
command line call. Nothing here imports Textual."""
