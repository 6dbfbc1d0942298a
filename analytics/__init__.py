"""Seba Atlas analytics: pure computations over service logs (never imports streamlit).

The folder follows the data:

- ``reference/``: what a log is checked against (schema, periods, gazetteer, services, names,
  and the sample reconstructed from the published report);
- ``ingest/``: a file in, checked rows out (readers, headers, values, limits, validate,
  decisions, the pipeline, preview, isolation, the upload template);
- ``store/``: the rows kept (the ``Store`` protocol and its backends);
- ``report/``: what is shown (metrics, views, comparison, figures, tables, privacy, history,
  view state, the meeting brief);
- ``cli/``: ``python -m analytics`` and its commands.

``i18n`` (the string tables in ``strings/``) and ``auth`` (accounts, roles, sign-in) serve
all of them.
"""

from pathlib import Path

#: The repository root: geodata/, data/ and static/ are found from here.
ROOT = Path(__file__).resolve().parent.parent
