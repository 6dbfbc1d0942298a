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
from analytics.auth import (
    MIN_PASSWORD,
    ROLES,
    USERNAME,
    Accounts,
    AuthError,
    Settings,
    hash_secret,
)
from analytics.cli.language import Help, shown
from analytics.cli.output import inside, write_whole
from analytics.ingest.isolation import LimitExceeded, run_limited
from analytics.reference import schema
from analytics.store import (
    PART_PATH,
    StoreError,
    StoreReadOnly,
    missing_store,
    open_store,
    shared_location,
    store_location,
)
from analytics.store.copy import copy_store
from analytics.store.local import (
    CATALOGUE,
    LocalStore,
    _lock,
    _unlock,
    catalogue_schemas,
)


class _Refused(Exception):
    """An account request refused before the accounts are touched: ``cli_error.<key>`` with ``values``."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")  # (a line from Windows ends in CR LF: neither is typed)
    else:
        if not sys.stdin.isatty():  # (getpass would read it echoed, warning in English, or find nothing)
            raise _Refused("no_terminal")
        try:
            password = getpass.getpass(i18n.t("cli.password_prompt", args.lang))
            again = getpass.getpass(i18n.t("cli.password_again", args.lang))
        except EOFError:
            raise _Refused("no_terminal") from None
        if again != password:
            raise _Refused("passwords_differ")
    if not password.strip():  # (nothing, or only spaces: a viewer passcode of "" lets anyone in)
        raise _Refused("blank_password")
    if args.action != "hash" and len(password) < MIN_PASSWORD:
        raise _Refused("short_password", minimum=MIN_PASSWORD)
    return password


def _check_account(accounts: Accounts, args: argparse.Namespace) -> None:
    """Refuse, before a password is asked for, what :class:`Accounts` would refuse for the name."""
    if not args.username:
        raise _Refused("needs_username", action=args.action)
    if args.action == "add" and not USERNAME.match(args.username):
        raise _Refused("bad_username")
    exists = accounts.role_of(args.username) is not None
    if args.action == "add" and exists:
        raise _Refused("user_exists", username=args.username)
    if args.action != "add" and not exists:
        raise _Refused("no_user", username=args.username)
    if args.action == "remove" and accounts.last_admin(args.username):
        raise _Refused("last_admin", username=args.username)


def cmd_users(args: argparse.Namespace) -> int:
    lang, name = args.lang, args.username
    path = args.db or Settings.from_env().db_path
    try:
        if args.action in ("list", "remove", "passwd") and not Path(path).exists():  # nothing made on a read
            raise _Refused("no_accounts", path=str(path))
        try:
            accounts = Accounts(path)
            accounts.list()  # (an accounts file opens lazily: read it here)
        except sqlite3.DatabaseError:
            raise _Refused("accounts_unreadable", path=str(path)) from None
        if args.action in ("add", "remove", "passwd"):
            _check_account(accounts, args)
        if args.action == "add":
            accounts.add(name, _password(args), role=args.role)
            role = args.role if lang == "en" else i18n.t(f"role.{args.role}", lang)
            print(i18n.t("cli.user_added", lang, username=name, role=role))
        elif args.action == "remove":
            accounts.remove(name)
            print(i18n.t("cli.user_removed", lang, username=name))
        elif args.action == "passwd":
            accounts.set_password(name, _password(args))
            print(i18n.t("cli.password_changed", lang, username=name))
        elif args.action == "list":
            for username, role in accounts.list():
                print(f"{username}\t{role}")
        elif args.action == "hash":  # for the viewer passcode in secrets / environment
            print(hash_secret(_password(args)))
    except _Refused as refused:
        print(i18n.t("cli_error.line", lang, message=i18n.t(f"cli_error.{refused.key}", lang, **refused.values)),
              file=sys.stderr)
        return 2
    except AuthError as error:  # refused by the accounts themselves (another process added the name meanwhile)
        print(i18n.t("cli_error.line", lang, message=i18n.t("cli_error.account", lang, reason=str(error))),
              file=sys.stderr)
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
    full disk or a killed process never leaves a half archive under the name given. A shared
    store is first copied into a local one (checked against it), which is then archived: the
    archive restores into either kind.
    """
    location = args.store or store_location()
    if shared_location(location):
        with tempfile.TemporaryDirectory() as tmp:
            copy_store(open_store(location), LocalStore(Path(tmp) / "store"))
            return _backup(Path(tmp) / "store", args)
    return _backup(Path(location), args)


