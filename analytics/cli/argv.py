"""What a command line asks for, read before anything is imported: the command word and its first
file. Only the standard library's ``os``: ``python -m analytics ingest`` reads them to start its
isolated reader before it imports the command line (:mod:`analytics.__main__`)."""

from __future__ import annotations

import os
from collections.abc import Sequence


def first_file(argv: Sequence[str]) -> str | None:
    """The first argument after the command word that names an existing file and is not an
    option's value, as an absolute path: read before the parser is built, so that ``ingest``'s
    isolated reader can start reading it early (a guess: a wrong one only costs that head start)."""
    word = command_word(argv)
    rest = list(argv[list(argv).index(word) + 1:]) if word is not None else []
    flags = {"--dry-run", "--allow-overlap"}
    for before, arg in zip([word, *rest], rest):
        if not arg.startswith("-") and (not before.startswith("-") or "=" in before or before in flags) \
                and os.path.isfile(arg):
            return os.path.abspath(arg)
    return None


def command_word(argv: Sequence[str]) -> str | None:
    """The command word of a command line (the first word that is not an option or its value)."""
    expects_value = False
    for arg in argv:
        if expects_value:
            expects_value = False
        elif arg == "--":
            return None
        elif arg.startswith("-"):
            name = arg.partition("=")[0]
            expects_value = "=" not in arg and len(name) >= 3 and "--lang".startswith(name)
        else:
            return arg
    return None
