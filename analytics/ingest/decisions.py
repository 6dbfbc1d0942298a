"""Names a person decided: which service, union or upazila an unclear value in a file means.

When a file names something the catalogue or gazetteer cannot match with confidence
("অনলাইন কাজ", "Misc. online service"), ingest asks, once per *distinct* value, and a
person answers once: a code, or "not a known service / place" (the rows are then refused
with that reason). Answers are kept with the data (the store's ``decisions``, versioned and
in the audit log, undoable) and applied to every later upload; the command line reads the
same answers from a CSV file (``--names FILE``) and writes the open questions in that same
format (``--report-dir``), ready to fill in.

A decision is keyed on ``(kind, key)``: ``key`` is the value's matching key
(:func:`analytics.reference.names.key`), so "Misc online service" and "misc. online  service"
are one question.

The file format (UTF-8 CSV, Excel-friendly with a BOM): ``kind, value, decision`` plus
information columns the reader ignores (``rows``, ``beneficiaries``, ``suggestions``).
``decision`` holds a service code or P-code (``UDC027``, ``BD107980``), a name that
resolves exactly, or ``none`` for "not a known service or place"; an empty decision is an
open question.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from analytics.reference.names import key as match_key

#: What can be decided.
KINDS = ("service", "union", "upazila")
#: The decision that says "this value is not a known service or place".
NONE = "none"

#: One decision as stored and applied; ``code`` null means "not known" (rows refused).
SCHEMA: dict[str, pl.DataType] = {"kind": pl.String(), "key": pl.String(), "value": pl.String(),
                                  "code": pl.String()}
#: Open questions found in one file.
QUESTION_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(), "value": pl.String(), "rows": pl.Int64(), "beneficiaries": pl.Int64(),
    "suggestions": pl.List(pl.String())}
#: Values matched automatically but not exactly ("matched approximately"), or by a decision.
MATCH_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(), "value": pl.String(), "code": pl.String(), "how": pl.String(), "rows": pl.Int64(),
    "beneficiaries": pl.Int64()}


class DecisionFileError(ValueError):
    """A ``--names`` file that cannot be used; ``problems`` are (line, message) pairs."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def key_of(value: str) -> str:
    """The matching key a decision is stored under."""
    return match_key(value)


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def empty_questions() -> pl.DataFrame:
    return pl.DataFrame(schema=QUESTION_SCHEMA)


def empty_matches() -> pl.DataFrame:
    return pl.DataFrame(schema=MATCH_SCHEMA)


