"""Tables as shown: display text in the user's language, values that sort as numbers (no streamlit).

A table built in :mod:`analytics.report.views` keeps, for every figure, its display text under the
column's label (১,২৪,০৮০ / "Tk 38,49,168" / "fewer than 3", what tests and exports read) and
the number itself in a companion column named :func:`value_name` (label + an invisible
marker). :func:`display` turns such a frame, or any frame with plain number columns, into what
``pages.render.dataframe`` hands Streamlit: the values (numbers, so a click on a column header
sorts 23,446 above 8,806) and per number column the text of every cell, which Streamlit draws
instead of the number (a pandas Styler's display values; Streamlit's grid sorts a number column
by the cell's number, not by what it draws).

Streamlit draws every missing cell of a table with one text (``st.dataframe(placeholder=)``),
not with the Styler's. So :func:`display` picks the text most missing cells have as that
placeholder, and gives the few missing cells that must read otherwise (say "no data" in a column
whose other missing cells are hidden by the small-cell rule) a stand-in number below every value
of their column, drawn with their own text: they sort after every figure (descending) and carry
no figure of anyone. Streamlit's own "Download as CSV" writes each cell's number, so a table with
stand-ins is offered for download as shown instead (``Display.stand_ins``, ``pages.render.dataframe``).
Fractions are kept to the paisa (two decimals): a sum in taka is never written 15810.710000000001.
Nothing here runs Python inside polars (see analytics/report/views.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analytics import i18n

#: The marker that names a label's value column (a unit separator never appears in a label).
VALUE_MARK = "\x1fvalue"
NO_TEXT = "–"
NUMBER_TYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
                pl.Float32, pl.Float64)


def value_name(label: str) -> str:
    """The column holding the values of the column ``label`` shows."""
    return label + VALUE_MARK


def shown(label: str, text: pl.Expr, value: pl.Expr) -> list[pl.Expr]:
    """A figure as a table column: ``text`` under ``label``, ``value`` beside it (see module doc)."""
    return [text.alias(label), value.alias(value_name(label))]


def is_value(column: str) -> bool:
    return column.endswith(VALUE_MARK)


def display_only(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as read: its labelled columns without the value columns (exports, tests)."""
    return frame.select([c for c in frame.columns if not is_value(c)])


@dataclass(frozen=True)
class Display:
    """What ``st.dataframe`` gets: ``values`` (one column per label; figures as numbers, text as
    text, no missing text), ``texts`` (label -> the text of each row, for figure columns), the
    ``placeholder`` drawn in missing cells, and whether a missing cell holds a stand-in number
    (``stand_ins``: Streamlit's own download would write it as a figure)."""

    values: pl.DataFrame
    texts: dict[str, list[str]]
    placeholder: str | None
    stand_ins: bool = False


def _number_texts(values: pl.Series, *, lang: str) -> list[str | None]:
    if values.dtype.is_integer():
        return [None if v is None else i18n.number(v, lang=lang) for v in values.to_list()]
    return [None if v is None or v != v else i18n.number(v, lang=lang, decimals=1) for v in values.to_list()]


def display(frame: pl.DataFrame, *, lang: str) -> Display | None:
    """``frame`` for Streamlit (see :class:`Display`), or None when it has no figure to sort."""
    labels = [c for c in frame.columns if not is_value(c)]
    texts: dict[str, list[str | None]] = {}
    values: dict[str, pl.Series] = {}
    for label in labels:
        column = frame[label]
        if value_name(label) in frame.columns:
            values[label] = _to_paisa(frame[value_name(label)].alias(label))
            texts[label] = column.cast(pl.String).to_list()
        elif column.dtype in NUMBER_TYPES:
            values[label] = _to_paisa(column)
            texts[label] = _number_texts(column, lang=lang)
        else:
            values[label] = column.cast(pl.String).fill_null(NO_TEXT) if column.dtype in (pl.String, pl.Null) \
                else column
    if not texts:
        return None
    # missing figures: the commonest text becomes the placeholder, the others get stand-ins
    missing: dict[str, int] = {}
    for label, shown_texts in texts.items():
        for value, text in zip(values[label].to_list(), shown_texts):
            if value is None or value != value:
                missing[text or NO_TEXT] = missing.get(text or NO_TEXT, 0) + 1
    placeholder = max(missing, key=lambda k: (missing[k], k == NO_TEXT)) if missing else None
    done: dict[str, list[str]] = {}
    stand_ins = False
    for label, shown_texts in texts.items():
        column = values[label]
        raw = column.to_list()
        gaps = [i for i, v in enumerate(raw) if (v is None or v != v) and (shown_texts[i] or NO_TEXT) != placeholder]
        if gaps and column.dtype.is_numeric():
            present = [v for v in raw if v is not None and v == v]
            stand_in = min(min(present, default=0), 0) - 1
            where = set(gaps)
            stand_ins = True
            raw = [stand_in if i in where else v for i, v in enumerate(raw)]
            values[label] = pl.Series(label, raw, dtype=pl.Int64 if column.dtype.is_integer() else pl.Float64)
        done[label] = [text if text is not None else NO_TEXT for text in shown_texts]
    return Display(pl.DataFrame([values[label] for label in labels]), done, placeholder, stand_ins)


def _to_paisa(values: pl.Series) -> pl.Series:
    """Fractions to two decimals (taka to the paisa; what a copy or a download of the cell gives)."""
    return values.round(2) if values.dtype.is_float() else values
