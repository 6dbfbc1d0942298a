"""The Data page's words (no streamlit): uploads named as people know them, audit entries as
sentences, and what a rollback changed.

The change log keeps a JSON ``detail`` per entry (see ``analytics.store``): an upload
``{file_name, rows, mode, replaced, replaced_files}``, a rollback ``{restored, restored_files}``,
a name decision ``{decisions: [{kind, value, code}]}``, a withdrawn one ``{decision_id, kind,
value, code}``; sign-ins carry nothing, "oidc" or "throttled". :func:`describe` says each in the
user's language with file names, rows, beneficiaries and quarters; an entry of a kind it does not
know is shown as "key: value" pairs, never as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

import polars as pl

from analytics import i18n
from analytics.reference.periods import fiscal_columns, quarter

_PART = re.compile(r"fy=(\d{4})/q=([1-4])/")


def quote(text: object) -> str:
    return f"“{text}”"


def quarters_text(pairs: Iterable[tuple[int, int]], *, lang: str) -> str:
    """(fy, fq) pairs as "FY 2022-23 Q1–Q4" / "২০২২-২৩ অর্থবছর, ১ম–৪র্থ প্রান্তিক" (several years: joined by ';')."""
    by_year: dict[int, list[int]] = {}
    for fy, fq in sorted(set(pairs)):
        by_year.setdefault(int(fy), []).append(int(fq))
    if not by_year:
        return "–"
    return "; ".join(quarter(fy, qs[0]).label(lang=lang) if len(qs) == 1
                     else quarter(fy, qs[0]).quarters_label(tuple(qs), lang=lang) for fy, qs in by_year.items())


def file_label(row: dict, *, lang: str) -> str:
    """An upload as people know it: its file name, or "the sample (reconstructed from the news report)"."""
    return i18n.t("tables.sample_file", lang) if row.get("is_sample") else str(row.get("file_name") or "")


class Uploads:
    """The store's uploads and their quarters, to name an upload in a sentence."""

    def __init__(self, uploads: pl.DataFrame, quarters: pl.DataFrame | None = None) -> None:
        self.rows = {r["upload_id"]: r for r in uploads.iter_rows(named=True)}
        self.quarters: dict[str, list[tuple[int, int]]] = {}
        self.in_force: dict[str, list[tuple[int, int]]] = {}
        if quarters is not None:
            for upload_id, fy, fq, replaced_by in quarters.select("upload_id", "fy", "fq", "replaced_by").iter_rows():
                self.quarters.setdefault(upload_id, []).append((fy, fq))
                if replaced_by is None:
                    self.in_force.setdefault(upload_id, []).append((fy, fq))

    def name(self, upload_id: str | None, *, lang: str) -> str:
        row = self.rows.get(upload_id or "")
        return quote(file_label(row, lang=lang)) if row else i18n.t("history.unknown_upload", lang)

    def quarters_of(self, upload_id: str, *, lang: str, in_force: bool = False) -> str:
        return quarters_text((self.in_force if in_force else self.quarters).get(upload_id, []), lang=lang)

    def option(self, upload_id: str, *, lang: str) -> str:
        """One line naming an upload for the rollback list: file, quarters in force, rows,
        beneficiaries, when and by whom."""
        row = self.rows[upload_id]
        return i18n.t("data.rollback_option", lang, file=file_label(row, lang=lang),
                      quarters=self.quarters_of(upload_id, lang=lang, in_force=True), rows=int(row["rows"]),
                      beneficiaries=int(row["beneficiaries"]), when=i18n.moment(row["created_at"], lang=lang),
                      who=row["uploader"])


def _parts_quarters(paths: Iterable[str]) -> list[tuple[int, int]]:
    return [(int(m.group(1)), int(m.group(2))) for p in paths if (m := _PART.search(str(p)))]