def _backup(source: Path, args: argparse.Namespace) -> int:
    if not (source / CATALOGUE).is_file():
        raise _refusal(BackupError, "no_store_at", path=str(source))
    store = LocalStore(source)  # read-only stores are backed up too
    health = store.health(check_files=True)  # (an archive of damaged files would be refused on restore)
    if not health["healthy"]:
        damage = [*health["missing_files"], *health["damaged_files"], *health["uploads_not_adding_up"]]
        raise _refusal(BackupError, "backup_damaged", what=", ".join(damage[:3]) + (", …" if len(damage) > 3 else ""),
                       path=str(source))
    target = Path(args.file)
    if inside(target, source):  # (a review's backup onto the store's own catalogue destroyed the store)
        raise _refusal(BackupError, "backup_into_store", path=str(target), store=str(source))
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "store"
        staging.mkdir()
        listed = store.snapshot(staging / CATALOGUE)
        members = [("store", staging), (f"store/{CATALOGUE}", staging / CATALOGUE)]
        for relative in listed:
            if not PART_PATH.fullmatch(relative):
                raise _refusal(BackupError, "backup_bad_path", path=relative)
            folders = Path(relative).parents
            for folder in reversed([f for f in folders if f != Path(".")]):
                if ("store/" + folder.as_posix(), None) not in members:
                    members.append(("store/" + folder.as_posix(), None))
            members.append(("store/" + relative, source / relative))

        def write(path: Path) -> None:
            with tarfile.open(path, "w:gz", dereference=True) as archive:
                for name, member in members:
                    if member is None or member.is_dir():
                        info = tarfile.TarInfo(name)
                        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
                        archive.addfile(info)
                    else:
                        archive.add(member, arcname=name, recursive=False)

        write_whole(target, write)
    print(i18n.t("cli.backed_up", args.lang, files=shown(len(listed), args.lang), path=args.file))
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


def _refusal(error: type[StoreError], key: str, /, **values: object) -> StoreError:
    """Refusal ``cli_error.<key>`` (English in the message, the user's language in the CLI)."""
    return error(i18n.t(f"cli_error.{key}", "en", **values), key=key, **values)


def _too_big(limit: int) -> BackupError:
    return _unusable("too_big", megabytes=f"{limit / 1e6:,.0f}")


def _no_space(needed: int) -> BackupError:
    return _unusable("no_space", megabytes=f"{needed / 1e6:,.0f}")


def _unusable(reason: str, **values: object) -> BackupError:
    """Refusal ``cli_error.restore_<reason>``: the archive cannot be restored, nothing was changed."""
    return _refusal(BackupError, f"restore_{reason}", **values)


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


def _check_catalogue(restored: Path) -> list[tuple[str, int, str | None, int, int]]:
    """Refuse a catalogue whose schema is not exactly what this version creates (or an older
    version that opening migrates): no triggers, views or other extra objects. The files it
    lists must be inside the store and all present; nothing else may be. Each file's (path, rows,
    upload, and that upload's beneficiaries and fee in paisa) for :func:`check_parts`."""
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
            stated = db.execute("SELECT f.path, u.upload_id, u.beneficiaries, u.fee_paisa FROM upload_files f "
                                "JOIN uploads u USING (upload_id)").fetchall()
    except sqlite3.DatabaseError:
        raise _unusable("unreadable") from None
    for path, _ in files:
        if not isinstance(path, str) or not PART_PATH.fullmatch(path):
            raise _unusable("outside", path=repr(str(path)[:200]))
    present = {p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file()} - {CATALOGUE}
    listed = {path for path, _ in files}
    if listed - present:
        raise _unusable("missing_file", path=repr(min(listed - present)))
    if present - listed:
        raise _unusable("member", name=repr(f"store/{min(present - listed)}"))
    owner = {path: (upload, int(people or 0), int(fee or 0)) for path, upload, people, fee in stated}
    return [(path, int(rows), *owner.get(path, (None, 0, 0))) for path, rows in files]


