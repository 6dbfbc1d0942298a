"""``python -m analytics store ACTION``: the store itself.

    store migrate [--store URL]                        bring the shared database's schema up to date
    store copy --from DIR|URL --to DIR|URL [--json]    copy a whole store into an empty one, then check
                                                       both ends (uploads, change log, totals)
    store health [--store DIR|URL] [--json]            backend, version, active uploads
    store sweep [--store DIR|URL]                      remove files no upload refers to

A URL store's objects are at ``SEBA_ATLAS_OBJECTS`` (``--to-objects`` / ``--from-objects`` name
others for a copy); the object storage is reached with the ``AWS_*`` variables. Errors are one
line on stderr (exit 2), as for every command (:func:`analytics.cli.main.main`).
"""

from __future__ import annotations

import argparse
import json
import os

from analytics import i18n
from analytics.cli.ingest import UsageError
from analytics.cli.language import Help
from analytics.store import missing_store, open_store, shared_location, store_location
from analytics.store.copy import copy_store


def _open(location: str | None, objects: str | None = None, *, create: bool = False):
    """The store named (or the default one); a named local one that does not exist is made only
    when ``create`` (the target of a copy)."""
    env = dict(os.environ)
    if objects:
        env["SEBA_ATLAS_OBJECTS"] = objects
    if location and (missing := missing_store(location, create=create)):
        raise missing
    return open_store(location or store_location(env), env=env)


def cmd_store(args: argparse.Namespace) -> int:
    lang = args.lang
    if args.action == "migrate":
        location = args.store or store_location()
        if not shared_location(location):
            _open(location)  # a local store brings its own catalogue up to date when opened
            shown, applied = location, []
        else:
            from analytics.store.shared import migrate, redact

            shown, applied = redact(location), migrate(location)
        print(json.dumps({"location": shown, "migrations_applied": len(applied)}, ensure_ascii=False) if args.json
              else i18n.t("store.migrated", lang, location=shown, count=len(applied)))
        return 0
    if args.action == "copy":
        if not args.source or not args.target:
            raise UsageError(("copy_needs_ends", {}))
        source, target = _open(args.source, args.from_objects), _open(args.target, args.to_objects, create=True)
        result = copy_store(source, target)
        if args.json:
            print(json.dumps({"source": source.location, "target": target.location, **result}, ensure_ascii=False))
        else:
            print(i18n.t("store.copied", lang, uploads=result["uploads"], files=result["files"], rows=result["rows"],
                         beneficiaries=result["beneficiaries"], fee=i18n.taka(result["fee_paisa"], lang=lang),
                         source=source.location, target=target.location))
        return 0
    store = _open(args.store)
    if args.action == "health":
        health = store.health(check_files=True)
        if args.json:
            print(json.dumps(health, ensure_ascii=False))
        else:
            backend = f"store.backend.{health['backend']}"  # (the JSON keeps the code: "local", "shared")
            print(i18n.t("store.health", lang, **{**health, "read_only": i18n.t("store.health_read_only", lang)
                                                  if health["read_only"] else "",
                                                  "backend": i18n.t(backend, lang) if backend in i18n.strings()
                                                  else health["backend"]}))
            print(i18n.t("store.health_files", lang, files=health["files"]) if health["healthy"]
                  else "\n".join(i18n.t(f"store.health_{key}", lang, what=", ".join(health[key]))
                                  for key in ("missing_files", "damaged_files", "uploads_not_adding_up") if health[key]))
        return 0 if health["healthy"] else 1
    removed = store.sweep()
    print(json.dumps({"location": store.location, "removed": removed}, ensure_ascii=False) if args.json
          else i18n.t("store.swept", lang, count=len(removed)))
    return 0


def add_commands(commands, common: argparse.ArgumentParser, words: Help) -> None:
    p = words.command(commands, "store", key="store_command", parents=[common])
    words.add(p, "action", key="store_action", choices=("migrate", "copy", "health", "sweep"))
    words.add(p, "--from", key="store_from", dest="source")
    words.add(p, "--to", key="store_to", dest="target")
    words.add(p, "--from-objects", key="store_from_objects")
    words.add(p, "--to-objects", key="store_to_objects")
    words.add(p, "--json", key="json", action="store_true")
    p.set_defaults(run=cmd_store)
