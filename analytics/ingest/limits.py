"""What an upload may hold and what a row may plausibly say: every limit in one place.

The plausibility limits exist so that one typing slip cannot put a false figure on the map
(Tk 50,00,000 for one birth registration, 999,999,999 people in one row). They are set
wide enough that no real office row meets them, and narrow enough that every sum the app
computes stays exact in 64-bit integers (see :func:`largest_sums`, tested at the limits).

- ``FEE_FACTOR``: a UDC fee *per beneficiary* may be at most this many times the service's
  catalogue maximum (``geodata/services.csv`` ``fee_max_bdt``), and, when it is not zero, at
  least the catalogue minimum divided by it. Prices drift and offices round, so a factor of 5
  leaves room for real fees while a misplaced digit or two (x10, x100) is always caught.
- ``MAX_BENEFICIARIES``: people served in one row. A transaction row is one visit (a family
  or a group at most); a summary row is one union, service and month. The busiest union in
  the published FY 2022-23 figures served about 1,500 people in a whole *year*.
- ``EARLIEST_YEAR``: the first year a UDC delivered services is 2010 (they opened in
  November 2010); earlier dates are typing slips (0001, 1923).
- ``max_bytes`` / ``max_rows``: what one uploaded file may hold (keep ``max_bytes`` equal to
  ``.streamlit/config.toml`` ``server.maxUploadSize`` and to nginx's ``client_max_body_size``).

Shape limits, checked cheaply *before* a file is parsed, so that a hostile or broken file is
refused in seconds instead of exhausting memory (the parse itself also runs in a child
process with a memory and time limit, :mod:`analytics.ingest.isolation`):

- ``MAX_LINE_BYTES``: the longest line of a CSV file (a real log line is a few hundred bytes).
- ``MAX_CELLS`` / ``MAX_COLUMNS``: a worksheet's extent, rows x columns, as its cells and its
  declared dimension say; calamine allocates the whole rectangle.
- ``MAX_UNZIPPED``: the decompressed size of an .xlsx (a zip) and ``MAX_ZIP_RATIO``.
- ``MAX_FIELD_CHARS``: the longest name or ID (an entrepreneur ID is a short code, a name a
  few words); longer dates, fees and counts fail to parse anyway, and every cell is bounded
  by ``MAX_LINE_BYTES``.
- ``MAX_PROBLEM_ROWS``: problems reported one by one; beyond that they are counted per kind.
- ``ECHO_CHARS``: at most this much of a cell is quoted back in a message.
"""

from __future__ import annotations

from dataclasses import dataclass

FEE_FACTOR = 5
MAX_BENEFICIARIES = {"transactions": 1_000, "summary": 20_000}
EARLIEST_YEAR = 2010
INT64_MAX = 2**63 - 1

MAX_LINE_BYTES = 64 * 1024
MAX_COLUMNS = 500
MAX_CELLS = 30_000_000
MAX_UNZIPPED = 1_000_000_000
MAX_ZIP_RATIO = 200
#: longest value of a field that is stored or matched (IDs are short codes, names a few words)
MAX_FIELD_CHARS = {"entrepreneur_id": 40, "entrepreneur_name": 120, "union": 120, "upazila": 120, "service": 200}
MAX_PROBLEM_ROWS = 10_000
ECHO_CHARS = 80


@dataclass(frozen=True)
class Limits:
    """What one upload may hold."""

    max_bytes: int = 200_000_000
    max_rows: int = 2_000_000
    #: different place or service names one column may hold (a district's log: its 51 unions and some
    #: hundred services, in a few spellings each); each is matched on its own
    max_names: int = 5_000


def largest_fee_paisa(fee_max_bdt: int, beneficiaries: int) -> int:
    """The largest fee (paisa) a row of ``beneficiaries`` may carry for a service up to ``fee_max_bdt``."""
    return fee_max_bdt * 100 * FEE_FACTOR * beneficiaries


def largest_sums(*, rows: int, fee_max_bdt: int) -> tuple[int, int]:
    """(beneficiaries, fee paisa) of ``rows`` rows all at the limits: what a sum must hold."""
    people = max(MAX_BENEFICIARIES.values())
    return rows * people, rows * largest_fee_paisa(fee_max_bdt, people)