def check_parts(directory: str, files: list[tuple[str, int, str | None, int, int]]) -> tuple[str, dict] | None:
    """The first problem with the Parquet files (read with the log schema, rows as the catalogue
    says, and each upload's files adding up to the beneficiaries and fee its catalogue row states)
    as (reason, values) for :func:`_unusable`, or None. ``files``: (path, rows, upload, its
    beneficiaries, its fee in paisa) each. Run in a child process with memory and time limits
    (:mod:`analytics.ingest.isolation`)."""
    import polars as pl

    sums: dict[str, list[int]] = {}
    for path, rows, upload, *_ in files:
        try:
            found = pl.read_parquet_schema(Path(directory) / path)
            if dict(found) != schema.LOG_SCHEMA or list(found) != list(schema.LOG_SCHEMA):
                return "columns", {"path": repr(path)}
            part = pl.scan_parquet(Path(directory) / path, schema=schema.LOG_SCHEMA).collect()  # every column read
            height, people, fee = part.height, part["beneficiaries"].cast(pl.Int64).sum(), part["fee_paisa"].sum()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - polars panics are BaseExceptions
            return "file_unreadable", {"path": repr(path)}
        if height != rows:
            return "rows", {"path": repr(path), "found": height, "rows": rows}
        total = sums.setdefault(upload, [0, 0])
        total[0], total[1] = total[0] + int(people or 0), total[1] + int(fee or 0)
    stated = {upload: (people, fee) for _, _, upload, people, fee in files}
    for upload, (people, fee) in sums.items():
        if (people, fee) != stated[upload]:
            return "totals", {"upload": upload, "found": f"{people}, {fee}", "stated": f"{stated[upload][0]}, "
                                                                                       f"{stated[upload][1]}"}
    return None


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty (or --force: replaced) store directory.

    The archive is unpacked into a temporary directory next to the store and checked there
    (members, sizes, the catalogue's schema, every Parquet file); only then is the current store
    renamed aside as ``<store>.before-restore-<UTC time>`` (earlier copies are kept) and the
    restored one renamed into place. When anything fails the current store is untouched. Into a
    shared store (which must be empty), the checked backup is copied and both ends compared.
    """
    location = args.store or store_location()
    archive = Path(args.file)
    if not archive.is_file():
        raise _refusal(BackupError, "restore_no_file", path=str(archive))
    if shared_location(location):
        shared = open_store(location)
        with tempfile.TemporaryDirectory() as tmp:
            copy_store(_checked(archive, Path(tmp)), shared)
        print(i18n.t("cli.restored", args.lang, path=shared.location))
        return 0
    target = Path(location)
    if target.exists() and not target.is_dir():
        raise _refusal(StoreError, "not_a_directory", path=str(target))
    if (other := missing_store(target, create=True)) is not None:  # a folder of other files, even --force:
        raise other  # it would be moved aside whole, and a store put in its place (a review's home folder)
    if target.exists() and any(target.iterdir()) and not args.force:
        raise _refusal(BackupError, "restore_not_empty", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if not _writable_dir(target.parent) or (target.exists() and not _writable_dir(target)):
        raise _refusal(StoreReadOnly, "read_only", path=str(target))
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.restore-", dir=target.parent))
    try:
        restored = _checked(archive, tmp).directory
        kept = _swap(restored, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(i18n.t("cli.restored_kept", args.lang, path=str(target), kept=str(kept)) if kept
          else i18n.t("cli.restored", args.lang, path=str(target)))
    return 0


def _checked(archive: Path, tmp: Path) -> LocalStore:
    """The backup unpacked under ``tmp`` and checked (members, sizes, the catalogue's schema,
    every Parquet file), opened as a store (WAL mode, migrations of an older catalogue)."""
    _unpack(archive, tmp)
    restored = tmp / "store"
    files = _check_catalogue(restored)
    try:
        problem = run_limited(check_parts, str(restored.absolute()), files)  # (the child runs in another folder)
    except LimitExceeded as error:
        problem = ("time" if error.kind == "time" else "memory"), {}
    if problem:
        raise _unusable(problem[0], **problem[1])
    return LocalStore(restored)


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


def add_commands(commands: argparse._SubParsersAction, words: Help) -> None:
    p = words.command(commands, "users")
    words.add(p, "action", key="users_action", choices=["add", "remove", "passwd", "list", "hash"])
    words.add(p, "username", key="username", nargs="?")
    words.add(p, "--role", key="role", choices=ROLES, default="uploader")
    words.add(p, "--db", key="db")
    words.add(p, "--password-stdin", key="password_stdin", action="store_true")
    words.lang_option(p)
    p.set_defaults(run=cmd_users)

    p = words.command(commands, "backup")
    words.add(p, "file", key="backup_file")
    words.add(p, "--store", key="backup_store")
    words.lang_option(p)
    p.set_defaults(run=cmd_backup)

    p = words.command(commands, "restore")
    words.add(p, "file", key="restore_file")
    words.add(p, "--store", key="backup_store")
    words.add(p, "--force", key="force", action="store_true")
    words.lang_option(p)
    p.set_defaults(run=cmd_restore)