def _by_upload(paths: Iterable[str], fallback: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """Stored part paths ("parts/fy=2022/q=1/<upload>.parquet") grouped by upload."""
    out: dict[str, list[tuple[int, int]]] = {}
    for path in paths:
        m = _PART.search(str(path))
        if m:
            out.setdefault(str(path).rsplit("/", 1)[-1].removesuffix(".parquet"), []).append(
                (int(m.group(1)), int(m.group(2))))
    for upload_id in fallback:  # entries written before per-quarter replacement
        out.setdefault(upload_id, [])
    return out


def _which(parts: dict[str, list[tuple[int, int]]], uploads: Uploads, *, lang: str) -> str:
    named = [uploads.name(u, lang=lang) + (f" ({quarters_text(q, lang=lang)})" if q else "") for u, q in parts.items()]
    return ", ".join(named)


def _others(data: dict, kind: str, key: str, uploads: Uploads, *, lang: str) -> str:
    """" Replaced …" / " Restored …" (``key``): the quarters of other uploads this entry's upload
    replaced or a rollback restored (``data[kind + "_files"]``, else ``data[kind]``); "" for none."""
    parts = _by_upload(data.get(f"{kind}_files") or [], data.get(kind) or [])
    return " " + i18n.t(key, lang, what=_which(parts, uploads, lang=lang)) if parts else ""


def describe(action: str | None, upload_id: str | None, detail: str | None, *, lang: str, uploads: Uploads,
             name_of: Callable[[str, str | None], str] | None = None) -> str:
    """One audit entry as a sentence in ``lang`` (see the module doc)."""
    info: object = None
    if detail and detail.strip().startswith(("{", "[")):
        try:
            info = json.loads(detail)
        except ValueError:
            info = None
    data = info if isinstance(info, dict) else {}
    name = (lambda kind, code: name_of(kind, code)) if name_of else (lambda kind, code: code or "–")  # noqa: E731

    def decided(entry: dict) -> str:
        kind = str(entry.get("kind") or "")
        target = (name(kind, entry.get("code")) if entry.get("code")
                  else i18n.t("history.not_known", lang))
        return f"{quote(entry.get('value', ''))} → {target}"

    if action == "upload":
        row = uploads.rows.get(upload_id or "", {})
        text = i18n.t("history.upload", lang, file=uploads.name(upload_id, lang=lang),
                      rows=int(data.get("rows") or row.get("rows") or 0),
                      beneficiaries=int(row.get("beneficiaries") or 0),
                      quarters=uploads.quarters_of(upload_id or "", lang=lang))
        return text + _others(data, "replaced", "history.replaced", uploads, lang=lang)
    if action == "rollback":
        text = i18n.t("history.rollback", lang, file=uploads.name(upload_id, lang=lang),
                      quarters=uploads.quarters_of(upload_id or "", lang=lang))
        return text + _others(data, "restored", "history.restored", uploads, lang=lang)
    if action == "decide":
        entries = [e for e in data.get("decisions") or [] if isinstance(e, dict)]
        return i18n.t("history.decide", lang, count=len(entries), names="; ".join(decided(e) for e in entries))
    if action == "withdraw_decision":
        return i18n.t("history.withdraw", lang, decision=decided(data))
    if action in ("remember_headers", "forget_headers") and isinstance(data.get("headers"), dict):
        fields = i18n.strings()
        headings = "; ".join(
            f"{quote(str(heading))} → {i18n.t(f'ingest.field.{field}', lang) if f'ingest.field.{field}' in fields else field}"
            for heading, field in data["headers"].items())
        return i18n.t(f"history.{action}", lang, count=len(data["headers"]), headings=headings)
    if action in ("sign_in", "sign_out", "sign_in_failed"):
        if action == "sign_in" and detail == "oidc":
            return i18n.t("history.sign_in_oidc", lang)
        if action == "sign_in_failed" and detail == "throttled":
            return i18n.t("history.sign_in_throttled", lang)
        return i18n.t(f"history.{action}", lang)
    # an entry of another kind: its fields as "key: value", never JSON
    if data:
        return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in data.items()
                         if v not in (None, "", [], {}))
    return i18n.plain(detail) if detail else ""


def action_label(action: str | None, *, lang: str) -> str:
    key = f"action.{action}"
    return i18n.t(key, lang) if action and key in i18n.strings() else str(action or "")


#: Who did something when no person signed in: the command line's default ``--uploader`` and
#: ``--actor``, and the app itself (the bundled sample).
MACHINE_ACTORS = ("cli", "system")


def who_label(name: str | None, *, lang: str) -> str:
    """Who uploaded or changed something, as a user reads it: a person's name as written, the
    command line's and the app's own names in ``lang`` ("cli" is "কমান্ড লাইন")."""
    return i18n.t(f"who.{name}", lang) if name in MACHINE_ACTORS else str(name or "")


def who_expr(column: str, *, lang: str) -> pl.Expr:
    """:func:`who_label` over a column of names."""
    return pl.col(column).replace({name: who_label(name, lang=lang) for name in MACHINE_ACTORS})


def quarter_beneficiaries(log: pl.LazyFrame, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Beneficiaries per fiscal quarter in ``log``, for ``pairs`` (0 where there are none)."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    keys = pl.DataFrame({"fy": [fy for fy, _ in wanted], "fq": [fq for _, fq in wanted]})
    totals = (log.with_columns(fiscal_columns()).select(pl.col("fy").cast(pl.Int64), pl.col("fq").cast(pl.Int64),
                                                        pl.col("beneficiaries").cast(pl.Int64))
              .join(keys.lazy().cast(pl.Int64), on=["fy", "fq"]).group_by("fy", "fq")
              .agg(pl.col("beneficiaries").sum()).collect())
    found = {(fy, fq): int(n or 0) for fy, fq, n in totals.iter_rows()}
    return {pair: found.get(pair, 0) for pair in wanted}


def rollback_effect(before: dict[tuple[int, int], int], after: dict[tuple[int, int], int], *, lang: str) -> str:
    """What a rollback changed, per quarter: "FY 2023-24 Q1 now shows 12,345 beneficiaries fewer"."""
    parts = []
    for pair in sorted(set(before) | set(after)):
        change = after.get(pair, 0) - before.get(pair, 0)
        label = quarter(*pair).label(lang=lang)
        key = "data.quarter_fewer" if change < 0 else "data.quarter_more" if change > 0 else "data.quarter_same"
        parts.append(i18n.t(key, lang, quarter=label, n=abs(change)))
    return "; ".join(parts) if parts else i18n.t("data.nothing_changed", lang)
