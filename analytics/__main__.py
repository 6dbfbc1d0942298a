import sys

from analytics.cli.language import command_word, first_file

# an ingest: the isolated reader starts (imports, and reads the first file) while this process
# imports the command line
if command_word(sys.argv[1:]) == "ingest" and not {"-h", "--help"} & set(sys.argv[1:]):
    from analytics.ingest import isolation

    isolation.prestart(prefetch=first_file(sys.argv[1:]))

from analytics.cli.main import main  # noqa: E402

sys.exit(main())
