"""``batchbill``: the terminal app when run bare, headless subcommands otherwise.

Each module in :mod:`batchbill.commands` registers its own subcommands with a
``register(subparsers)`` function; a handler takes the parsed arguments and
returns the exit status. Only the bare command (``batchbill`` or
``batchbill tui``) imports Textual.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from batchbill import commands as _commands_pkg


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchbill",
        description="Batch billing, exports and market benchmark for MSPs. "
        "Run without a command to open the terminal app.",
    )
    parser.add_argument(
        "--db",
        help="SQLite file path or postgresql:// URL (default: $BATCHBILL_DB, "
        "else batchbill.sqlite3 in the user data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    tui = sub.add_parser("tui", help="open the terminal app (the default)")
    tui.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    tui.set_defaults(handler=run_tui)
    for info in sorted(pkgutil.iter_modules(_commands_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"batchbill.commands.{info.name}")
        module.register(sub)
    return parser


def run_tui(args) -> int:
    from batchbill.commands._common import database_target, require_existing

    target = database_target(args)
    require_existing(target)
    from tui.launch import run

    return run(target) or 0


def main(argv: list[str] | None = None) -> int:
    from batchbill.commands.search import query_first

    parser = build_parser()
    args = parser.parse_args(query_first(list(sys.argv[1:] if argv is None else argv)))
    handler = getattr(args, "handler", None)
    if handler is None:
        handler = run_tui
    from batchbill.commands._common import run_handler

    return run_handler(handler, args, escape=handler is not run_tui)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
