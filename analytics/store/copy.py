"""Copy a whole store into an empty one (a local directory to the shared backend, or back), and
check that both ends agree: the same uploads and change log, the same totals to the paisa."""

from __future__ import annotations

import polars as pl

from analytics.store.protocol import Store, StoreError


def totals(store: Store) -> dict[str, int]:
    """Rows, beneficiaries and fees (paisa) of everything the store shows now."""
    row = store.scan().select(pl.len().alias("rows"), pl.col("beneficiaries").cast(pl.Int64).sum(),
                              pl.col("fee_paisa").sum()).collect().row(0, named=True)
    return {key: int(value or 0) for key, value in row.items()}


def copy_store(source: Store, target: Store) -> dict[str, object]:
    """Copy ``source`` (files first, then the catalogue in one transaction) into ``target``,
    which must be empty, then :func:`verify_copy`. A failure part-way leaves ``target``'s
    catalogue empty (the files written are swept by its next commit)."""
    target.check_writable()
    tables = source.export_catalogue()
    paths = tables["upload_files"]["path"].to_list()
    if not target.uploads().is_empty() or not target.changes().is_empty():
        raise StoreError(f"the store at {target.location} is not empty: a store is copied only into an empty one",
                         key="copy_target_not_empty", path=target.location)
    for relative in paths:
        target.put_object(relative, source.read_object(relative))
    target.import_catalogue(tables)
    if mappings := source.header_mappings():
        target.remember_headers(mappings)
    return verify_copy(source, target) | {"files": len(paths)}


def verify_copy(source: Store, target: Store) -> dict[str, object]:
    """Both stores hold the same upload history and change log and show the same totals; what
    they hold. Raises :class:`StoreError` (``copy_mismatch``) when they differ."""
    before, after = totals(source), totals(target)
    same = (before == after and source.uploads().equals(target.uploads())
            and source.changes().equals(target.changes()) and source.version() == target.version())
    if not same:
        raise StoreError(f"the copy at {target.location} does not match {source.location}: "
                         f"{before} there, {after} here", key="copy_mismatch", path=target.location)
    return {"uploads": source.uploads().height, "version": target.version(), **after}
