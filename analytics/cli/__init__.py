"""`python -m analytics`: the command line (``main``) and its commands (``ingest``, ``admin``, ``brief``)."""
