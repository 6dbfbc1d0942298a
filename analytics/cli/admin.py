"""Command-line administration: accounts (``users``) and store backup/restore."""

from __future__ import annotations

import argparse
import contextlib
import errno
import getpass
import gzip
import io
import os
import re
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import time
import zlib
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from analytics import i18n
from analytics.auth import ROLES, Accounts, AuthError, Settings, hash_secret
from analytics.ingest.isolation import LimitExceeded, run_limited
from analytics.reference import schema
from analytics.store import PART_PATH, StoreError, StoreReadOnly
from analytics.store.local import (
    CATALOGUE,
    DEFAULT_STORE_DIR,
    LocalStore,
    _lock,
    _unlock,
    catalogue_schemas,
)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AuthError("the two passwords differ")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    accounts = Accounts(args.db or Settings.from_env().db_path)
    if args.action in ("add", "remove", "passwd") and not args.username:
        print(f"error: users {args.action} needs a username", file=sys.stderr)
        return 2
    try:
        if args.action == "add":
            accounts.add(args.username, _password(args), role=args.role)
            print(f"added {args.username} ({args.role})")
        elif args.action == "remove":
            accounts.remove(args.username)
            print(f"removed {args.username}")
        elif args.action == "passwd":
            accounts.set_password(args.username, _password(args))
            print(f"password changed for {args.username}")
        elif args.action == "list":
            for username, role in accounts.list():
                print(f"{username}\t{role}")
        elif args.action == "hash":  # for the viewer passcode in secrets / environment
            print(hash_secret(_password(args)))
    except AuthError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


class BackupError(StoreError):
    """A backup that cannot be written or an archive that cannot be restored (nothing was changed)."""


