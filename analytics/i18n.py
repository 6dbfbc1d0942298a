"""Bengali and English: one string table, one number/date formatter.

Strings live in ``analytics/strings/*.toml`` (one file per concept, every key with ``en`` and
``bn``), read once. Numbers follow South Asian grouping (1,24,080) in both languages and
Bengali digits in Bengali; taka amounts can be written the way officials read them
(৩৮ লাখ ৪৯ হাজার ১৬৮ টাকা).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

LANGS = ("bn", "en")
DEFAULT_LANG = "bn"
STRINGS_DIR = Path(__file__).with_name("strings")

#: The ten digits, ASCII and Bengali, index for index (the one digit table of the project).
ASCII_DIGITS, BN_DIGITS = "0123456789", "০১২৩৪৫৬৭৮৯"
#: ``str.translate`` tables: ASCII digits to Bengali, Bengali digits to ASCII.
TO_BN_DIGITS = str.maketrans(ASCII_DIGITS, BN_DIGITS)
FROM_BN_DIGITS = str.maketrans(BN_DIGITS, ASCII_DIGITS)
_BN_MONTHS = ("জানুয়ারি", "ফেব্রুয়ারি", "মার্চ", "এপ্রিল", "মে", "জুন", "জুলাই", "আগস্ট",
              "সেপ্টেম্বর", "অক্টোবর", "নভেম্বর", "ডিসেম্বর")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


@cache
def strings() -> dict[str, dict[str, str]]:
    """Every key of every ``strings/*.toml`` file -> {lang: text}."""
    table: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            for key, texts in tomllib.load(handle).items():
                if key in table:
                    raise ValueError(f"string key {key!r} defined twice ({path.name})")
                table[key] = texts
    return table


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


#: English nouns written after a count in the messages ("{rows} rows"), and their singular for a count of 1.
_SINGULAR = {"rows": "row", "problems": "problem", "lines": "line", "beneficiaries": "beneficiary",
             "uploads": "upload", "files": "file", "entrepreneurs": "entrepreneur", "days": "day", "unions": "union",
             "services": "service", "decisions": "decision", "quarters": "quarter", "names": "name",
             "headings": "heading"}
_COUNTED = re.compile(r"\{(\w+)\} (" + "|".join(_SINGULAR) + r")\b(?: (are|were|have|repeat|use)\b)?")
#: the verb after a count of one ("1 row is left out", "1 row repeats another")
_VERB_ONE = {"are": "is", "were": "was", "have": "has", "repeat": "repeats", "use": "uses"}


def t(key: str, lang: str, /, **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{placeholders}`` filled in.

    Numbers passed as values are formatted for the language by :func:`number`; in English, a noun
    written after a count of one is singular ("1 row", "1 problem").
    """
    texts = strings()[key]
    text = texts.get(normalise_lang(lang)) or texts["en"]
    if not values:
        return text
    if normalise_lang(lang) == "en" and "{" in text:
        text = _COUNTED.sub(lambda m: f"{{{m[1]}}} {_SINGULAR[m[2]]}" + (f" {_VERB_ONE[m[3]]}" if m[3] else "")
                            if str(values.get(m[1])) == "1" else m[0], text)
    shown = {
        name: number(value, lang=lang) if isinstance(value, int) and not isinstance(value, bool)
        else value
        for name, value in values.items()
    }
    text = text.format(**shown)
    return _GENITIVE.sub(_genitive, text) if normalise_lang(lang) == "bn" and "-এর" in text else text


#: "-এর" after a Bengali word, as the messages write it after a name ("{upazila}-এর"): the word takes
#: the genitive as Bengali writes it ("ভান্ডারিয়ার", "পিরোজপুর সদরের", "টাকার"); after digits, Latin
#: letters, ৎ or ং the hyphen stays ("১৫,০০০-এর", "ID-এর")
_GENITIVE = re.compile(r"([\u0985-\u0994\u0995-\u09B9\u09BC\u09BE-\u09CC\u09D7\u09DC-\u09DF])-এর")


def _genitive(match: re.Match) -> str:
    letter = match[1]
    vowel = "\u0985" <= letter <= "\u0994" or "\u09BE" <= letter <= "\u09CC" or letter == "\u09D7"
    return letter + ("র" if vowel else "ের")


def bn_digits(text: str) -> str:
    return text.translate(TO_BN_DIGITS)


def ascii_digits(text: str) -> str:
    """Bengali (and other Unicode decimal) digits to ASCII."""
    out = text.translate(FROM_BN_DIGITS)
    if out.isascii():
        return out
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None
                   else ch for ch in out)


def group_lakh(digits: str) -> str:
    """'124080' -> '1,24,080' (last three, then pairs)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = [head[max(0, i - 2):i] for i in range(len(head), 0, -2)][::-1]
    return ",".join(pairs + [tail])


def number(value: int | Decimal | float, *, lang: str, decimals: int = 0) -> str:
    """A number with lakh grouping; Bengali digits in Bengali."""
    if isinstance(value, float) and value != value:  # NaN
        return "–"
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    negative = exact < 0
    text = f"{abs(exact):.{decimals}f}"
    whole, _, frac = text.partition(".")
    out = ("-" if negative else "") + group_lakh(whole) + (f".{frac}" if frac else "")
    return bn_digits(out) if lang == "bn" else out


def row_spans(rows: list[int], *, lang: str, most: int = 5) -> str:
    """Row numbers as runs ("3–6, 9, 12–14"), the first ``most`` runs and "…" after them."""
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    text = [number(a, lang=lang) if a == b else f"{number(a, lang=lang)}–{number(b, lang=lang)}" for a, b in runs]
    return ", ".join(text[:most]) + (", …" if len(text) > most else "")


def taka(paisa: int, *, lang: str, words: bool = False) -> str:
    """Money from paisa: '৳3,849,168'-style text in the language's grouping.

    ``words=True`` gives the official reading: '৩৮ লাখ ৪৯ হাজার ১৬৮ টাকা' /
    'Tk 38 lakh 49 thousand 168'.
    """
    whole, rest = divmod(abs(paisa), 100)
    sign = "-" if paisa < 0 else ""
    if words:
        crore, rem = divmod(whole, 10_000_000)
        lakh, rem = divmod(rem, 100_000)
        thousand, unit = divmod(rem, 1000)
        names = {"bn": ("কোটি", "লাখ", "হাজার"), "en": ("crore", "lakh", "thousand")}[normalise_lang(lang)]
        parts = [f"{number(n, lang=lang)} {name}" for n, name in zip((crore, lakh, thousand), names) if n]
        if unit or not parts:
            parts.append(number(unit, lang=lang))
        body = " ".join(parts)
    else:
        body = number(whole, lang=lang)
    if rest:
        body += "." + (bn_digits(f"{rest:02d}") if lang == "bn" else f"{rest:02d}")
    return f"{sign}{body} টাকা" if lang == "bn" else f"{sign}Tk {body}"


def percent(value: float | None, *, lang: str, signed: bool = False) -> str:
    if value is None:
        return "–"
    # rounded as :func:`number` rounds (half up, on the decimal written), not as float formatting does
    # grouped as numbers are (+2,240.6%); a fall with a minus sign, as the headline changes write it
    shown = Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    whole, _, tenth = f"{abs(shown):.1f}".partition(".")
    # signed: the sign of the change itself, as its arrow is (a fall of 0.03% is "−0.0%", never "▼ +0.0%")
    sign = ("+" if value > 0 else "−" if value < 0 else "") if signed else ("-" if shown < 0 else "")
    text = f"{sign}{group_lakh(whole)}.{tenth}%"
    return bn_digits(text) if lang == "bn" else text


def day(value: date, *, lang: str) -> str:
    """'1 July 2022' / '১ জুলাই ২০২২'."""
    if lang == "bn":
        return f"{bn_digits(str(value.day))} {_BN_MONTHS[value.month - 1]} {bn_digits(str(value.year))}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def month(value: date, *, lang: str) -> str:
    """'July 2022' / 'জুলাই ২০২২' (``value``'s month)."""
    if lang == "bn":
        return f"{_BN_MONTHS[value.month - 1]} {bn_digits(str(value.year))}"
    return f"{_EN_MONTHS[value.month - 1]} {value.year}"


#: The office's time zone: stored times are UTC, people read Dhaka time (UTC+6, no daylight saving).
OFFICE_TZ = "Asia/Dhaka"


def local_time(value: datetime | str) -> datetime:
    """A stored time (an aware datetime, or ISO text as the store writes it; naive means UTC) in Dhaka."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(OFFICE_TZ)
    except Exception:  # no time zone database: Dhaka has kept UTC+6 since 2009
        zone = timezone(timedelta(hours=6))
    return moment.astimezone(zone)


def moment(value: datetime | str | None, *, lang: str) -> str:
    """A stored time as people read it, in Dhaka time: '29 November 2026, 13:05' /
    '২৯ নভেম্বর ২০২৬, ১৩:০৫' ("–" for none; text that is not a time is shown as it is)."""
    if value is None or value == "":
        return "–"
    try:
        local = local_time(value)
    except (TypeError, ValueError):
        return str(value)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    return f"{day(local.date(), lang=lang)}, {bn_digits(clock) if lang == 'bn' else clock}"


_MARKDOWN_SPECIAL = {ord(ch): "\\" + ch for ch in "\\`*_{}[]()<>#+-!|~$&=\"'"}
# an invisible word joiner after the characters that make an autolink ("http://", "www.", "a@b"):
# the text looks and reads the same, but no URL or address in it is turned into a link
_MARKDOWN_SPECIAL.update({ord(ch): "\\" + ch + "\u2060" for ch in ":.@"})


def plain(text: object) -> str:
    """``text`` to show inside Streamlit's Markdown (messages, notices, widget labels) exactly as
    written: every character Markdown or its HTML and LaTeX extensions act on is escaped (and
    ``: . @`` followed by an invisible word joiner, so that no URL or address is linked), so a file's
    heading such as ``[x](http://…)`` or ``![](http://…/a.png)`` is shown, never a link or an
    image. Line breaks become spaces."""
    return " ".join(str(text).split()).translate(_MARKDOWN_SPECIAL)
