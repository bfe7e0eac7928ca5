"""One module per gate command: cli.py parses the command line and dispatches here."""