#: What ``backup`` writes: the catalogue and the Parquet files it lists, under ``store/``.
#: ``-wal``/``-shm`` members come from backups written before they were left out; they must be empty
#: or are ignored (a WAL index is rebuilt), see :func:`_unpack`.
_MEMBER_DIR = re.compile(r"store(/parts(/fy=[0-9]{4}(/q=[1-4])?)?)?")
_MEMBER_FILE = re.compile(rf"store/(?:{CATALOGUE}|{PART_PATH.pattern})")
_MEMBER_IGNORED = {f"store/{CATALOGUE}-wal", f"store/{CATALOGUE}-shm"}
#: Unpacked bytes a backup may hold: 20 times the archive (Parquet barely compresses), at least
#: 64 MB (an almost empty store compresses 40:1), never more than RESTORE_MAX_BYTES.
RESTORE_RATIO = 20
RESTORE_FLOOR = 64 * 1024**2
RESTORE_MAX_BYTES = int(os.environ.get("SEBA_ATLAS_RESTORE_MAX_BYTES") or 64 * 1024**3)
RESTORE_MAX_MEMBERS = 200_000


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent .tar.gz of the store: SQLite copied with its backup API, Parquet as is.

    The archive is written to a temporary file next to ``FILE`` and renamed when complete, so a
    full disk or a killed process never leaves a half archive under the name given.
    """
    source = Path(args.store or DEFAULT_STORE_DIR)
    if not (source / CATALOGUE).is_file():
        raise BackupError(f"no store at {source}", key="no_store_at", path=str(source))
    store = LocalStore(source)  # read-only stores are backed up too
    target = Path(args.file)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "store"
        staging.mkdir()
        with closing(store._connect(reading=True)) as src, closing(sqlite3.connect(staging / CATALOGUE)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file: no -wal, no -shm
            listed = [path for (path,) in dst.execute("SELECT path FROM upload_files ORDER BY path")]
        members = [("store", staging), (f"store/{CATALOGUE}", staging / CATALOGUE)]
        for relative in listed:
            if not PART_PATH.fullmatch(relative):
                raise BackupError(f"the catalogue lists a file outside the store: {relative}", key="backup_bad_path",
                                  path=relative)
            folders = Path(relative).parents
            for folder in reversed([f for f in folders if f != Path(".")]):
                if ("store/" + folder.as_posix(), None) not in members:
                    members.append(("store/" + folder.as_posix(), None))
            members.append(("store/" + relative, source / relative))
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            with tarfile.open(partial, "w:gz", dereference=True) as archive:
                for name, path in members:
                    if path is None or path.is_dir():
                        info = tarfile.TarInfo(name)
                        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
                        archive.addfile(info)
                    else:
                        archive.add(path, arcname=name, recursive=False)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except BaseException as error:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            if isinstance(error, OSError) and str(error.filename) == str(partial):  # name the file the user gave
                raise type(error)(error.errno, error.strerror, str(target)) from None
            raise
    print(f"backed up {len(listed)} files to {args.file}")
    return 0


class _Limited(io.RawIOBase):
    """Reads at most ``limit`` bytes from ``stream``; more raises :class:`BackupError` (a decompression bomb)."""

    def __init__(self, stream, limit: int) -> None:
        self.stream, self.limit, self.count = stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), self.limit - self.count + 1))
        self.count += len(data)
        if self.count > self.limit:
            raise _too_big(self.limit)
        buffer[:len(data)] = data
        return len(data)


def _too_big(limit: int) -> BackupError:
    return BackupError(f"not a usable backup: it unpacks to more than {limit / 1e6:,.0f} MB, more than a backup "
                       "of this size can hold", key="restore_too_big", megabytes=f"{limit / 1e6:,.0f}")


def _no_space(needed: int) -> BackupError:
    return BackupError(f"not enough free space next to the store to restore this backup ({needed / 1e6:,.0f} MB and "
                       "more); nothing was changed", key="restore_no_space", megabytes=f"{needed / 1e6:,.0f}")


def _unusable(reason: str, **values: object) -> BackupError:
    """Refusal ``cli_error.restore_<reason>`` (English in the message, the user's language in the CLI)."""
    return BackupError(i18n.t(f"cli_error.restore_{reason}", "en", **values), key=f"restore_{reason}", **values)


def _unpack(archive_path: Path, into: Path) -> None:
    """Unpack a backup into ``into``, refusing (before writing them) members ``backup`` does not
    write, links, absolute or ``..`` paths, and more unpacked bytes than the archive can hold."""
    size = archive_path.stat().st_size
    limit = min(RESTORE_MAX_BYTES, max(RESTORE_RATIO * size, RESTORE_FLOOR))
    free = shutil.disk_usage(into).free
    written = 0
    seen: set[str] = set()
    try:
        with open(archive_path, "rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped, \
                io.BufferedReader(_Limited(unzipped, limit + 64 * 1024**2)) as limited, \
                tarfile.open(fileobj=limited, mode="r|") as archive:
            for member in archive:
                name = member.name.rstrip("/")
                if len(seen) >= RESTORE_MAX_MEMBERS:
                    raise _unusable("too_many", limit=RESTORE_MAX_MEMBERS)
                if name in seen:
                    raise _unusable("twice", name=repr(name[:200]))
                seen.add(name)
                if member.isdir() and _MEMBER_DIR.fullmatch(name):
                    (into / name).mkdir(parents=True, exist_ok=True)
                    continue
                if member.issym() or member.islnk():
                    raise _unusable("link", name=repr(name[:200]))
                if not member.isreg() or member.issparse() or not (
                        _MEMBER_FILE.fullmatch(name) or name in _MEMBER_IGNORED):
                    raise _unusable("member", name=repr(name[:200]))
                written += member.size
                if written > limit:
                    raise _too_big(limit)
                if written > free:
                    raise _no_space(written)
                if name in _MEMBER_IGNORED:
                    if name.endswith("-wal") and member.size:
                        raise _unusable("wal", name=repr(name))
                    continue
                (into / name).parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as data, open(into / name, "xb") as out:
                    shutil.copyfileobj(data, out, 1024 * 1024)
    except BackupError:
        raise
    except gzip.BadGzipFile as error:
        raise _unusable("not_archive", path=str(archive_path), detail=str(error)) from None
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise _unusable("truncated", detail=str(error) or type(error).__name__) from None
    except OSError as error:
        if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise _no_space(written) from None
        raise
    if f"store/{CATALOGUE}" not in seen:
        raise _unusable("no_catalogue")


def _check_catalogue(restored: Path) -> list[tuple[str, int]]:
    """Refuse a catalogue whose schema is not exactly what this version creates (or an older
    version that opening migrates): no triggers, views or other extra objects. The files it
    lists (path, rows) must be inside the store and all present; nothing else may be."""
    try:
        # immutable: read the file as it is, creating no -wal/-shm (a WAL member is never restored)
        uri = f"{(restored / CATALOGUE).resolve().as_uri()}?mode=ro&immutable=1"
        with closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("PRAGMA trusted_schema=OFF")
            objects = frozenset(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
            accepted = catalogue_schemas()
            if objects not in accepted:
                expected = {(kind, name) for kind, name, _, _ in accepted[0]}
                odd = sorted(objects - accepted[0], key=lambda o: ((o[0], o[1]) in expected, o[1]))
                if odd and (odd[0][0], odd[0][1]) not in expected:
                    raise _unusable("schema_extra", kind=odd[0][0], name=repr(odd[0][1]))
                if odd:
                    raise _unusable("schema_changed", kind=odd[0][0], name=repr(odd[0][1]))
                kind, name, _, _ = min(accepted[0] - objects)
                raise _unusable("schema_missing", kind=kind, name=repr(name))
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise _unusable("damaged")
            files = db.execute("SELECT path, rows FROM upload_files ORDER BY path").fetchall()
    except sqlite3.DatabaseError as error:
        raise _unusable("unreadable", detail=str(error)) from None
    for path, _ in files:
        if not isinstance(path, str) or not PART_PATH.fullmatch(path):
            raise _unusable("outside", path=repr(str(path)[:200]))
    present = {p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file()} - {CATALOGUE}
    listed = {path for path, _ in files}
    if listed - present:
        raise _unusable("missing_file", path=repr(min(listed - present)))
    if present - listed:
        raise _unusable("member", name=repr(f"store/{min(present - listed)}"))
    return [(path, int(rows)) for path, rows in files]


def check_parts(directory: str, files: list[tuple[str, int]]) -> tuple[str, dict] | None:
    """The first problem with the Parquet files (read with the log schema, rows as the catalogue
    says) as (reason, values) for :func:`_unusable`, or None. Run in a child process with memory
    and time limits (:mod:`analytics.ingest.isolation`)."""
    import polars as pl

    for path, rows in files:
        try:
            found = pl.read_parquet_schema(Path(directory) / path)
            if dict(found) != schema.LOG_SCHEMA or list(found) != list(schema.LOG_SCHEMA):
                return "columns", {"path": repr(path)}
            height = pl.scan_parquet(Path(directory) / path, schema=schema.LOG_SCHEMA).collect().height
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # noqa: BLE001 - polars panics are BaseExceptions
            return "file_unreadable", {"path": repr(path), "detail": type(error).__name__}
        if height != rows:
            return "rows", {"path": repr(path), "found": height, "rows": rows}
    return None


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty (or --force: replaced) store directory.

    The archive is unpacked into a temporary directory next to the store and checked there
    (members, sizes, the catalogue's schema, every Parquet file); only then is the current store
    renamed aside as ``<store>.before-restore-<UTC time>`` (earlier copies are kept) and the
    restored one renamed into place. When anything fails the current store is untouched.
    """
    target = Path(args.store or DEFAULT_STORE_DIR)
    archive = Path(args.file)
    if not archive.is_file():
        raise BackupError(f"no backup file {archive}", key="restore_no_file", path=str(archive))
    if target.exists() and not target.is_dir():
        raise StoreError(f"{target} is not a directory, so it cannot be a store", key="not_a_directory",
                         path=str(target))
    if target.exists() and any(target.iterdir()) and not args.force:
        raise BackupError(f"{target} is not empty (use --force to replace it)", key="restore_not_empty",
                          path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if not _writable_dir(target.parent) or (target.exists() and not _writable_dir(target)):
        raise StoreReadOnly(f"the store at {target} is read-only: it can be viewed, but nothing can be stored "
                            "or changed", path=str(target))
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.restore-", dir=target.parent))
    try:
        _unpack(archive, tmp)
        restored = tmp / "store"
        files = _check_catalogue(restored)
        try:
            problem = run_limited(check_parts, str(restored), files)
        except LimitExceeded as error:
            problem = ("time" if error.kind == "time" else "memory"), {}
        if problem:
            raise _unusable(problem[0], **problem[1])
        LocalStore(restored)  # WAL mode, migrations of an older catalogue: before it is in place
        kept = _swap(restored, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"restored into {target}" + (f"; the previous store is kept in {kept}" if kept else ""))
    return 0


def _writable_dir(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)


def _swap(restored: Path, target: Path) -> Path | None:
    """Put ``restored`` in place of ``target``; the old store (if any) is renamed aside, never deleted."""
    kept = None
    lock = target / "store.lock"
    with contextlib.ExitStack() as stack:
        if target.exists() and any(target.iterdir()):
            handle = stack.enter_context(open(lock, "a+"))  # no commit is half-way while the store moves
            _lock(handle)
            stack.callback(_unlock, handle)
            kept = target.with_name(f"{target.name}.before-restore-{_stamp()}")
            n = 1
            while kept.exists():
                n += 1
                kept = target.with_name(f"{target.name}.before-restore-{_stamp()}-{n}")
            os.replace(target, kept)
        elif target.exists():
            target.rmdir()  # an empty directory
        try:
            os.replace(restored, target)
        except BaseException:
            if kept is not None:
                os.replace(kept, target)
            raise
    return kept


def add_commands(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("users", help="manage accounts: add | remove | passwd | list | hash")
    p.add_argument("action", choices=["add", "remove", "passwd", "list", "hash"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=ROLES, default="uploader")
    p.add_argument("--db", help="accounts file (default: $SEBA_ATLAS_AUTH_DB or data/auth/users.sqlite)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(run=cmd_users)

    p = commands.add_parser("backup", help="write the store to a .tar.gz")
    p.add_argument("file")
    p.add_argument("--store")
    p.add_argument("--lang", choices=i18n.LANGS, default="en")
    p.set_defaults(run=cmd_backup)

    p = commands.add_parser("restore", help="restore a backup into the store directory (checked before anything "
                                            "is replaced; the current store is kept as <store>.before-restore-<time>)")
    p.add_argument("file")
    p.add_argument("--store")
    p.add_argument("--force", action="store_true")
    p.add_argument("--lang", choices=i18n.LANGS, default="en")
    p.set_defaults(run=cmd_restore)
