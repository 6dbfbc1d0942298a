"""The catalogue logic every backend shares: uploads, per-quarter files, the change log, decisions.

A backend (:class:`analytics.store.local.LocalStore`, :class:`analytics.store.shared.SharedStore`)
brings its plumbing: a SQL connection (``?`` placeholders; SQLite or PostgreSQL), a write lock
that serialises writers across processes, and an object area for the Parquet files. The SQL
here is the subset both engines run the same way.

Objects are written before the catalogue records them, in one transaction; anything a killed
process wrote and never recorded is swept under the write lock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import polars as pl

from analytics.reference import schema
from analytics.reference.periods import Period, quarter
from analytics.store import parts
from analytics.store import rollup as rollups
from analytics.store.protocol import (
    CHANGE_COLUMNS,
    DATA_ACTIONS,
    DECISION_COLUMNS,
    UPLOAD_COLUMNS,
    UPLOAD_QUARTER_COLUMNS,
    CommitResult,
    Incoming,
    StoreChanged,
    StoreError,
    new_upload_id,
)

#: The catalogue's tables and the columns copied between stores (every backend has them).
CATALOGUE_TABLES: dict[str, tuple[str, ...]] = {
    "uploads": tuple(UPLOAD_COLUMNS),
    "upload_files": ("upload_id", "path", "fy", "fq", "rows", "replaced_by"),
    "changes": tuple(CHANGE_COLUMNS),
    "decisions": ("decision_id", "kind", "key", "value", "code", "actor", "change_id", "withdrawn_change_id"),
}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class CatalogueStore:
    """The :class:`analytics.store.protocol.Store` methods over hooks a backend provides."""

    BACKEND = "?"
    #: The column that orders uploads made within the same second (insertion order).
    _SEQ = "rowid"
    _storage_options: dict[str, Any] | None = None
    location: str
    read_only: bool

    # -- hooks ------------------------------------------------------------------------
    def check_writable(self) -> None:
        raise NotImplementedError

    def _writing(self, *, storing: bool = False) -> AbstractContextManager[None]:
        """Refuse writes to a read-only store; turn backend faults into :class:`StoreError`."""
        raise NotImplementedError

    def _write_lock(self) -> AbstractContextManager[None]:
        """Held while writing: one writer at a time across every process."""
        raise NotImplementedError

    def _transaction(self) -> AbstractContextManager[Any]:
        """A connection inside one transaction (committed at the end, rolled back on error)."""
        raise NotImplementedError

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        raise NotImplementedError

    def _snapshot(self) -> AbstractContextManager[Any]:
        """A connection whose reads all see one state of the catalogue (nothing written)."""
        raise NotImplementedError

    def _object_url(self, relative: str) -> str:
        raise NotImplementedError

    def _readable(self, relative: str) -> str:
        """Where a scan reads a stored file from (a backend may keep a local copy)."""
        return self._object_url(relative)

    def _object_exists(self, relative: str) -> bool:
        raise NotImplementedError

    def _write_object(self, frame: pl.DataFrame, relative: str) -> None:
        raise NotImplementedError

    def _remove_object(self, relative: str) -> None:
        raise NotImplementedError

    def _list_objects(self) -> list[str]:
        """Every object under ``parts/``, relative to the store."""
        raise NotImplementedError

    def read_object(self, relative: str) -> bytes:
        """The bytes of one stored file (``relative`` as ``upload_files.path`` holds it)."""
        raise NotImplementedError

    def put_object(self, relative: str, data: bytes) -> None:
        """Write one file's bytes whole (copying a store)."""
        raise NotImplementedError

    def _after_import(self, db: Any) -> None:
        """After rows with their ids were imported: let the engine's id counters catch up."""

    # -- the change log ---------------------------------------------------------------
    @staticmethod
    def _log(db, action: str, *, actor: str, upload_id: str | None, detail: dict | str | None) -> int:
        """Append to the change log; a data change gets the next data version (returned),
        another entry none (its change id is returned). Data changes hold the write lock."""
        text = json.dumps(detail, ensure_ascii=False) if isinstance(detail, dict) else detail
        version = (db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM changes").fetchone()[0]
                   if action in DATA_ACTIONS else None)
        change = db.execute("INSERT INTO changes (at, action, upload_id, actor, detail, version) "
                            "VALUES (?, ?, ?, ?, ?, ?) RETURNING change_id",
                            (_now(), action, upload_id, actor, text, version)).fetchone()[0]
        return int(version if version is not None else change)

    # -- reading ----------------------------------------------------------------------
    def version(self) -> int:
        """The data version: how many changes to the data there have been (the cache key for pages,
        and what a pinned link names). A sequence of its own: audit entries that change no data
        (sign-ins, sign-outs) neither take a number nor move it, so they never reset the caches."""
        return int(self._query("SELECT COALESCE(MAX(version), 0) FROM changes")[0][0])

    def _active_files(self, as_of: int | None) -> list[str]:
        if as_of is None:
            rows = self._query("SELECT f.path FROM upload_files f JOIN uploads u USING (upload_id) "
                               "WHERE u.status = 'active' AND f.replaced_by IS NULL ORDER BY f.path")
            return [path for (path,) in rows]
        return sorted(self._active_at(as_of))

    def _active_at(self, as_of: int) -> set[str]:
        """Files active just after change ``as_of``, replayed from the change log."""
        files: dict[str, list[str]] = {}
        owner: dict[str, str] = {}
        for upload_id, path in self._query("SELECT upload_id, path FROM upload_files"):
            files.setdefault(upload_id, []).append(path)
            owner[path] = upload_id
        active: dict[str, bool] = {}
        withdrawn: set[str] = set()  # uploads rolled back: nothing brings their files back
        for action, upload_id, detail in self._query(
                "SELECT action, upload_id, detail FROM changes WHERE version <= ? ORDER BY version", (as_of,)):
            info = json.loads(detail) if detail and detail.startswith("{") else {}
            if action == "upload":
                active.update(dict.fromkeys(files.get(upload_id, []), True))
                if "replaced_files" in info:
                    active.update(dict.fromkeys(info["replaced_files"], False))
                else:  # written before per-quarter replacement: whole uploads
                    for old in info.get("replaced", []):
                        active.update(dict.fromkeys(files.get(old, []), False))
            elif action == "rollback":
                withdrawn.add(upload_id)
                active.update(dict.fromkeys(files.get(upload_id, []), False))
                restored = info["restored_files"] if "restored_files" in info else [
                    path for old in info.get("restored", []) for path in files.get(old, [])]
                # (a quarter replaced by the upload rolled back comes back only if its own upload was not
                # rolled back meanwhile, as :meth:`rollback` decides)
                active.update(dict.fromkeys((path for path in restored if owner.get(path) not in withdrawn), True))
        return {path for path, on in active.items() if on}

    def scan(self, *, as_of: int | None = None) -> pl.LazyFrame:
        """All active rows (or those active at version ``as_of``), canonical schema."""
        files = [self._readable(path) for path in self._active_files(as_of)]
        if not files:
            return schema.empty_log().lazy()
        remote = any("://" in path for path in files)
        return pl.scan_parquet(files, schema=schema.LOG_SCHEMA, storage_options=self._storage_options if remote else None)

    def rollup(self, *, as_of: int | None = None) -> rollups.Rollup:
        """The same rows as :meth:`scan`, summed per fiscal quarter (:mod:`analytics.store.rollup`):
        the roll-up of each active file. A file's roll-ups are written the first time they are
        read, not by the commit (an ingest stays near the I/O floor; the first view after an upload
        pays for its files, once). Should one be missing and not be written (a store that cannot
        be written, a service the catalogue has not), the roll-up of the raw rows by day: slower,
        the same figures."""
        files = self._active_files(as_of)
        codes = rollups.catalogue_codes()
        if not files:
            return rollups.empty(codes, grain="day")  # (no rows: exact for any period, a date range too)
        wanted = [rollups.paths(path, codes) for path in files]
        missing = [path for path, pair in zip(files, wanted) if not self._rollup_exists(pair)]
        if missing and not self.read_only:
            with self.__dict__.setdefault("_building", threading.Lock()):  # one builder per process
                for path in missing:
                    self._build_rollup_quietly(path)
        if not all(self._rollup_exists(pair) for pair in wanted):
            return rollups.rollup_of(self.scan(as_of=as_of))
        people, services = ([self._readable(pair[i]) for pair in wanted] for i in (0, 1))
        options = self._storage_options if any("://" in path for path in people) else None
        return rollups.Rollup(pl.scan_parquet(people, schema=rollups.people_schema(codes), storage_options=options),
                              pl.scan_parquet(services, schema=rollups.services_schema(), storage_options=options),
                              codes, "quarter", raw=self.scan(as_of=as_of))

    def _rollup_exists(self, pair: tuple[str, str]) -> bool:
        """Whether both roll-ups of a file are stored (remembered once seen: they never change)."""
        seen = self.__dict__.setdefault("_rollups_seen", set())
        if pair not in seen and all(self._object_exists(relative) for relative in pair):
            seen.add(pair)
        return pair in seen

    def _build_rollup(self, relative: str) -> bool:
        """Write the two roll-ups of one stored file (each object written whole: a reader sees it
        complete or not at all; two processes writing the same one write the same bytes). Nothing
        is written, and False returned, when the file holds a service the catalogue has not."""
        codes = rollups.catalogue_codes()
        source = self._readable(relative)
        part = schema.conform(pl.read_parquet(source, storage_options=self._storage_options if "://" in source
                                              else None)).collect()
        if not rollups.covered(part, codes):
            return False
        made = rollups.build(part, codes=codes, grain="quarter")
        for target, frame in zip(rollups.paths(relative, codes), pl.collect_all([made.people, made.services])):
            self._write_object(frame, target)
        return True

    def _build_rollup_quietly(self, relative: str) -> None:
        """:meth:`_build_rollup` on a read: a failure (a full disk ...) is logged, not raised; the
        read then sums the raw rows, which give the same figures."""
        try:
            self._build_rollup(relative)
        except Exception:  # noqa: BLE001 - a read must not fail for a cache of figures
            # info, not warning: Python's last-resort handler would print a warning (and its
            # traceback) on a command line's stderr, and what the user asked for is still answered
            logging.getLogger(__name__).info("could not write the roll-ups of %s in %s", relative, self.location,
                                             exc_info=True)

    def build_rollups(self) -> list[str]:
        """Write every roll-up the stored files lack (a store from before them, a copy, a restore,
        a new service catalogue); the files they were made for."""
        with self._writing(storing=True):
            codes = rollups.catalogue_codes()
            return [relative for (relative,) in self._query("SELECT path FROM upload_files ORDER BY path")
                    if not self._rollup_exists(rollups.paths(relative, codes)) and self._build_rollup(relative)]

    def uploads(self) -> pl.DataFrame:
        rows = self._query(f"SELECT {', '.join(UPLOAD_COLUMNS)} FROM uploads ORDER BY created_at, {self._SEQ}")
        return pl.DataFrame(rows, schema=UPLOAD_COLUMNS, orient="row")

    def changes(self) -> pl.DataFrame:
        rows = self._query(f"SELECT {', '.join(CHANGE_COLUMNS)} FROM changes ORDER BY change_id")
        return pl.DataFrame(rows, schema=CHANGE_COLUMNS, orient="row")

    def find_by_hash(self, content_hash: str) -> str | None:
        rows = self._query("SELECT upload_id FROM uploads WHERE content_hash = ? AND status = 'active'", (content_hash,))
        return rows[0][0] if rows else None

    def quarters_with_data(self) -> list[Period]:
        rows = self._query("SELECT DISTINCT f.fy, f.fq FROM upload_files f JOIN uploads u USING (upload_id) "
                           "WHERE u.status = 'active' AND f.replaced_by IS NULL ORDER BY f.fy, f.fq")
        return [quarter(fy, fq) for fy, fq in rows]

    def upload_quarters(self) -> pl.DataFrame:
        """Each upload's fiscal quarters: rows stored for it, and the upload that replaced that
        quarter (null while in force), in order of upload and quarter."""
        rows = self._query("SELECT f.upload_id, f.fy, f.fq, f.rows, f.replaced_by FROM upload_files f "
                           f"JOIN uploads u USING (upload_id) ORDER BY u.created_at, u.{self._SEQ}, f.fy, f.fq")
        return pl.DataFrame(rows, schema=UPLOAD_QUARTER_COLUMNS, orient="row")

    # -- writing ----------------------------------------------------------------------
    def commit(self, frame: pl.DataFrame, *, file_name: str, content_hash: str, uploader: str,
               mode: Literal["add", "replace"] = "add", is_sample: bool = False,
               note: str | None = None, upload_id: str | None = None, if_version: int | None = None) -> CommitResult:
        """Store accepted rows as one upload (see :meth:`commit_many`)."""
        return self.commit_many([Incoming(frame, file_name, content_hash, upload_id, note)], uploader=uploader,
                                mode=mode, is_sample=is_sample, if_version=if_version)[0]

    def commit_many(self, files: list[Incoming], *, uploader: str, mode: Literal["add", "replace"] = "add",
                    is_sample: bool = False, if_version: int | None = None) -> list[CommitResult]:
        """Store several files' rows, each as one upload, all or nothing.

        A file whose content was stored before (and is still active) stores nothing. With
        ``mode="replace"`` the active files of the fiscal quarters these files cover are
        marked replaced (kept on disk, restorable by rolling the replacing upload back); the
        other quarters of those uploads stay. The Parquet files are written first; one SQLite
        transaction then records every upload, so a process killed at any point leaves either
        all of them or none (and files nobody refers to, swept by the next commit or open).
        A full disk raises :class:`StoreFull` after removing every file this call wrote; a
        read-only store raises :class:`StoreReadOnly` before anything is written.

        A file's rows may come as :class:`analytics.store.parts.Prepared` files (written by the
        isolated reader as this store writes them): those are copied in as they are.

        ``if_version``: the data version the caller's checks were made on (rows already stored,
        the quarters replaced: :mod:`analytics.ingest.preview`). Should the store be at another
        version once this call holds its write lock (another upload or rollback came between), it
        raises :class:`StoreChanged` before writing anything, so that the caller checks again.
        """
        if mode not in ("add", "replace"):
            raise ValueError(f"mode must be 'add' or 'replace', not {mode!r}")
        with self._writing(storing=True), self._write_lock():
            if if_version is not None and (now := self.version()) != if_version:
                raise StoreChanged(f"the store changed (version {if_version} to {now}) while the files were checked",
                                   checked=if_version, now=now)
            self._sweep_locked()
            written: list[str] = []  # objects written by this call: removed again unless recorded
            try:
                return self._commit_locked(files, uploader=uploader, mode=mode, is_sample=is_sample, on_disk=written)
            except BaseException:
                for relative in written:
                    with contextlib.suppress(Exception):  # what is left is swept by the next commit
                        self._remove_object(relative)
                raise

    def _commit_locked(self, files: list[Incoming], *, uploader: str, mode: str, is_sample: bool,
                       on_disk: list[str]) -> list[CommitResult]:
        results: list[CommitResult | None] = []
        planned: list[tuple[Incoming, str, parts.Totals, list[tuple[str, int, int, int]]]] = []
        seen: dict[str, str] = {}
        for item in files:
            existing = self.find_by_hash(item.content_hash) or seen.get(item.content_hash)
            if existing:
                results.append(CommitResult(existing, "duplicate", 0))
                continue
            prepared = item.frame if isinstance(item.frame, parts.Prepared) else None
            upload_id = prepared.upload_id if prepared else item.upload_id or new_upload_id()
            if prepared and item.upload_id not in (None, upload_id):
                raise ValueError(f"upload {item.upload_id!r} given for files prepared as {upload_id!r}")
            seen[item.content_hash] = upload_id
            if prepared:  # written already, as this store writes them (analytics.store.parts)
                totals = prepared.totals
                quarters = ((fy, fq, (Path(path), rows)) for fy, fq, rows, path in prepared.files)
            else:
                totals, quarters = parts.in_quarters(item.frame, upload_id=upload_id)
            written: list[tuple[str, int, int, int]] = []
            for fy, fq, part in quarters:
                relative = parts.part_path(fy, fq, upload_id)
                if not self._object_exists(relative):
                    on_disk.append(relative)
                if isinstance(part, tuple):  # a prepared file, and its rows
                    source, rows = part
                    self.put_object(relative, source.read_bytes())
                else:
                    self._write_object(part, relative)
                    rows = part.height
                _pause_point("object-written")  # tests: stop the object storage between two files
                written.append((relative, fy, fq, rows))
            planned.append((item, upload_id, totals, written))
            results.append(None)
        _pause_point("commit")  # tests: a kill -9 here must leave nothing recorded
        stored: list[CommitResult] = []
        batch = tuple(upload_id for _, upload_id, _, _ in planned)
        with self._transaction() as db:
            for item, upload_id, totals, written in planned:
                stored.append(self._record_upload(db, item, upload_id, totals, written, uploader=uploader,
                                                  mode=mode, is_sample=is_sample, batch=batch))
                _pause_point("commit-transaction")  # tests: between two files of one batch
        on_disk.clear()  # recorded: they are the store's now
        done = iter(stored)
        return [result if result is not None else next(done) for result in results]

    def _record_upload(self, db, item: Incoming, upload_id: str, totals: parts.Totals,
                       written: list[tuple[str, int, int, int]], *, uploader: str, mode: str,
                       is_sample: bool, batch: tuple[str, ...] = ()) -> CommitResult:
        quarters = sorted({(fy, fq) for _, fy, fq, _ in written})
        replaced_files: list[str] = []
        replaced: list[str] = []
        # a real upload always supersedes the sample in the quarters it covers (the sample is not
        # data to add to); "replace" supersedes every upload there, but not the files stored with
        # it (``batch``: the uploads of one commit replace what was stored before, together)
        if (mode == "replace" or not is_sample) and quarters:
            clause = " OR ".join("(f.fy = ? AND f.fq = ?)" for _ in quarters)
            params = tuple(v for pair in quarters for v in pair)
            only_sample = "" if mode == "replace" else "u.is_sample = 1 AND "
            mine = f"u.upload_id NOT IN ({', '.join('?' * len(batch))}) AND " if batch else ""
            hits = db.execute(
                "SELECT f.upload_id, f.path FROM upload_files f JOIN uploads u USING (upload_id) "
                f"WHERE {only_sample}{mine}u.status = 'active' AND f.replaced_by IS NULL AND ({clause})",
                (*batch, *params)).fetchall()
            replaced_files = [path for _, path in hits]
            replaced = sorted({old for old, _ in hits})
            db.executemany("UPDATE upload_files SET replaced_by = ? WHERE path = ?",
                           [(upload_id, path) for path in replaced_files])
            # an upload none of whose quarters is left is 'replaced' as a whole
            db.executemany("UPDATE uploads SET status = 'replaced' WHERE upload_id = ? AND NOT EXISTS ("
                           "SELECT 1 FROM upload_files WHERE upload_id = ? AND replaced_by IS NULL)",
                           [(old, old) for old in replaced])
        db.execute(
            f"INSERT INTO uploads ({', '.join(UPLOAD_COLUMNS)}) VALUES ({', '.join('?' * len(UPLOAD_COLUMNS))})",
            (upload_id, item.file_name, item.content_hash, uploader, _now(), totals.rows, totals.beneficiaries,
             totals.fee_paisa, totals.first and totals.first.isoformat(), totals.last and totals.last.isoformat(),
             "active", ",".join(replaced) or None, int(is_sample), item.note))
        db.executemany("INSERT INTO upload_files (upload_id, path, fy, fq, rows) VALUES (?, ?, ?, ?, ?)",
                       [(upload_id, *row) for row in written])
        self._log(db, "upload", actor=uploader, upload_id=upload_id,
                  detail={"file_name": item.file_name, "rows": totals.rows, "mode": mode, "replaced": replaced,
                          "replaced_files": replaced_files})
        return CommitResult(upload_id, "stored", totals.rows, tuple(replaced))

    def rollback(self, upload_id: str, *, actor: str) -> None:
        """Withdraw an active upload and bring back the quarters it replaced."""
        with self._writing(), self._write_lock(), self._transaction() as db:
            row = db.execute("SELECT status FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
            if row is None:
                raise StoreError(f"no upload {upload_id!r}", key="no_upload", upload=upload_id)
            if row[0] != "active":
                raise StoreError(f"upload {upload_id!r} is {row[0]}, not active", key=f"not_active_{row[0]}",
                                 upload=upload_id)
            hits = db.execute("SELECT upload_id, path FROM upload_files WHERE replaced_by = ?", (upload_id,)).fetchall()
            restored_files = [path for _, path in hits]
            restored = sorted({old for old, _ in hits})
            db.execute("UPDATE uploads SET status = 'rolled_back' WHERE upload_id = ?", (upload_id,))
            db.execute("UPDATE upload_files SET replaced_by = NULL WHERE replaced_by = ?", (upload_id,))
            db.executemany("UPDATE uploads SET status = 'active' WHERE upload_id = ? AND status = 'replaced'",
                           [(r,) for r in restored])
            self._log(db, "rollback", actor=actor, upload_id=upload_id,
                      detail={"restored": restored, "restored_files": restored_files})

    # -- name decisions ---------------------------------------------------------------
    def decisions(self) -> pl.DataFrame:
        """The names decided so far and still in force (:data:`analytics.ingest.decisions.SCHEMA` plus who and when)."""
        rows = self._query(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions WHERE withdrawn_change_id IS NULL "
                           "ORDER BY decision_id")
        return pl.DataFrame(rows, schema=DECISION_COLUMNS, orient="row")

    def decide(self, rows: list[dict], *, actor: str) -> int:
        """Record decisions (:func:`analytics.ingest.decisions.make` rows); a new one for the same value
        replaces the old. One audit entry; returns the new data version."""
        if not rows:
            return self.version()
        with self._writing(), self._write_lock(), self._transaction() as db:
            change = self._log(db, "decide", actor=actor, upload_id=None, detail={"decisions": [
                {k: r[k] for k in ("kind", "value", "code")} for r in rows]})
            for r in rows:
                db.execute("UPDATE decisions SET withdrawn_change_id = ? WHERE kind = ? AND key = ? "
                           "AND withdrawn_change_id IS NULL", (change, r["kind"], r["key"]))
                db.execute("INSERT INTO decisions (kind, key, value, code, actor, change_id) VALUES (?, ?, ?, ?, ?, ?)",
                           (r["kind"], r["key"], r["value"], r["code"], actor, change))
            return change

    def withdraw_decision(self, decision_id: int, *, actor: str) -> int:
        """Undo one decision (later uploads ask again); returns the new data version."""
        if not -2**63 <= decision_id < 2**63:  # (no such number in the catalogue, nor in its database's integers)
            raise StoreError(f"no decision {decision_id!r} in force", key="no_decision", decision=str(decision_id))
        with self._writing(), self._write_lock(), self._transaction() as db:
            row = db.execute("SELECT kind, value, code FROM decisions WHERE decision_id = ? "
                             "AND withdrawn_change_id IS NULL", (decision_id,)).fetchone()
            if row is None:
                raise StoreError(f"no decision {decision_id!r} in force", key="no_decision", decision=str(decision_id))
            change = self._log(db, "withdraw_decision", actor=actor, upload_id=None,
                               detail={"decision_id": decision_id, "kind": row[0], "value": row[1], "code": row[2]})
            db.execute("UPDATE decisions SET withdrawn_change_id = ? WHERE decision_id = ?", (change, decision_id))
            return change

    def record(self, action: str, *, actor: str, upload_id: str | None = None, detail: str | None = None) -> int:
        """Add an audit entry (sign-ins and the like) that changes no data."""
        with self._writing(), self._transaction() as db:
            return self._log(db, action, actor=actor, upload_id=upload_id, detail=detail)

    def _record_headers(self, before: dict[str, str], after: dict[str, str], *, actor: str | None) -> None:
        """The audit entry for remembered column headings going from ``before`` to ``after`` (given an
        ``actor``): ``remember_headers`` with each heading taught or changed and what it is now read
        as, or ``forget_headers`` with each heading forgotten and what it was read as."""
        taught = {h: f for h, f in after.items() if before.get(h) != f}
        forgotten = {h: f for h, f in before.items() if h not in after}
        if actor is None:
            return
        for action, headings in (("remember_headers", taught), ("forget_headers", forgotten)):
            if headings:
                self.record(action, actor=actor, detail=json.dumps({"headers": headings}, ensure_ascii=False))

    def sweep(self) -> list[str]:
        """Delete Parquet files no upload refers to (left by a killed process); their paths."""
        with self._writing(), self._write_lock():
            return self._sweep_locked()

    def _sweep_locked(self) -> list[str]:
        known = {path for (path,) in self._query("SELECT path FROM upload_files")}
        codes = rollups.catalogue_codes()
        known |= {target for path in list(known) for target in rollups.paths(path, codes)}
        removed = [relative for relative in self._list_objects() if relative not in known]
        for relative in removed:
            self._remove_object(relative)
        return removed

    # -- the whole catalogue, to copy a store ----------------------------------------
    def export_catalogue(self) -> dict[str, pl.DataFrame]:
        """Every catalogue table as it is (ids, order and all), to load into another store."""
        out = {}
        with self._snapshot() as db:  # one consistent state, whatever a writer does meanwhile
            for table, columns in CATALOGUE_TABLES.items():
                order = {"uploads": f"created_at, {self._SEQ}", "upload_files": "upload_id, path"}.get(table, columns[0])
                rows = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()
                out[table] = pl.DataFrame(rows, schema=list(columns), orient="row", infer_schema_length=None)
        return out

    def import_catalogue(self, tables: dict[str, pl.DataFrame]) -> None:
        """Load :meth:`export_catalogue` tables into this store, which must hold nothing yet; one
        transaction (all or nothing). The files must be in place first (:meth:`put_object`)."""
        with self._writing(storing=True), self._write_lock(), self._transaction() as db:
            held = db.execute("SELECT (SELECT COUNT(*) FROM uploads) + (SELECT COUNT(*) FROM changes)").fetchone()[0]
            if held:
                raise StoreError(f"the store at {self.location} is not empty: a store is copied only into an "
                                 "empty one", key="copy_target_not_empty", path=self.location)
            for table, columns in CATALOGUE_TABLES.items():
                frame = tables.get(table)
                if frame is None or frame.is_empty():
                    continue
                marks = ", ".join("?" * len(columns))
                db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                               frame.select(columns).rows())
            self._after_import(db)

    def health(self, *, check_files: bool = False) -> dict[str, object]:
        """What an operator checks: backend, where, whether it can be written, version, uploads.
        With ``check_files``, also every stored file the catalogue lists (:meth:`_check_files`)."""
        uploads = self._query("SELECT COUNT(*) FROM uploads WHERE status = 'active'")[0][0]
        health: dict[str, object] = {"backend": self.BACKEND, "location": self.location, "read_only": self.read_only,
                                     "version": self.version(), "active_uploads": int(uploads)}
        return health | self._check_files() if check_files else health

    def _check_files(self) -> dict[str, object]:
        """Every stored file the catalogue lists, of every upload (rolled back and replaced ones too:
        a rollback or a pinned link reads them), read whole: ``files`` (how many), ``missing_files``,
        ``damaged_files`` (not the log in the store's columns, or not the rows the catalogue says),
        ``uploads_not_adding_up`` (an upload whose files do not hold the beneficiaries and fee it
        records) and ``healthy`` (none of these)."""
        import io

        with self._snapshot() as db:
            files = db.execute("SELECT path, rows, upload_id FROM upload_files ORDER BY path").fetchall()
            stated = {upload: (int(people or 0), int(fee or 0)) for upload, people, fee in db.execute(
                "SELECT upload_id, beneficiaries, fee_paisa FROM uploads").fetchall()}
        present = set(self._list_objects())
        missing, damaged, sums = [], [], {}
        for path, rows, upload in files:
            if path not in present:
                missing.append(path)
                continue
            try:
                part = pl.read_parquet(io.BytesIO(self.read_object(path)))
                ok = dict(part.schema) == schema.LOG_SCHEMA and part.height == rows
                if ok:
                    people, fee = part["beneficiaries"].cast(pl.Int64).sum(), part["fee_paisa"].sum()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - any file that cannot be read as the log (polars panics too)
                ok = False
            if not ok:
                damaged.append(path)
                continue
            total = sums.setdefault(upload, [0, 0])
            total[0], total[1] = total[0] + int(people or 0), total[1] + int(fee or 0)
        broken = {upload for path, _, upload in files if path in set(missing) | set(damaged)}
        differing = sorted(upload for upload, total in sums.items()
                           if upload not in broken and tuple(total) != stated.get(upload))
        return {"files": len(files), "missing_files": missing, "damaged_files": damaged,
                "uploads_not_adding_up": differing, "healthy": not (missing or damaged or differing)}


def _pause_point(name: str) -> None:
    """Tests only: with ``SEBA_ATLAS_PAUSE_AT=name:marker-file``, create the marker file and wait
    there until the test removes it (at most a minute), so that a test can kill the process, or
    stop a server, at a known point of a commit."""
    point, _, marker = os.environ.get("SEBA_ATLAS_PAUSE_AT", "").partition(":")
    if point == name and marker and not Path(marker + ".passed").exists():
        Path(marker + ".passed").touch()  # pause once per test: the first time the point is reached
        Path(marker).write_text(str(os.getpid()))
        deadline = time.monotonic() + 60
        while Path(marker).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