def make(kind: str, value: str, code: str | None) -> dict:
    """One decision row (``code`` None or :data:`NONE` for "not known")."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return {"kind": kind, "key": key_of(value), "value": value, "code": None if code in (None, NONE) else code}


def frame(rows: list[dict]) -> pl.DataFrame:
    """Decision rows as a frame; a later row for the same (kind, key) wins."""
    if not rows:
        return empty()
    return pl.DataFrame(rows, schema=SCHEMA).unique(["kind", "key"], keep="last", maintain_order=True)


def lookup(decisions: pl.DataFrame | None, kind: str) -> pl.DataFrame:
    """``key -> decided_code, decided`` for one kind (``decided`` is True for every row)."""
    if decisions is None or decisions.height == 0:
        return pl.DataFrame(schema={"key": pl.String, "decided_code": pl.String, "decided": pl.Boolean})
    return decisions.filter(pl.col("kind") == kind).select(
        "key", pl.col("code").alias("decided_code"), pl.lit(True).alias("decided")).unique("key", keep="last")


def questions_csv(questions: pl.DataFrame, *, names: dict[str, str] | None = None,
                  decided: pl.DataFrame | None = None) -> bytes:
    """Open questions as a CSV to fill in (the ``decision`` column is empty), UTF-8 with BOM.

    ``decided``: the decisions the user gave (:func:`read_csv`), written first with their decision
    (a code, or :data:`NONE`): the file is written over the one they were read from, and a decision
    left out of it would be lost (a review: one name decided, another still open, and the next run
    asked about the first again)."""
    names = names or {}
    out = questions.select(
        "kind", "value", pl.lit(None, pl.String).alias("decision"), "rows", "beneficiaries",
        pl.col("suggestions").list.eval(pl.element()).list.join(" | ").alias("suggestions"),
    )
    if decided is not None and decided.height:
        asked = pl.DataFrame({"kind": questions["kind"], "key": [key_of(value) for value in questions["value"]]},
                             schema={"kind": pl.String, "key": pl.String})  # (no Python run by polars: a list)
        kept = decided.join(asked, on=["kind", "key"], how="anti")
        out = pl.concat([kept.select("kind", "value", pl.col("code").fill_null(NONE).alias("decision"),
                                     pl.lit(None, pl.Int64).alias("rows"), pl.lit(None, pl.Int64).alias("beneficiaries"),
                                     pl.lit(None, pl.String).alias("suggestions")), out])
    if names:
        out = out.with_columns(pl.col("suggestions").str.replace_many(list(names), [
            f"{code} ({name})" for code, name in names.items()]))
    from analytics.ingest.validate import (
        neutralise,  # values come from uploaded files: made inert for Excel
    )

    buffer = io.BytesIO()
    neutralise(out).write_csv(buffer)
    return b"\xef\xbb\xbf" + buffer.getvalue()


def read_csv(path: Path, *, resolve: dict[str, object] | None = None) -> pl.DataFrame:
    """Decisions from a ``--names`` file (see the module docstring); raises :class:`DecisionFileError`.

    ``resolve`` maps a kind to a callable ``text -> code or None`` used when the decision
    column holds a name rather than a code.
    """
    try:
        raw = pl.read_csv(path.read_bytes(), infer_schema=False, raise_if_empty=False, truncate_ragged_lines=True)
    except Exception:  # noqa: BLE001 - a library's text never reaches the user
        raise DecisionFileError([(None, f"{path.name}: not a CSV file with columns kind, value, decision")]) from None
    raw = raw.rename({c: c.strip().lstrip("\ufeff").lower() for c in raw.columns})
    missing = [c for c in ("kind", "value", "decision") if c not in raw.columns]
    if missing:
        raise DecisionFileError([(None, f"{path.name}: missing column(s) {', '.join(missing)}; "
                                        "expected kind, value, decision")])
    rows, problems = [], []
    seen: dict[tuple[str, str], tuple[int, str | None]] = {}  # (kind, value's key) -> (line, code) first given
    for line, (kind, value, decision) in enumerate(raw.select("kind", "value", "decision").iter_rows(), start=2):
        kind, value, decision = (kind or "").strip().lower(), (value or "").strip(), (decision or "").strip()
        if not value or not decision:
            continue  # an open question left open
        if kind not in KINDS:
            problems.append((line, f"{path.name} line {line}: kind must be one of {', '.join(KINDS)}, not “{kind}”"))
            continue
        code: str | None = decision
        if decision.lower() == NONE:
            code = None
        elif resolve and kind in resolve:
            code = resolve[kind](decision)  # type: ignore[operator]
            if code is None:
                problems.append((line, f"{path.name} line {line}: “{decision}” is not a {kind} code or name"))
                continue
        first = seen.setdefault((kind, key_of(value)), (line, code))
        if first[1] != code:  # the same name decided two ways: which one is meant is not for us to guess
            problems.append((line, f"{path.name} line {line}: “{value}” is decided differently on line {first[0]}"))
            continue
        rows.append(make(kind, value, code))
    if problems:
        raise DecisionFileError(problems)
    return frame(rows)


def label(kind: str, code: str | None, *, lang: str, gazetteer, catalogue: pl.DataFrame) -> str:
    """A decided or suggested code as people read it: "Birth registration (UDC002)"."""
    if code is None:
        return "—"
    try:
        if kind == "service":
            row = catalogue.filter(pl.col("service_code") == code).row(0, named=True)
            name = row["name_bn" if lang == "bn" else "name_en"]
        else:
            name = gazetteer.name(code, lang=lang)
    except Exception:  # noqa: BLE001 - an unknown code is shown as it is
        return code
    return f"{name} ({code})"


def code_resolvers(*, gazetteer, services) -> dict[str, object]:
    """Per kind, ``text -> code or None``: a code as it is, or a name that resolves exactly."""
    def service(text: str) -> str | None:  # the catalogue indexes codes as names too
        code, _ = services.resolve(text)
        return code

    def place(level: str):
        codes = set(gazetteer.units.filter(pl.col("level") == level)["pcode"])

        def resolve(text: str) -> str | None:
            if text.upper() in codes:
                return text.upper()
            found = gazetteer.resolve(text, level=level)
            return found.pcode if found.ok else None
        return resolve

    return {"service": service, "union": place("union"), "upazila": place("upazila")}
