"""`python -m analytics ... --lang bn|en` (issue 14): every command's help, messages, errors and
prompts come from the string tables in Bengali and English (argparse's own words too); what
programs read (--json, tab-separated lists, paths) is the same in both languages."""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import i18n
from analytics.cli import admin, argv, language
from analytics.cli.ingest import UsageError
from analytics.cli.language import shown
from analytics.cli.main import build_parser
from analytics.reference.periods import fiscal_year, parse_fy

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "tests" / "data" / "ingest" / "good" / "template_en.csv"
COMMANDS = ["summary", "sample", "uploads", "rollback", "ingest", "names", "users", "backup", "restore", "brief"]
BENGALI = re.compile("[\u0980-\u09ff]")
#: Four or more English words in a row: a sentence (option names, values to type, file names and
#: upload ids are single words or joined by punctuation).
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]+(?:'[a-z]+)?(?: [A-Za-z]+(?:'[a-z]+)?){3,}\b")


def cli(*args: str, stdin: str | None = None, db: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "1000"}  # help on one line per option, to compare with the table
    if db:
        env["SEBA_ATLAS_AUTH_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, env=env, timeout=300, check=False)


def assert_in_language(text: str, lang: str) -> None:
    """Bengali text with no English sentence in it, or English text with no Bengali."""
    if lang == "bn":
        assert BENGALI.search(text), text
        leak = ENGLISH_SENTENCE.search(text)
        assert not leak, (leak.group(0), text)
    else:
        assert text.strip() and not BENGALI.search(text), text


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> dict[str, Path]:
    """A store holding one upload, its backup, and an accounts file holding one account."""
    directory = tmp_path_factory.mktemp("seeded")
    out = cli("ingest", str(TEMPLATE), "--store", str(directory / "store"), "--uploader", "asha")
    assert out.returncode == 0, out.stderr
    assert cli("backup", str(directory / "backup.tar.gz"), "--store", str(directory / "store")).returncode == 0
    assert cli("users", "add", "rina", "--password-stdin", stdin="a long password\n",
               db=directory / "users.sqlite").returncode == 0
    assert cli("users", "add", "adil", "--role", "admin", "--password-stdin", stdin="a long password\n",
               db=directory / "users.sqlite").returncode == 0
    return {"store": directory / "store", "backup": directory / "backup.tar.gz", "db": directory / "users.sqlite"}


# -- help ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["bn", "en"])
@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_is_in_the_language_asked_for(command, lang):
    out = cli(*([command] if command else []), "--help", "--lang", lang)
    assert out.returncode == 0 and not out.stderr, out.stderr
    assert out.stdout.startswith(i18n.t("cli.argparse.usage", lang) + "python -m analytics")
    assert i18n.t(f"cli.help.{command}" if command else "cli.description", lang) in out.stdout
    assert i18n.t("cli.argparse.help", lang) in out.stdout and i18n.t("cli.help.lang", lang) in out.stdout
    assert_in_language(out.stdout, lang)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_every_option_has_its_help_from_the_table(lang):
    """No help text, placeholder or description is written in the code: all are table texts."""
    texts = {texts[lang] for texts in i18n.strings().values()}
    texts |= {i18n.t("cli.help.url", lang, url="http://localhost:8501")}
    with language.argparse_words(lang):
        parser = build_parser(lang)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in [("", parser), *commands.choices.items()]:
        assert command.description in texts, name
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help in texts, (name, action.dest, action.help)
            assert action.metavar is None or action.metavar in texts, (name, action.dest)
    assert {choice.dest for choice in commands._choices_actions} >= set(COMMANDS)
    assert all(choice.help in texts for choice in commands._choices_actions)


def test_the_language_is_read_before_the_parser_is_built():
    assert language.from_argv([]) == "en"
    assert language.from_argv(["summary", "--lang", "bn"]) == "bn"
    assert language.from_argv(["--lang=bn", "summary"]) == "bn"
    assert language.from_argv(["summary", "--la", "bn"]) == "bn"
    assert language.from_argv(["summary", "--lang", "bn", "--lang", "en"]) == "en"  # the last, as argparse
    assert language.from_argv(["summary", "--lang", "xx"]) == "en"  # argparse reports the wrong value
    assert language.from_argv(["summary", "--lang"]) == "en"
    assert language.from_argv(["ingest", "--", "--lang", "bn"]) == "en"  # after --: a file's name


def test_argparse_words_are_its_own_message_ids_and_restored_after_use():
    """The table's English is argparse's text exactly (so a Python whose argparse words a message
    differently is noticed here), and its gettext functions are argparse's again afterwards."""
    source = inspect.getsource(argparse)
    keys = [key for key in i18n.strings() if key.startswith("cli.argparse.")]
    assert len(keys) >= 10
    for key in keys:
        assert repr(i18n.t(key, "en")) in source or f'"{i18n.t(key, "en")}"' in source, key
    before = argparse._, argparse.ngettext
    with language.argparse_words("bn"):
        assert argparse._("options") == i18n.t("cli.argparse.options", "bn")
        assert argparse.ngettext("expected %s argument", "expected %s arguments", 2) == "%sটি মান দিতে হবে"
        assert argparse._("not a message id") == "not a message id" and argparse._(None) is None
    with language.argparse_words("en"):
        assert (argparse._, argparse.ngettext) == before
    assert (argparse._, argparse.ngettext) == before


@pytest.mark.parametrize(("args", "bn", "en"), [
    (["summary", "--fy"], "ত্রুটি: --fy-এ ভুল: একটি মান দিতে হবে (দেখুন: python -m analytics summary --help)",
     "error: argument --fy: expected one argument (see: python -m analytics summary --help)"),
    (["ingest"], "ত্রুটি: এগুলো দিতে হবে: ফাইল (দেখুন: python -m analytics ingest --help)",
     "error: the following arguments are required: files (see: python -m analytics ingest --help)"),
    (["users", "add", "--role", "boss"],
     ("ত্রুটি: --role-এ ভুল: 'boss' চলবে না (এগুলোর একটি দিন: 'viewer', 'uploader', 'admin') "
      "(দেখুন: python -m analytics users --help)"),
     ("error: argument --role: invalid choice: 'boss' (choose from 'viewer', 'uploader', 'admin') "
      "(see: python -m analytics users --help)")),
])
def test_usage_errors_are_one_line_in_the_language(args, bn, en):
    for lang, expected in (("bn", bn), ("en", en)):
        out = cli(*args, "--lang", lang)
        assert out.returncode == 2 and not out.stdout
        assert out.stderr == expected + "\n"


# -- what each command tells people ------------------------------------------------------------------
def _copy(seeded, tmp_path) -> Path:
    shutil.copytree(seeded["store"], tmp_path / "store")
    return tmp_path / "store"


def _upload(store: Path) -> str:
    return cli("uploads", "--store", str(store)).stdout.splitlines()[1].split("\t")[0]


def test_rollback_of_an_id_copied_with_the_space_after_it(seeded, tmp_path):
    """A review: ``rollback "<id> "`` said there is no such upload."""
    store = _copy(seeded, tmp_path)
    upload = _upload(store)
    out = cli("rollback", f" {upload}\t ", "--store", str(store))
    assert out.returncode == 0 and upload in out.stdout, out.stderr


@pytest.mark.parametrize(("command", "word"), [("store", "কাজ"), ("users", "কাজ"), ("names", None)])
def test_a_wrong_action_is_named_in_the_users_language(command, word):
    """A review: ``store frob --lang bn`` said "action-এ ভুল", the word untranslated."""
    out = cli(command, "frob", "--lang", "bn")
    assert out.returncode == 2 and "action" not in out.stderr, out.stderr
    if word:
        assert f"{word}-এ ভুল" in out.stderr


def message_case(command: str, lang: str, seeded, tmp_path) -> tuple[subprocess.CompletedProcess, str, str]:
    """(the run, where the message is: stdout or stderr, the expected text) of a typical message; numbers
    in it are in the language's digits (ingest: ৬টি সারি, rollback: স্টোরের সংস্করণ এখন ২)."""
    lang_args = ["--lang", lang]
    if command == "summary":
        period = fiscal_year(parse_fy("2022-23")).label(lang=lang)
        out = cli("summary", "--store", str(seeded["store"]), *lang_args)
        return out, "stdout", i18n.t("summary.title", lang, period=period)
    if command == "sample":  # paths only: the same in both languages
        out = cli("sample", "--out", str(tmp_path / "sample"), "--formats", "csv", *lang_args)
        return out, "stdout", str(tmp_path / "sample" / "pirojpur-fy2022-23-q1.csv")
    if command == "uploads":
        out = cli("uploads", "--store", str(seeded["store"]), *lang_args)
        return out, "stdout", "upload_id\tfile_name\t"
    if command == "rollback":
        store = _copy(seeded, tmp_path)
        upload = _upload(store)
        out = cli("rollback", upload, "--store", str(store), *lang_args)
        return out, "stdout", i18n.t("cli.rolled_back", lang, upload=upload, version=shown(2, lang))
    if command == "ingest":
        out = cli("ingest", str(TEMPLATE), "--store", str(tmp_path / "s"), "--dry-run", *lang_args)
        return out, "stdout", (i18n.t("ingest.cli_summary", lang, file=TEMPLATE.name, accepted=6, problems=0) + "\n"
                               + i18n.t("ingest.cli_dry_run", lang))
    if command == "names":
        out = cli("names", "withdraw", "99", "--store", str(seeded["store"]), *lang_args)
        return out, "stderr", i18n.t("cli_error.line", lang, message=i18n.t("cli_error.no_decision", lang,
                                                                              decision="'99'"))
    if command == "users":
        out = cli("users", "add", "mina", "--role", "viewer", "--password-stdin", *lang_args,
                  stdin="another long password\n", db=tmp_path / "users.sqlite")
        role = "viewer" if lang == "en" else i18n.t("role.viewer", lang)
        return out, "stdout", i18n.t("cli.user_added", lang, username="mina", role=role)
    if command == "backup":
        out = cli("backup", str(tmp_path / "b.tar.gz"), "--store", str(seeded["store"]), *lang_args)
        return out, "stdout", i18n.t("cli.backed_up", lang, files=shown(1, lang), path=str(tmp_path / "b.tar.gz"))
    if command == "restore":
        out = cli("restore", str(seeded["backup"]), "--store", str(tmp_path / "r"), *lang_args)
        return out, "stdout", i18n.t("cli.restored", lang, path=str(tmp_path / "r"))
    assert command == "brief"  # refused before any PDF is made: no such upazila (or no fonts here)
    from analytics.report import brief

    out = cli("brief", "--out", str(tmp_path / "b.pdf"), "--upazila", "Atlantis", "--store", str(tmp_path / "s"),
              *lang_args)
    key, values = (("bad_upazila", {"given": "Atlantis"}) if brief.fonts_available()
                   else ("brief_fonts", {"path": str(brief.FONT_DIR)}))
    return out, "stderr", i18n.t("cli_error.line", lang, message=i18n.t(f"cli_error.{key}", lang, **values))


@pytest.mark.parametrize("lang", ["bn", "en"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_typical_message_of_each_command(command, lang, seeded, tmp_path):
    out, stream, expected = message_case(command, lang, seeded, tmp_path)
    text = getattr(out, stream)
    assert out.returncode == (2 if command in ("names", "brief") else 0), out.stderr
    assert expected in text, (expected, text)
    assert "Traceback" not in out.stdout + out.stderr
    if command in ("sample", "uploads"):
        return  # machine output: checked below to be the same in both languages
    assert_in_language(text, lang)


@pytest.mark.parametrize("args", [
    ["summary", "--json"], ["uploads"], ["names", "list"], ["names", "list", "--json"], ["users", "list"],
    ["sample", "--formats", "csv"],
], ids=" ".join)
def test_what_programs_read_is_the_same_in_every_language(args, seeded, tmp_path):
    def run(*lang: str) -> subprocess.CompletedProcess:
        place = {"sample": ["--out", str(tmp_path / "sample")], "users": []}.get(args[0],
                                                                                 ["--store", str(seeded["store"])])
        return cli(*args, *place, *lang, db=seeded["db"])

    english, bengali = run(), run("--lang", "bn")
    assert english.returncode == bengali.returncode == 0, english.stderr + bengali.stderr
    assert bengali.stdout == english.stdout and english.stdout.strip()
    if "--json" in args:
        json.loads(bengali.stdout)


# -- errors and prompts ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_usage_errors_of_ingest_and_users(lang, seeded, tmp_path):
    names = tmp_path / "names.csv"
    names.write_text("kind,value,decision\nservice,Misc online work,Pizza delivery\nplace,x,y\n", encoding="utf-8")
    out = cli("ingest", str(TEMPLATE), "--store", str(tmp_path / "s"), "--names", str(names), "--lang", lang)
    expected = {"en": "error: names.csv line 2: “Pizza delivery” is not a service code or name; names.csv line 3: "
                      "kind must be one of service, union, upazila, not “place”",
                "bn": "ত্রুটি: names.csv, লাইন ২: “Pizza delivery” নামে বা কোডে কোনো সেবা নেই; names.csv, লাইন ৩: "
                      "kind হতে হবে service, union, upazila-এর একটি, “place” নয়"}[lang]
    assert out.returncode == 2 and out.stderr == expected + "\n"
    cases = [(("add", "rina"), "a long password", "user_exists", {"username": "rina"}),
             (("add", "mina"), "short", "short_password", {"minimum": 10}),
             (("add", "r!"), "a long password", "bad_username", {}),
             (("remove", "nobody"), "", "no_user", {"username": "nobody"}),
             (("remove", "adil"), "", "last_admin", {"username": "adil"}),
             (("passwd",), "", "needs_username", {"action": "passwd"})]
    for args, password, key, values in cases:
        out = cli("users", *args, "--password-stdin", "--lang", lang, stdin=password + "\n", db=seeded["db"])
        assert out.returncode == 2 and not out.stdout
        assert out.stderr == i18n.t("cli_error.line", lang, message=i18n.t(f"cli_error.{key}", lang, **values)) + "\n"
        assert_in_language(out.stderr, lang)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_password_prompts_are_in_the_language(lang, monkeypatch):
    asked = []
    answers = iter(["first long password", "second long password"])
    monkeypatch.setattr(admin.getpass, "getpass", lambda prompt: asked.append(prompt) or next(answers))
    monkeypatch.setattr(admin.sys.stdin, "isatty", lambda: True)  # typed at a terminal
    args = argparse.Namespace(password_stdin=False, lang=lang, action="add")
    with pytest.raises(admin._Refused) as refused:
        admin._password(args)
    assert asked == [i18n.t("cli.password_prompt", lang), i18n.t("cli.password_again", lang)]
    assert refused.value.key == "passwords_differ"
    assert_in_language("".join(asked), lang)


def test_a_usage_error_shows_its_parts_in_the_language():
    error = UsageError(("no_such_file", {"paths": "a.csv"}), "as written", ("names_bad_kind", {
        "file": "n.csv", "line": 1234, "kinds": "service", "kind": "x"}))
    assert str(error) == error.text("en") == "no such file: a.csv; as written; n.csv line 1234: kind must be one " \
                                             "of service, not “x”"
    assert error.text("bn") == "এমন কোনো ফাইল নেই: a.csv; as written; n.csv, লাইন ১২৩৪: kind হতে হবে " \
                               "service-এর একটি, “x” নয়"


@pytest.mark.parametrize("line, expected", [
    (["ingest", "a.csv", "--store", "s"], "a.csv"),
    (["--lang", "bn", "ingest", "a.csv"], "a.csv"),
    (["ingest", "--store", "s", "--names", "n.csv", "a.csv"], "a.csv"),
    (["ingest", "--dry-run", "a.csv", "b.csv"], "a.csv"),
    (["ingest", "--store=s", "b.csv", "a.csv"], "b.csv"),
    (["ingest", "--names", "n.csv"], None),  # only an option's value
    (["ingest", "missing.csv", "a.csv"], "a.csv"),  # not a file
    (["summary", "--store", "s"], None),
])
def test_the_file_an_ingest_reads_first_is_guessed_before_parsing(tmp_path, monkeypatch, line, expected):
    for name in ("a.csv", "b.csv", "n.csv"):
        (tmp_path / name).write_text("x")
    (tmp_path / "s").mkdir()
    monkeypatch.chdir(tmp_path)
    assert argv.first_file(line) == (str(tmp_path / expected) if expected else None)


@pytest.mark.parametrize("command", [["summary"], ["ingest", "tests/data/ingest/good/template_en.csv"]])
@pytest.mark.parametrize("delay", [0.2, 0.35, 0.5])
def test_ctrl_c_while_starting_is_one_line_and_status_130(tmp_path, command, delay):
    """Ctrl-C at any moment of a command's start (its imports, the reader starting, the parser being
    built): one line in the language and status 130 (or, if it had finished, its own status), no traceback."""
    import signal
    import time

    root = Path(__file__).resolve().parent.parent
    # (once run, Python's own start, before the command's first line, takes a few hundredths of a second)
    subprocess.run([sys.executable, "-m", "analytics", "--help"], cwd=root, capture_output=True, check=True)
    (tmp_path / "s").mkdir()  # (a new store: an empty folder)
    child = subprocess.Popen([sys.executable, "-m", "analytics", *command, "--store", str(tmp_path / "s"), "--lang", "bn"],
                             cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    err = child.communicate(timeout=60)[1]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    if child.returncode == 130:  # (an ingest says its upload is not stored; another command that it was interrupted)
        key = "cli_error.interrupted" if command[0] == "ingest" else "cli_error.interrupted_other"
        assert err == i18n.t("cli_error.line", "bn", message=i18n.t(key, "bn")) + "\n"
    else:
        assert child.returncode == 0, err


@pytest.mark.parametrize("delay", [0.2, 0.45])
def test_sigterm_is_said_as_an_interruption_with_status_143_and_stores_nothing(tmp_path, delay):
    """SIGTERM (``timeout``, ``kill``, a service stopped) while an ingest starts or checks a file: one
    line, status 143, no upload stored and no reader process left behind (the review: it ended silently)."""
    import signal
    import time

    root = Path(__file__).resolve().parent.parent
    rows = ["Date,Upazila,Union,Entrepreneur ID,Service,Fee"] + [
        f"0{1 + i % 9}/08/2023,Nazirpur,Deulbari Dobra,UDC-{i % 7},Birth registration,{50 + i % 3}" for i in range(800_000)]
    log = tmp_path / "big.csv"
    log.write_text("\n".join(rows) + "\n")
    store = tmp_path / "s"
    store.mkdir()
    child = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(log), "--store", str(store), "--lang", "en"],
                             cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    time.sleep(delay)
    child.send_signal(signal.SIGTERM)  # (to the command alone, as `timeout` and `kill` send it)
    err = child.communicate(timeout=60)[1]
    if child.returncode == 0:  # (a machine fast enough to finish first)
        pytest.skip(f"the ingest was stored before the signal came: {err[-200:]}")
    assert child.returncode == 143, err
    assert err == "error: interrupted; an upload that was not finished was not stored\n"
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.killpg(child.pid, 0)  # (the reader it started is in its session)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("a process of the interrupted ingest is still running")
    listed = subprocess.run([sys.executable, "-m", "analytics", "uploads", "--store", str(store), "--lang", "en"],
                            cwd=root, capture_output=True, text=True, check=True).stdout
    assert listed.splitlines()[1:] == [], listed


@pytest.mark.parametrize(("line", "files", "error"), [
    (["ingest", "a.csv", "--store", "s", "b.csv"], ["a.csv", "b.csv"], None),
    (["ingest", "a.csv", "--dry-run", "b.csv", "--mode", "replace", "c.xlsx"], ["a.csv", "b.csv", "c.xlsx"], None),
    (["ingest", "--store", "s", "a.csv", "b.csv"], ["a.csv", "b.csv"], None),
    (["ingest", "a.csv", "--stoer", "s"], None, "unrecognized arguments: --stoer s"),  # a slip is still refused
    (["summary", "extra"], None, "unrecognized arguments: extra"),
])
def test_files_may_be_named_on_both_sides_of_an_option(line, files, error, capsys):
    parser = build_parser("en")
    if error is None:
        assert parser.parse_args(line).files == files
        return
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(line)
    assert exit_.value.code == 2
    assert error in capsys.readouterr().err


def test_an_error_polars_raises_after_a_ctrl_c_is_said_as_the_interruption(monkeypatch, capsys):
    """Ctrl-C inside a polars callback: Python swallows the KeyboardInterrupt ("Exception ignored in ...")
    and polars raises a TypeError; that is the interruption (exit 130), not an internal error."""
    import signal

    from analytics.cli import interrupt
    from analytics.cli import main as cli_main

    pressed = [True]

    def run(args):
        if pressed:
            try:
                interrupt._on_interrupt(signal.SIGINT, None)
            except KeyboardInterrupt:  # swallowed, as in a callback from Rust
                pass
        raise TypeError("polars, half done")

    monkeypatch.setattr(interrupt, "_SEEN", [])
    monkeypatch.setattr(cli_main, "cmd_summary", run)
    assert cli_main.main(["summary", "--lang", "en"]) == 130  # (the review: a summary spoke of an upload)
    assert capsys.readouterr().err == "error: interrupted\n"
    pressed.clear()
    monkeypatch.setattr(interrupt, "_SEEN", [])  # without a Ctrl-C the same error is an internal one
    monkeypatch.setattr(cli_main, "_log_internal", lambda argv: None)
    assert cli_main.main(["summary", "--lang", "en"]) == 1


def test_the_command_lines_log_is_its_owners_alone(tmp_path, monkeypatch):
    """The review: tracebacks (which may quote a file's cells) went to a log in the shared temporary
    folder that everyone could read."""
    from analytics.cli.main import _log_internal

    monkeypatch.setenv("SEBA_ATLAS_CLI_LOG", str(tmp_path / "cli.log"))
    try:
        raise ValueError("a cell's text")
    except ValueError:
        assert _log_internal(["summary"]) == str(tmp_path / "cli.log")
    assert (tmp_path / "cli.log").stat().st_mode & 0o777 == 0o600
    assert "a cell's text" in (tmp_path / "cli.log").read_text()


@pytest.mark.parametrize("name", ["a\nb.csv", "tab\there.csv", 'quote"d.csv'])
def test_uploads_lists_one_line_per_upload_whatever_its_file_is_named(tmp_path, name):
    """The review: a file name with a line break broke the tab-separated listing across two lines."""
    log = tmp_path / name
    log.write_text("Date,Upazila,Union,Entrepreneur ID,Service,Fee\n"
                   "05/07/2023,Nazirpur,Deulbari Dobra,UDC-1,Birth registration,50\n", encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    run = lambda *a: subprocess.run([sys.executable, "-m", "analytics", *a, "--store", str(tmp_path / "s")],  # noqa: E731
                                    cwd=root, capture_output=True, text=True)
    assert run("ingest", str(log)).returncode == 0
    lines = run("uploads").stdout.splitlines()
    assert len(lines) == 2 and all(len(line.split("\t")) == 9 for line in lines), lines
    assert lines[1].split("\t")[1] == " ".join(name.split())
