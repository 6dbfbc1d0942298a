"""Command-line administration: accounts (``users``) and store backup/restore."""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sqlite3
import sys
import tarfile
import tempfile
from pathlib import Path

from analytics.auth import ROLES, Accounts, AuthError, Settings, hash_secret
from analytics.store import DEFAULT_STORE_DIR


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


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent .tar.gz of the store: SQLite copied with its backup API, Parquet as is."""
    source = Path(args.store or DEFAULT_STORE_DIR)
    if not (source / "catalogue.sqlite").exists():
        print(f"error: no store at {source}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "store"
        staging.mkdir()
        with sqlite3.connect(source / "catalogue.sqlite") as src, sqlite3.connect(staging / "catalogue.sqlite") as dst:
            src.backup(dst)
            listed = [path for (path,) in dst.execute("SELECT path FROM upload_files")]
        for relative in listed:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, staging / relative)
        with tarfile.open(args.file, "w:gz") as archive:
            archive.add(staging, arcname="store")
    print(f"backed up {len(listed)} files to {args.file}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty (or --force: replaced) store directory."""
    target = Path(args.store or DEFAULT_STORE_DIR)
    if target.exists() and any(target.iterdir()) and not args.force:
        print(f"error: {target} is not empty (use --force to replace it)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(dir=target.parent if target.parent.exists() else None) as tmp:
        try:
            with tarfile.open(args.file, "r:gz") as archive:
                archive.extractall(tmp, filter="data")  # refuses absolute paths, "..", links outside
        except (tarfile.TarError, OSError) as error:
            print(f"error: not a usable backup: {error}", file=sys.stderr)
            return 2
        restored = Path(tmp) / "store"
        if not (restored / "catalogue.sqlite").exists():
            print("error: not a Seba Atlas backup", file=sys.stderr)
            return 2
        if target.exists():
            old = target.with_name(target.name + ".before-restore")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(restored, target)
    print(f"restored into {target}")
    return 0


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
    p.set_defaults(run=cmd_backup)

    p = commands.add_parser("restore", help="restore a backup into the store directory")
    p.add_argument("file")
    p.add_argument("--store")
    p.add_argument("--force", action="store_true")
    p.set_defaults(run=cmd_restore)
