import sys

from analytics.cli.argv import command_word, first_file

ingest = command_word(sys.argv[1:]) == "ingest" and not {"-h", "--help"} & set(sys.argv[1:])
# an ingest: the isolated reader starts first (a copy of this process, before anything else is
# imported: isolation.prestart), and imports and reads the first file while this process imports
# the command line
if ingest:
    from analytics.ingest import isolation

    isolation.prestart(prefetch=first_file(sys.argv[1:]))

from analytics.cli.main import main  # noqa: E402

status = main()
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
