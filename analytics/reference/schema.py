"""The canonical service-log schema, declared once.

Every reader, the store and every metric speak this schema. One row is one service
delivery, or one counted group of deliveries (a summary sheet row): ``beneficiaries``
says how many people it served and ``fee_paisa`` what the entrepreneur earned for them.

Money is exact: fees are stored as whole *paisa* (1 taka = 100 paisa) in Int64, so sums
never meet float rounding; :func:`paisa_to_taka_text` and the i18n formatter turn them
into taka for people.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

CHANNELS = ("udc", "front_desk")
GENDERS = ("female", "male")

Channel = pl.Enum(list(CHANNELS))
Gender = pl.Enum(list(GENDERS))

#: Column name -> dtype of the canonical log. The order is the stored order.
LOG_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "channel": Channel,
    "upazila_code": pl.String(),
    "union_code": pl.String(),  # null on front-desk rows
    "entrepreneur_id": pl.String(),  # UDC rows only
    "entrepreneur_name": pl.String(),
    "entrepreneur_gender": Gender,
    "service_code": pl.String(),
    "service_category": pl.String(),
    "beneficiaries": pl.Int32(),
    "fee_paisa": pl.Int64(),  # what the entrepreneur earned, in paisa
    "upload_id": pl.String(),
    "source_row": pl.Int32(),  # row number as the source spreadsheet shows it
}

LOG_COLUMNS = tuple(LOG_SCHEMA)

PAISA_PER_TAKA = 100


def empty_log() -> pl.DataFrame:
    """A log frame with no rows and the canonical columns and dtypes."""
    return pl.DataFrame(schema=LOG_SCHEMA)


def conform(frame: pl.DataFrame | pl.LazyFrame, *, text: pl.DataType = pl.String()) -> pl.LazyFrame:
    """Select and cast ``frame`` to the canonical schema (missing columns become null).

    ``text``: the type of the text columns (``pl.Categorical()`` while rows pass between processes:
    four bytes a row, each distinct text once; :func:`conform` again makes them text)."""
    lazy = frame.lazy()
    present = set(lazy.collect_schema().names())
    return lazy.select(
        (pl.col(name) if name in present else pl.lit(None)).cast(text if dtype == pl.String else dtype).alias(name)
        for name, dtype in LOG_SCHEMA.items()
    )


def taka_to_paisa(taka: int | Decimal | str) -> int:
    """Exact conversion of a taka amount (int, Decimal or decimal string) to paisa."""
    value = Decimal(str(taka)) * PAISA_PER_TAKA
    if value != value.to_integral_value():
        raise ValueError(f"{taka!r} has more than two decimal places")
    return int(value)


def paisa_to_taka(paisa: int) -> Decimal:
    """Exact taka value of a paisa amount."""
    return Decimal(paisa) / PAISA_PER_TAKA


def paisa_to_taka_json(paisa: int) -> int | str:
    """Taka for JSON: an int when whole, else an exact decimal string like ``"12.50"``."""
    if paisa % PAISA_PER_TAKA == 0:
        return paisa // PAISA_PER_TAKA
    return f"{paisa_to_taka(paisa):.2f}"
