"""Command-line entry point: headless subcommands and the terminal app."""
