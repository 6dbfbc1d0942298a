"""The command line's language: ``--lang bn|en`` on every command, English unless asked.

Every text a person reads (help, messages, errors, prompts) comes from the string tables
(``analytics/strings/cli.toml``, ``cli_errors.toml``; help texts are ``cli.help.<key>``,
placeholders in help ``cli.meta.<key>``). What programs read (``--json``, tab-separated lists,
file paths, upload ids) is the same in every language.

The language is read from the arguments before the parser is built (:func:`from_argv`), so
that ``--lang bn --help`` and a usage error are in Bengali too. argparse's own words
("usage:", "options", its error messages) are looked up through gettext; :func:`argparse_words`
answers those look-ups from the table (``cli.argparse.*``, whose English is argparse's own text).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from analytics import i18n

#: The command line's language when none is given (the app's is Bengali; scripts read English).
DEFAULT_LANG = "en"


def from_argv(argv: Sequence[str]) -> str:
    """The language a command line asks for: its last ``--lang X`` / ``--lang=X`` (or an
    abbreviation argparse accepts, such as ``--la``) before ``--``; English when there is none or
    it is not a language (argparse then reports the wrong value)."""
    lang = DEFAULT_LANG
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if len(name) >= 3 and "--lang".startswith(name):
            lang = value if equals else (argv[i + 1] if i + 1 < len(argv) else "")
    return lang if lang in i18n.LANGS else DEFAULT_LANG


def shown(value: int, lang: str) -> str:
    """A number that labels something (a store version, a line, a count of files) as written in
    ``lang``: its digits as they are, Bengali digits in Bengali."""
    return i18n.bn_digits(str(value)) if lang == "bn" else str(value)


@contextmanager
def argparse_words(lang: str) -> Iterator[None]:
    """argparse's own words in ``lang`` while the parser is built and used. argparse translates them
    with gettext (the functions it imported as ``argparse._`` and ``argparse.ngettext``); these are
    answered from the string table for the time of the ``with`` block. English changes nothing."""
    if lang == "en":
        yield
        return
    table = {texts["en"]: texts[lang] for key, texts in i18n.strings().items() if key.startswith("cli.argparse.")}
    saved = argparse._, argparse.ngettext
    argparse._ = lambda message: table.get(message, message)
    argparse.ngettext = lambda singular, plural, n: argparse._(singular if n == 1 else plural)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class Parser(argparse.ArgumentParser):
    """argparse in one language: a usage error in one line (exit 2) instead of the usage block, and
    the parsers of the commands made alike."""

    def __init__(self, *args, lang: str = DEFAULT_LANG, **kwargs) -> None:
        self.lang = lang
        super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's own signature
        """argparse's, but files named on both sides of an option (``ingest a.csv --store s b.csv``)
        are all taken: argparse reads one run of a list of positionals, and would refuse the rest."""
        parsed, extra = self.parse_known_args(args, namespace)
        files = getattr(parsed, "files", None)
        if extra and isinstance(files, list) and not any(word.startswith("-") for word in extra):
            parsed.files, extra = files + extra, []
        if extra:
            self.error(argparse._("unrecognized arguments: %s") % " ".join(extra))
        return parsed

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", functools.partial(type(self), lang=self.lang))
        return super().add_subparsers(**kwargs)

    def error(self, message: str):
        see = i18n.t("cli.see_help", self.lang, message=message, prog=self.prog)
        self.exit(2, i18n.t("cli_error.line", self.lang, message=see) + "\n")


class Help:
    """The help of the command line's commands and options in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def text(self, key: str, **values: object) -> str:
        return i18n.t(f"cli.help.{key}", self.lang, **values)

    def parent(self) -> Parser:
        """A parser whose options several commands share (``parents=[...]``)."""
        return Parser(add_help=False, lang=self.lang)

    def command(self, commands: argparse._SubParsersAction, name: str, *, key: str | None = None,
                **kwargs) -> Parser:
        """A command; its help is ``cli.help.<key>`` (``key`` defaults to the command's name)."""
        text = self.text(key or name)
        return commands.add_parser(name, help=text, description=text, **kwargs)

    def add(self, parser: argparse.ArgumentParser, *flags: str, key: str, **kwargs) -> argparse.Action:
        """An argument with help ``cli.help.<key>`` and, where the table has one, the placeholder
        ``cli.meta.<key>`` shown for its value (English: the placeholder argparse would show)."""
        kwargs.setdefault("help", self.text(key))
        if f"cli.meta.{key}" in i18n.strings():
            kwargs.setdefault("metavar", i18n.t(f"cli.meta.{key}", self.lang))
        return parser.add_argument(*flags, **kwargs)

    def lang_option(self, parser: argparse.ArgumentParser) -> argparse.Action:
        return self.add(parser, "--lang", key="lang", choices=i18n.LANGS, default=self.lang)


__all__ = ["DEFAULT_LANG", "Help", "Parser", "argparse_words", "from_argv", "shown"]
