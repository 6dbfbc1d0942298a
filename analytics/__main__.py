import sys


def _interrupted() -> None:
    """Ctrl-C or SIGTERM while the command line starts (or anywhere it does not catch it itself): one
    line in the user's language and exit status 130 (143), never a traceback."""
    import os
    import signal

    code = 128 + signal.SIGINT

    try:
        from analytics import i18n
        from analytics.cli.argv import command_word
        from analytics.cli.interrupt import message_key, status
        from analytics.cli.language import from_argv

        code = status()
        lang = from_argv(sys.argv[1:])
        key = message_key(command_word(sys.argv[1:]))
        print(i18n.t("cli_error.line", lang, message=i18n.t(key, lang)), file=sys.stderr)
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001, S110 - interrupted again, or the messages not loaded yet: the status says it
        pass
    os._exit(code)


try:
    from analytics.cli import interrupt
    from analytics.cli.argv import command_word, first_file

    interrupt.install()

    ingest = command_word(sys.argv[1:]) == "ingest" and not {"-h", "--help"} & set(sys.argv[1:])
    # an ingest: the isolated reader starts first (a copy of this process, before anything else is
    # imported: isolation.prestart), and imports and reads the first file while this process imports
    # the command line
    if ingest:
        from analytics.ingest import isolation

        isolation.prestart(prefetch=first_file(sys.argv[1:]))

    from analytics.cli.main import main

    status = main()
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # done (and said): a Ctrl-C or SIGTERM now changes nothing
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
except KeyboardInterrupt:
    _interrupted()
if ingest:
    # done: skip the interpreter's teardown (freeing a large file's frames and polars' threads
    # takes a few tenths of a second); everything is stored or refused, and said, by now
    import logging
    import os

    isolation.wait_for_children()
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away: nothing more to say
        pass
    os._exit(status)
sys.exit(status)
