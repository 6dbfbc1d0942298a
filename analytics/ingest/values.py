"""Cell values as people type them, to canonical values: vectorised polars expressions.

Everything here takes an expression over *text* (every cell is read as text) and returns an
expression; nothing raises on bad input, a value that cannot be read becomes null and the
caller reports it. The ingest pipeline applies these to the *unique* values of a column and
joins the result back, so even a million-row file parses only a few thousand strings.

- :func:`clean`: trims, removes invisible characters and Excel's leading apostrophe, NFC.
- :func:`money_paisa` / :func:`money_problem`: "1,24,080", "১২৫.৫০", "৳ 50", "Tk. 50/-"
  -> exact paisa (integer arithmetic on the digit strings, never float).
- :func:`count_value` / :func:`count_problem`: counts, "১২", "1,240", Excel's "12.0".
- :func:`parse_date`: ISO, dd/mm/yyyy, dd-mm-yy, dd.mm.yyyy, "01-Jul-2022", "১ জুলাই ২০২২",
  Excel serial numbers and Excel datetime cells ("2022-07-01 00:00:00").
- :func:`month_start`: summary-sheet months ("July 2022", "জুলাই ২০২২", "2022-07", "7" + year).
- :func:`channel_value`, :func:`gender_value`: the words in both languages.
- :func:`identifier`: an entrepreneur's ID in one spelling (ASCII digits, upper case);
  :func:`identifier_key`: what two spellings of one ID share.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from analytics.i18n import ASCII_DIGITS, BN_DIGITS, OFFICE_TZ, ascii_digits
from analytics.reference.periods import FY_RE, Period, first_of_month

_INVISIBLE = r"[\u200b\u200e\u200f\u2060\ufeff\u00ad\u202a-\u202e\u2066-\u2069]"
#: Joiners (ZWNJ, ZWJ) shape Bengali letters inside a word: kept there, dropped where they join nothing
#: (a cell's ends, after a digit: "১\u200d", as some keyboards leave them).
_LOOSE_JOINERS = r"^[\u200c\u200d]+|[\u200c\u200d]+$|(\d)[\u200c\u200d]+"
#: Text starting with one of these (= + - @ TAB CR) is a formula to a spreadsheet (a regex).
FORMULA_START = r"^[=+\-@\t\r]"
_NUMBER = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$"

MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    ("january", "jan", "জানুয়ারি", "জানুয়ারী", "জানুয়ারি"),
    ("february", "feb", "ফেব্রুয়ারি", "ফেব্রুয়ারী", "ফেব্রুয়ারি", "ফেব্রুয়ারী"),
    ("march", "mar", "মার্চ"),
    ("april", "apr", "এপ্রিল"),
    ("may", "মে"),
    ("june", "jun", "জুন"),
    ("july", "jul", "জুলাই"),
    ("august", "aug", "আগস্ট", "আগষ্ট", "অগাস্ট"),
    ("september", "sep", "sept", "সেপ্টেম্বর", "সেপ্টেম্বর"),
    ("october", "oct", "অক্টোবর", "অক্টোবর"),
    ("november", "nov", "নভেম্বর"),
    ("december", "dec", "ডিসেম্বর"),
), start=1):
    for _name in _names:
        MONTHS[unicodedata.normalize("NFC", _name)] = _number

CHANNEL_WORDS: dict[str, str] = {
    "udc": "udc", "ইউডিসি": "udc", "uniondigitalcentre": "udc", "uniondigitalcenter": "udc",
    "ইউনিয়নডিজিটালসেন্টার": "udc", "ডিজিটালসেন্টার": "udc", "digitalcentre": "udc",
    "digitalcenter": "udc", "uisc": "udc", "উদ্যোক্তা": "udc",
    "frontdesk": "front_desk", "ফ্রন্টডেস্ক": "front_desk", "dcoffice": "front_desk",
    "ডিসিঅফিস": "front_desk", "dcofficefrontdesk": "front_desk", "fd": "front_desk",
    "জেলাইসেবাকেন্দ্র": "front_desk", "districtservicecentre": "front_desk",
    "districteservicecentre": "front_desk", "esebakendro": "front_desk", "eshebakendro": "front_desk",
    "জেলাপ্রশাসকেরকার্যালয়": "front_desk", "জেলাপ্রশাসকেরকার্যালয়ফ্রন্টডেস্ক": "front_desk",
    "ইসেবাকেন্দ্র": "front_desk", "frontdeskdcoffice": "front_desk",
}
GENDER_WORDS: dict[str, str] = {
    "female": "female", "f": "female", "woman": "female", "women": "female", "নারী": "female", "নারি": "female",
    "মহিলা": "female", "ম": "female",
    "male": "male", "m": "male", "man": "male", "men": "male", "পুরুষ": "male", "পু": "male",
    # abbreviated with a visarga or anusvara ("পুঃ", "মঃ"), and the Bengali words in Latin letters
    "পুঃ": "male", "পুং": "male", "মঃ": "female", "মহিঃ": "female", "purush": "male", "purus": "male",
    "mohila": "female", "mahila": "female", "nari": "female",
}


def word_key(text: str) -> str:
    """Python twin of :func:`word_key_expr`: NFC, lower case, letters/marks/digits only.

    The *literal* key: unlike :func:`analytics.reference.names.key` (free-text names), on purpose no
    spelling folds, stems or filler words, so fixed words (headings, channels, genders) and
    "written exactly as in the catalogue" compare as written; and it must stay what polars
    computes vectorised in :func:`word_key_expr`."""
    text = unicodedata.normalize("NFC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def word_key_expr(expr: pl.Expr) -> pl.Expr:
    """Matching key of a word: NFC, lower case, without spaces and punctuation."""
    return expr.str.normalize("NFC").str.to_lowercase().str.replace_all(r"[^\p{L}\p{M}\p{N}]", "")


def clean(expr: pl.Expr) -> pl.Expr:
    """Trim, drop invisible characters and one leading apostrophe (Excel's text marker), the ="…"
    around a CSV cell that Excel keeps as text, NFC.

    Empty or blank cells, and cells holding only dashes ("-", "—": "nothing here"), become
    null. Inner whitespace runs become one space.
    """
    text = _trimmed(expr)
    return pl.when((text.str.len_chars() > 0) & ~text.str.contains(_DASHES)).then(text)


_DASHES = r"^[-‐‑–—]+$"


def _trimmed(expr: pl.Expr) -> pl.Expr:
    # (="05/07/2023": Excel's way to keep a CSV cell as text, which opens as the text inside)
    return (expr.cast(pl.String).str.replace_all(_INVISIBLE, "").str.normalize("NFC")
            .str.replace_all(r"\s+", " ").str.strip_chars().str.replace_all(_LOOSE_JOINERS, "${1}")
            .str.strip_chars().str.strip_prefix("'").str.strip_chars()
            .str.replace(r'^="([^"]*)"$', "${1}").str.strip_chars())


def dash_only(expr: pl.Expr) -> pl.Expr:
    """True for a cell holding only dashes ("-", "—"), which :func:`clean` makes null."""
    return _trimmed(expr).str.contains(_DASHES).fill_null(False)


#: A fee written as free ("Free", "ফ্রি", "বিনামূল্যে", "No fee"): Tk 0, as a dash is
_FREE = r"(?i)^(?:free(?:\s+of\s+(?:cost|charge))?|no\s+(?:fee|charge)|ফ্রি|বিনা\s*মূল্যে|বিনামূল্যে|ফি\s*নেই)\.?$"
#: A fee written as a word for nothing there ("নাই", "N/A", "nil"): as an empty cell (a free
#: service's is Tk 0; a paid service's is asked for: it may be a fee not known)
_NOTHING = r"(?i)^(?:nil|none|n/?a|নাই|নেই)\.?$"


def no_fee(expr: pl.Expr) -> pl.Expr:
    """True for a money cell holding a dash ("-", "—") or a word for free ("Free", "বিনামূল্যে"):
    nil, as in any account book, Tk 0 (not a missing fee)."""
    return dash_only(expr) | _trimmed(expr).str.contains(_FREE).fill_null(False)


def nothing(expr: pl.Expr) -> pl.Expr:
    """True for a cell holding a word for nothing there ("নাই", "N/A", "nil"): read as empty."""
    return _trimmed(expr).str.contains(_NOTHING).fill_null(False)


#: Full-width digits (０-９), as some input methods type them
WIDE_DIGITS = "".join(chr(0xFF10 + i) for i in range(10))


def digits(expr: pl.Expr) -> pl.Expr:
    """Bengali (and full-width) digits to ASCII."""
    return expr.str.replace_many(list(BN_DIGITS + WIDE_DIGITS), list(ASCII_DIGITS * 2))


def identifier(expr: pl.Expr) -> pl.Expr:
    """An ID (an entrepreneur's) in one spelling: ASCII digits, upper case, no spaces and no
    invisible characters, so that "prj-naz-০১", "PRJ - NAZ - 01" and "PRJ-NAZ-01" are one person,
    and so is an ID copied from Bengali text with a joiner (U+200C, U+200D) left at its end, or with
    the dashes Word or a PDF put in ("PRJ–NAZ–01", a minus sign, a non-breaking hyphen)."""
    return digits(expr).str.to_uppercase().str.replace_all(r"[\s\p{Cf}]+", "").str.replace_all(r"\p{Pd}|−", "-")


def identifier_key(expr: pl.Expr) -> pl.Expr:
    """What two spellings of one ID (each :func:`identifier` already) share: its letters and digits
    alone, without the leading zeros Excel drops from a number. "UDC-10798766-M", "UDC/10798766/M"
    and "UDC10798766M" are one person, and so are "01612345672" and 1612345672 (a mobile number
    typed into a number cell). Empty for an ID of no letter or digit."""
    return expr.str.replace_all(r"[^\p{L}\p{M}\p{N}]", "").str.replace(r"^0+(.)", "$1")


def rounded_number(expr: pl.Expr) -> pl.Expr:
    """Whether a text is a number as Excel shows one too long for its cell and saves it so in a CSV
    file ("1.07981E+12", "1E+12"): its last digits are lost (an ID of 13 digits, read so, is
    another person's)."""
    return digits(expr).str.contains(r"(?i)^\s*\d(?:\.\d+)?E\+?\d+\s*$")


def number_text(expr: pl.Expr, *, money: bool = False) -> pl.Expr:
    """Canonical numeric text: ASCII digits, no grouping commas, no currency words.

    Grouping commas are removed only where they group correctly, Indian (1,24,080) or
    international (124,080) style; "12,5" stays as it is (and so is not a number). So are spaces
    between digits ("1 250"); "1 0" stays as it is.
    """
    text = digits(expr)
    if money:
        # (a currency word may stand right after the number: "50Tk", "50taka")
        # "Tk 40 only", "টাঃ ৫০" (taka abbreviated), "1200.-" and "50/=" (nothing after the taka)
        text = text.str.replace_all(r"(?i)৳|tk[.:=]?|taka|bdt|টাকা|টাঃ|টা\.|/-|/=|=/|\.-$|\.=$|মাত্র|\bonly\b", "")
    # spaces: none at the ends nor beside a sign, a bracket, a comma or a point ("Tk 40", "1, 250",
    # "( 50 )"); between digits only as the grouping of thousands ("1 250", "1 24 080", a no-break or
    # thin space as a French or Swiss Excel writes them): "1 0" or "50 50" is no number, not 10 or 5050
    text = text.str.strip_chars().str.replace_all(r"\s*([^\d\s])\s*", "$1")
    spaced = r"^[-+]?(?:\d{1,2}(?:\s\d{2})*\s\d{3}|\d{1,3}(?:\s\d{3})+)(?:\.\d*)?$"
    text = pl.when(text.str.contains(spaced)).then(text.str.replace_all(r"\s", "")).otherwise(text)
    text = text.str.replace(r"^\((.+)\)$", "-$1")  # accounting negative: (50)
    grouped = r"^([-+]?)(\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+)(\.\d*)?$"
    return pl.when(text.str.contains(grouped)).then(text.str.replace_all(",", "")).otherwise(text)


#: The values Excel shows for a formula that failed.
EXCEL_ERROR = r"^#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!|GETTING_DATA)$"


#: Control characters no one types (NUL among them): a cell holding one was damaged on its way (a regex).
CONTROL = r"[\x00-\x08\x0e-\x1f\x7f]"  # (not VT or FF: line breaks, read as a space)


def cell_problem(expr: pl.Expr) -> pl.Expr:
    """For a cell that should hold a value (a date, a number): 'damaged' (:data:`CONTROL`),
    'excel_error' for an error Excel shows (``#N/A``), 'not_calculated' for a formula without its
    result (``=1+2``: the reader gives such a cell as its formula), null otherwise."""
    return (pl.when(expr.str.contains(CONTROL)).then(pl.lit("damaged"))
            .when(expr.str.contains(EXCEL_ERROR)).then(pl.lit("excel_error"))
            .when(expr.str.starts_with("=") & formula_like(expr)).then(pl.lit("not_calculated")))


def money_problem(expr: pl.Expr) -> pl.Expr:
    """For non-null cleaned text: 'excel_error', 'not_calculated' (:func:`cell_problem`),
    'fee_decimal_comma' (paisa after a comma, "12,50", as a European Excel writes them: no grouping
    of Bangladesh or anywhere has two digits last, so no amount is guessed), 'fee_not_number',
    'fee_decimals', 'fee_negative' or null."""
    text = number_text(expr, money=True)
    frac = text.str.extract(r"\.(\d*)$")
    return (pl.when(expr.is_null()).then(None)
            .when(cell_problem(expr).is_not_null()).then(cell_problem(expr))
            .when(text.str.contains(r"^[-+]?\d+,\d{1,2}$")).then(pl.lit("fee_decimal_comma"))
            .when(~text.str.contains(_NUMBER)).then(pl.lit("fee_not_number"))
            .when(frac.str.len_chars().fill_null(0) > 2).then(pl.lit("fee_decimals"))
            .when(text.str.starts_with("-") & text.str.contains(r"[1-9]")).then(pl.lit("fee_negative"))
            .when(text.str.extract(r"^[-+]?0*(\d*)").str.len_chars() > 13).then(pl.lit("fee_not_number")))


def money_paisa(expr: pl.Expr) -> pl.Expr:
    """Exact paisa (Int64) of a taka amount with at most two decimals; null otherwise."""
    text = number_text(expr, money=True)
    parts = text.str.extract_groups(r"^([-+]?)0*(\d{0,13})(?:\.(\d{0,2}))?$")
    whole = parts.struct.field("2").replace("", "0").cast(pl.Int64, strict=False)
    frac = parts.struct.field("3").fill_null("").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    sign = pl.when(parts.struct.field("1") == "-").then(-1).otherwise(1)
    return pl.when(text.str.contains(_NUMBER)).then(sign * (whole * 100 + frac))


#: A count's unit written after it: "২ জন" (persons, "2 jon"), "১টি" (pieces), "3 persons", "5 nos".
_COUNT_UNIT = r"(?i)\s*(?:জন|টি|টা|jon|persons?|people|nos?\.?|pcs\.?)$"


def count_value(expr: pl.Expr) -> pl.Expr:
    """Whole number (Int64) from text such as "১২", "1,240", "২ জন" or Excel's "12.0"; null otherwise."""
    text = number_text(expr.str.replace(_COUNT_UNIT, ""))
    parts = text.str.extract_groups(r"^([-+]?)0*(\d+)(?:\.0*)?$")
    sign = pl.when(parts.struct.field("1") == "-").then(-1).otherwise(1)
    # (a whole number of ten digits or more is a whole number still, beyond any count: 10⁹ stands for
    # it, so that it is refused as more people than an office serves, not as no number)
    written = parts.struct.field("2")
    return sign * pl.when(written.str.len_chars() > 9).then(pl.lit(10**9, pl.Int64)).otherwise(
        written.cast(pl.Int64, strict=False))


def count_problem(expr: pl.Expr) -> pl.Expr:
    """For non-null text: 'excel_error', 'not_calculated' (:func:`cell_problem`), 'count_not_number',
    'count_not_positive' or null."""
    value = count_value(expr)
    return (pl.when(expr.is_null()).then(None)
            .when(cell_problem(expr).is_not_null()).then(cell_problem(expr))
            .when(value.is_null()).then(pl.lit("count_not_number"))
            .when(value <= 0).then(pl.lit("count_not_positive")))


def month_number(expr: pl.Expr) -> pl.Expr:
    """A month's number (Int32) from its name in either language ("July", "Jul.", "জুলাই"); null otherwise."""
    word = expr.str.normalize("NFC").str.to_lowercase().str.strip_chars(".")
    return word.replace_strict(MONTHS, default=None, return_dtype=pl.Int32)


_DMY = r"^(\d{1,2})[-/.](\d{1,2})[-/.](?:\d{4}|\d{2})(?:[ T].*)?$"
#: How numeric dates are ordered: day-month-year is the office norm in Bangladesh.
DATE_ORDERS = ("dmy", "mdy", "ymd")


def _readings(texts: pl.Series) -> pl.DataFrame:
    """Each distinct numeric date text (n/n/yy(yy)) read both ways: ``text``, ``dmy``, ``mdy``."""
    unique = texts.drop_nulls().unique(maintain_order=True).alias("text").to_frame()
    numeric = digits(pl.col("text").str.strip_chars()).str.replace(_ERA, "").str.contains(_DMY)
    read = unique.filter(numeric).lazy()
    for stage in [*date_stages(pl.col("text"), "dmy", order="dmy"), *date_stages(pl.col("text"), "mdy", order="mdy")]:
        read = read.with_columns(**stage)
    return read.select("text", "dmy", "mdy").collect()


def date_order_evidence(texts: pl.Series) -> pl.DataFrame:
    """Per distinct numeric date text: is it a real date only day-first, only month-first, or either?

    Columns ``text`` and ``reads`` ("dmy_only", "mdy_only", "either"); texts that are not
    n/n/yy(yy) dates, or no real date either way (31/02/2023), are left out. Used to decide
    a file's order from *all* its dates.
    """
    dmy, mdy = pl.col("dmy").is_not_null(), pl.col("mdy").is_not_null()
    reads = pl.when(dmy & mdy).then(pl.lit("either")).when(dmy).then(pl.lit("dmy_only")).when(mdy).then(
        pl.lit("mdy_only"))
    return _readings(texts).select("text", reads.alias("reads")).filter(pl.col("reads").is_not_null())


def scattered_day_first(texts: pl.Series) -> dict[str, int] | None:
    """Numeric dates ``texts`` that all read either way, and read day first as no log's days are: on
    fewer days of the month than months (7/1 ... 7/12/2023 as the 7th of twelve months), while
    month first they are more days of fewer months (1 ... 12 July), in fewer fiscal quarters (July
    to June years). Not dates that are all the 1st of a month day first (a monthly summary's).
    The fiscal quarters each way (``"dmy"``, ``"mdy"``), or None."""
    return _scattered(_readings(texts), scattered="dmy", log="mdy")


def _scattered(both: pl.DataFrame, *, scattered: str, log: str) -> dict[str, int] | None:
    """Dates read two ways (columns ``scattered`` and ``log``) that read as no log's days are in
    the one, and as a log's in the other: on fewer days of the month than months (the 7th of
    February ... November), against more days of fewer months (2 ... 11 July) in fewer fiscal
    quarters. Not dates all the 1st of a month read the first way (a monthly summary's months).
    The fiscal quarters each way (by column name), or None."""
    both = both.drop_nulls([scattered, log])
    if both.is_empty():
        return None

    def shape(order: str) -> list[pl.Expr]:
        day = pl.col(order)
        return [(day.dt.year() * 12 + day.dt.month()).n_unique().alias(f"{order}_months"),
                day.dt.day().n_unique().alias(f"{order}_days"),
                ((day.dt.year() * 12 + day.dt.month() - 7) // 3).n_unique().alias(f"{order}_quarters"),
                (day.dt.day() == 1).all().alias(f"{order}_firsts")]

    got = both.select(*shape(scattered), *shape(log)).row(0, named=True)
    if got[f"{scattered}_firsts"] or not (got[f"{scattered}_months"] > got[f"{scattered}_days"]
                                          and got[f"{log}_months"] < got[f"{log}_days"]
                                          and got[f"{log}_quarters"] < got[f"{scattered}_quarters"]):
        return None
    return {scattered: got[f"{scattered}_quarters"], log: got[f"{log}_quarters"]}


def calendar_shaped(expr: pl.Expr, *, order: str = "dmy") -> pl.Expr:
    """Whether a date text is written day, month and year in numbers that could each be one, in the
    file's ``order`` (31/04/2024 day first, 04/31/2024 month first, 2024-04-31), so that a cell of it
    that is no date is a day the calendar does not have (April has 30). A date written year first
    (2024-04-31) reads so in any order."""
    text = digits(expr.cast(pl.String)).str.strip_chars()
    parts = text.str.extract_groups(r"^\d{4}[-/.](\d{1,2})[-/.](\d{1,2})$")
    month, day = parts.struct.field("1").cast(pl.Int32), parts.struct.field("2").cast(pl.Int32)
    year_first = (day.is_between(1, 31) & month.is_between(1, 12)).fill_null(False)
    if order == "ymd":
        return year_first
    parts = text.str.extract_groups(r"^(\d{1,2})[-/.](\d{1,2})[-/.](?:\d{2}|\d{4})$")
    first, second = parts.struct.field("1").cast(pl.Int32), parts.struct.field("2").cast(pl.Int32)
    day, month = (second, first) if order == "mdy" else (first, second)
    return (day.is_between(1, 31) & month.is_between(1, 12)).fill_null(False) | year_first


#: Letters of the Bijoy layout (SutonnyMJ and other ANSI Bengali fonts): Bengali typed with Bijoy is stored
#: as these Latin-1 and Windows-1252 signs ("cwi‡Rvcyi" for পিরোজপুর), which no Unicode name has.
BIJOY = r"[‡†ˆ‰Š‹ŒŽ˜™š›œžŸ¨ª¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ]"


def letters_lost(texts: pl.Series) -> pl.Series:
    """Whether each text is question marks where its letters were ("???? ??????"): Bengali saved by
    Excel as a plain "CSV (Comma delimited)" file, which keeps no letter outside the PC's own."""
    return texts.cast(pl.String).str.contains(r"^[?\s\d.,:;()/_-]*\?{2,}[?\s\d.,:;()/_-]*$").fill_null(False)


def bijoy(texts: pl.Series) -> pl.Series:
    """Whether each text looks like Bengali typed with Bijoy: its signs, and no Bengali letter."""
    text = texts.cast(pl.String)
    return (text.str.contains(BIJOY) & ~text.str.contains(r"[\u0980-\u09FF]")).fill_null(False)


#: A workbook's date cell as the reader gives it ("2023-05-07 00:00:00"); typed text has no seconds.
DATE_CELL = r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}:\d{2})$"


def swapped_by_excel(texts: pl.Series) -> pl.DataFrame:
    """The date cells of a column that Excel seems to have read month first from dates typed day
    first: where an Excel set to month/day/year was given 05/07/2023 (5 July) it made a date of
    7 May, and 13/07/2023, which it could not read so, it kept as text. The sign: date cells,
    each with a day of 12 or less, beside typed dates that are real only day first (and none only
    month first), and the cells swapped back fall in the typed dates' fiscal quarters at least as
    often as they are. Where no typed date is real only day first (a fortnight of 2 to 12 July: every
    day typed made a date), the sign is the cells' own (:func:`cells_spread`): as they are, the same few
    days of many months; swapped back, the days of fewer months in fewer fiscal quarters. Columns
    ``text`` (the cell), ``dmy`` (its day and month swapped back, as typed) and ``mdy`` (the date it
    holds); empty when there is no such sign."""
    cells = (pl.DataFrame({"text": texts.cast(pl.String)}).drop_nulls().unique(maintain_order=True)
             .filter(pl.col("text").str.contains(DATE_CELL)))
    empty = pl.DataFrame(schema={"text": pl.String, "dmy": pl.Date, "mdy": pl.Date})
    if cells.height == 0:
        return empty
    parts = cells["text"].str.extract_groups(DATE_CELL).struct.unnest()
    if (parts["3"].cast(pl.Int32) > 12).any():
        return empty
    evidence = date_order_evidence(texts.cast(pl.String))
    reads = set(evidence["reads"])
    if "mdy_only" in reads:
        return empty
    both = cells.select("text", pl.date(parts["1"].cast(pl.Int32), parts["3"].cast(pl.Int32),
                                        parts["2"].cast(pl.Int32)).alias("dmy"),
                        pl.date(parts["1"].cast(pl.Int32), parts["2"].cast(pl.Int32),
                                parts["3"].cast(pl.Int32)).alias("mdy"))
    if "dmy_only" not in reads:  # no typed date to go by: the cells' own shape
        return both if cells_spread(both) is not None else empty
    # and swapped back, the cells fall in the fiscal quarters of the typed dates as often as they do
    # as they are, or more (a log of 10 July and 11 August cells beside a typed 15/09 is as it should be)
    quarter = lambda day: (day.dt.year() * 12 + day.dt.month() - 7) // 3  # noqa: E731 - fiscal quarters, numbered
    typed = set(evidence.filter(pl.col("reads") == "dmy_only").select(
        quarter(parse_date(pl.col("text"), order="dmy"))).to_series().drop_nulls())
    fits = both.select(quarter(pl.col("dmy")).is_in(list(typed)).sum().alias("dmy"),
                       quarter(pl.col("mdy")).is_in(list(typed)).sum().alias("mdy")).row(0, named=True)
    return both if fits["dmy"] >= fits["mdy"] else empty  # (as many either way: asked, not guessed)


def cells_spread(both: pl.DataFrame) -> dict[str, int] | None:
    """Date cells (``both``, as :func:`swapped_by_excel` reads them: ``mdy`` the date a cell holds,
    ``dmy`` its day and month swapped back) on the same few days of many months as held, and the
    days of a log swapped back (:func:`_scattered`): the fiscal quarters each way, or None."""
    return _scattered(both, scattered="mdy", log="dmy")


def swap_day_and_month(expr: pl.Expr) -> pl.Expr:
    """A date cell (:data:`DATE_CELL`) with its day and month swapped (see :func:`swapped_by_excel`)."""
    return expr.str.replace(DATE_CELL, "${1}-${3}-${2} ${4}")


def month_readings(texts: pl.Series) -> pl.DataFrame:
    """Numeric month cells ("7/1/2023") that are the 1st of a month only read month/day/year: read
    day/month/year they are another day (7 January), so the file's order must be said. Columns
    ``text``, ``dmy`` and ``mdy`` (the two readings)."""
    return _readings(texts).filter((pl.col("mdy").dt.day() == 1) & (pl.col("dmy").dt.day() != 1).fill_null(True))


def month_first(texts: pl.Series) -> bool:
    """True when every unambiguous numeric date is month-first (07/25/2022) and at least one is.

    Kept for callers that only need a yes/no; ingest decides with :func:`date_order_evidence`
    and refuses files whose dates disagree or read month-first without the user's word.
    """
    reads = set(date_order_evidence(texts)["reads"])
    return "mdy_only" in reads and "dmy_only" not in reads


#: A day's ordinal ending: "3rd", and in Bengali "১লা", "২রা", "৪ঠা", "৫ই", "২২শে".
_ORDINAL = r"(?:st|nd|rd|th|লা|রা|ঠা|ই|শে)?"
#: The era after a date, which offices write by habit ("ইং": English, i.e. Gregorian, calendar).
_ERA = r"(?i)\s*(?:ইং|ইংরেজি|খ্রিঃ|খ্রি:|খ্রি|খ্রীঃ|খ্রিস্টাব্দ|খ্রীষ্টাব্দ|খ্রিষ্টাব্দ|সাল|সালে|a\.?d)\.?$"


#: The office's time from UTC, in minutes (Asia/Dhaka: UTC+6, no daylight saving).
OFFICE_UTC_MINUTES = int(ZoneInfo(OFFICE_TZ).utcoffset(datetime(2023, 1, 1)).total_seconds()) // 60
_WEEKDAY = (r"(?i)^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+|"
            r"^(?:সোম|মঙ্গল|বুধ|বৃহস্পতি|শুক্র|শনি|রবি)বার,?\s+|"
            # or after it, in brackets: "০২/১০/২০২৫ (বৃহস্পতিবার)", "2/10/2025 (Thu)"
            r"\s*\((?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?|"
            r"(?:সোম|মঙ্গল|বুধ|বৃহস্পতি|শুক্র|শনি|রবি)বার)\)$")


class Steps:
    """The named steps of reading a value: given to :func:`parse_date` (and the like), each step is a
    column of its own, computed once, over a frame (:func:`date_stages`); without it, one expression.

    Polars evaluates a subexpression as often as an expression uses it (it finds few of them
    common): a date's reading uses its cleaned text some forty times, and took 8 ms inlined over a
    file's handful of distinct dates, against 1 ms in steps. The steps' columns are named
    ``__step_<out>_<step>`` (:data:`STEP_COLUMNS` drops them)."""

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix
        self.stages: list[dict[str, pl.Expr]] = []

    def __call__(self, **exprs: pl.Expr) -> dict[str, pl.Expr]:
        if self.prefix is None:  # inline
            return exprs
        self.stages.append({f"{self.prefix}{name}": expr for name, expr in exprs.items()})
        return {name: pl.col(f"{self.prefix}{name}") for name in exprs}


#: The columns of :class:`Steps` (a selector regex): dropped once the value is read.
STEP_COLUMNS = r"^__step_.*$"


def date_stages(expr: pl.Expr, out: str, **options: object) -> list[dict[str, pl.Expr]]:
    """:func:`parse_date` of ``expr`` as stages for ``with_columns`` in turn, the last giving column
    ``out``: the same dates, far fewer evaluations (:class:`Steps`). Drop :data:`STEP_COLUMNS` after."""
    steps = Steps(f"__step_{out}_")
    read = parse_date(expr, steps=steps, **options)  # type: ignore[arg-type]
    return [*steps.stages, {out: read}]


def parse_date(expr: pl.Expr, *, month_first: bool = False, order: str | None = None,
               steps: Steps | None = None) -> pl.Expr:
    """Date from the spellings people and Excel produce; null when it is not a real date.

    Numeric dates are day-first (Bangladesh writes dd/mm/yyyy) unless ``order`` says "mdy"
    (or ``month_first``), or "ymd" for two-digit year-first dates (23-07-05). Only two-digit
    years are 20yy ("13-08-23" is 13 August 2023); a four-digit year is taken as written, so
    0001 stays year 1 (and is refused as too early). Excel serial numbers count days from
    1899-12-30 (accepted between 1960 and 2099).

    ``steps``: see :class:`Steps` (:func:`date_stages`).
    """
    let = steps or Steps()
    order = order or ("mdy" if month_first else "dmy")
    # the era written after the year: "০৩/০৭/২০২৩ ইং", "৩ জুলাই ২০২৩ খ্রিঃ", "2023 AD"
    # and the day of the week before it, as Excel's long dates write it: "Monday, July 17, 2023", "সোমবার, ১৭ জুলাই"
    text = let(text=digits(expr).str.strip_chars().str.replace(_ERA, "").str.replace(_WEEKDAY, ""))["text"]
    # (a time after the date, as a clock or ISO 8601 writes it: "10:30 AM", "T00:00:00Z", "+06:00")
    time = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
    forms = let(
        iso=text.str.extract_groups(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){time}$"),
        dmy=text.str.extract_groups(rf"^(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}}|\d{{2}}){time}$"),
        named=text.str.extract_groups(
            rf"^(\d{{1,2}}){_ORDINAL}[-/. ]+([^\d\s.,/'’-]+)\.?[-/.,'’ ]+(\d{{4}}|\d{{2}})$"),
        us_named=text.str.extract_groups(rf"^([^\d\s.,/'’-]+)\.? +(\d{{1,2}}){_ORDINAL},? +(\d{{4}})$"),
        serial=text.str.extract(r"^(\d{5})(?:\.\d+)?$").cast(pl.Int64, strict=False),
        compact=text.str.extract_groups(r"^((?:19|20)\d{2})(\d{2})(\d{2})$"),  # 20230723, as systems export it
        # a time with its zone (2023-09-30T20:00:00Z) is a moment: its date is the office's (Dhaka, UTC+6)
        zone=text.str.extract_groups(r"T(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|([+-])(\d{2}):?(\d{2}))$"))
    iso, dmy, named, us_named, serial, compact, zone = forms.values()

    def field(struct: pl.Expr, index: int) -> pl.Expr:
        return struct.struct.field(str(index))

    if order == "ymd":  # 23-07-05: the three numbers read year, month, day
        dmy_year, dmy_month, dmy_day = field(dmy, 1), field(dmy, 2), field(dmy, 3)
    elif order == "mdy":
        dmy_year, dmy_month, dmy_day = field(dmy, 3), field(dmy, 1), field(dmy, 2)
    else:
        dmy_year, dmy_month, dmy_day = field(dmy, 3), field(dmy, 2), field(dmy, 1)
    year_text = pl.coalesce(field(iso, 1), dmy_year, field(named, 3), field(us_named, 3), field(compact, 1))
    year = year_text.cast(pl.Int32, strict=False)
    parts = let(
        year=pl.when(year_text.str.len_chars() <= 2).then(year + 2000).otherwise(year),
        month=pl.coalesce(field(iso, 2).cast(pl.Int32, strict=False), dmy_month.cast(pl.Int32, strict=False),
                          month_number(field(named, 2)), month_number(field(us_named, 1)),
                          field(compact, 2).cast(pl.Int32, strict=False)),
        day=pl.coalesce(field(iso, 3), dmy_day, field(named, 1), field(us_named, 2), field(compact, 3)).cast(
            pl.Int32, strict=False))
    year, month, day = parts.values()
    iso_text = pl.format("{}-{}-{}", year.cast(pl.String).str.pad_start(4, "0"),
                         month.cast(pl.String).str.pad_start(2, "0"), day.cast(pl.String).str.pad_start(2, "0"))
    from_parts = iso_text.str.to_date("%Y-%m-%d", strict=False)
    offset = pl.when(field(zone, 3) == "Z").then(0).otherwise(
        pl.when(field(zone, 4) == "-").then(-1).otherwise(1)
        * (field(zone, 5).cast(pl.Int32, strict=False) * 60 + field(zone, 6).cast(pl.Int32, strict=False)))
    minutes = field(zone, 1).cast(pl.Int32, strict=False) * 60 + field(zone, 2).cast(pl.Int32, strict=False)
    shift = (minutes - offset + OFFICE_UTC_MINUTES).floordiv(24 * 60)
    from_parts = pl.when(field(zone, 3).is_not_null()).then(
        from_parts + pl.duration(days=shift)).otherwise(from_parts)
    from_serial = pl.when(serial.is_between(21916, 73050)).then(
        pl.lit(date(1899, 12, 30)) + pl.duration(days=serial))
    return pl.coalesce(from_parts, from_serial.cast(pl.Date))


def channel_value(expr: pl.Expr) -> pl.Expr:
    """'udc' / 'front_desk' from "UDC", "ইউডিসি", "Front desk", "ফ্রন্ট ডেস্ক", ...; else null."""
    return word_key_expr(expr).replace_strict(CHANNEL_WORDS, default=None, return_dtype=pl.String)


def gender_value(expr: pl.Expr) -> pl.Expr:
    """'female' / 'male' from "Female", "F", "নারী", "মহিলা", "Male", "পুরুষ", ...; else null."""
    return word_key_expr(expr).replace_strict(GENDER_WORDS, default=None, return_dtype=pl.String)


def formula_like(expr: pl.Expr) -> pl.Expr:
    """True for text a spreadsheet would run as a formula (starts with = + - @, not a number)."""
    starts = expr.str.contains(FORMULA_START)
    return starts & ~number_text(expr, money=True).str.contains(_NUMBER)


def text_problem(expr: pl.Expr) -> pl.Expr:
    """For a name (a place, a service, an entrepreneur): 'damaged' (:data:`CONTROL`), 'excel_error'
    (:data:`EXCEL_ERROR`), 'formula' (:func:`formula_like`), 'markup' (:func:`markup_like`), or null."""
    return (pl.when(expr.str.contains(CONTROL)).then(pl.lit("damaged"))
            .when(expr.str.contains(EXCEL_ERROR)).then(pl.lit("excel_error"))
            .when(formula_like(expr)).then(pl.lit("formula"))
            .when(markup_like(expr)).then(pl.lit("markup")))


def markup_like(expr: pl.Expr) -> pl.Expr:
    """True for text containing HTML tags, entities or a javascript: URL."""
    return expr.str.contains(r"(?i)</?[a-z!]|javascript:|&#?[a-z0-9]+;|\bon[a-z]+\s*=")


# --- summary-sheet months (parsed per unique value, in Python) ---------------------------

_YM = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_WORD_YEAR = re.compile(r"^([^\d\s,./'’-]+)\.?[\s,./'’-]*(\d{4}|\d{2})?$")  # "July 2022", "Jul'23", "জুলাই'২৩"


def _year(text: str | None, month: int) -> int | None:
    """A calendar year from "2022", "২০২২", or a fiscal year "2022-23" (Jul-Jun) for ``month``."""
    if not text:
        return None
    text = ascii_digits(text).strip()
    if re.fullmatch(r"\d{4}(\.0+)?", text):
        return int(text[:4])
    match = FY_RE.match(text)
    if match:
        start = int(match[1])
        return start if month >= 7 else start + 1
    return None


#: What a register writes for "the same as above": quotation marks, the ditto sign, "ঐ" (the same),
#: "-do-" and "ditto" (as matching text: no spaces, dashes, dots or brackets, lower case).
DITTO_MARKS = ('"', "''", "“", "”", "″", "〃", "״", "ঐ", "do", "ditto")


def ditto_mark(texts: pl.Series) -> pl.Series:
    """Whether each text is a ditto mark alone ("〃", "ঐ", "-do-", '"'): the cell above, written again."""
    key = texts.cast(pl.String).str.normalize("NFC").str.to_lowercase().str.replace_all(r"[\s\p{Pd}.()]", "")
    return key.is_in(DITTO_MARKS).fill_null(False)


#: A month's name and its year, alone in a cell ("July 2023", "জুলাই ২০২৩", "Jul'23"), maybe after a
#: label ("Month: August 2023", "মাসের নাম: আগস্ট/২০২৩", "for the month of July 2023") or before the
#: word for a report ("আগস্ট ২০২৩ মাসের প্রতিবেদন", "July 2023 report"): as matching text.
_MONTH_HEADING = (r"^(?:[^\d:ঃ]{0,40}[:ঃ]\s*|(?:for\s+)?(?:the\s+)?month\s+of\s+)?(?:"
                  + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
                  + r")\.?[\s,./'’-]*(?:\d{4}|\d{2})"
                  r"(?:\s*(?:মাসের|মাস)?\s*(?:প্রতিবেদন|হিসাব|বিবরণ|রিপোর্ট|report|statement|মাস))?$")


#: A week's heading ("Week 1", "1st week", "২ নং সপ্তাহ", "প্রথম সপ্তাহ", "সপ্তাহ-৩") or a page's number
#: ("Page 1 of 2", "Pg. 3", "পৃষ্ঠা ২", "পাতা নং-১") alone in a row: the sheet's layout (after :func:`digits`)
_LAYOUT_LINE = (r"^(?:(?:week|wk)\.?\s*(?:no\.?)?\s*[-#:]?\s*\d{1,2}|\d{1,2}\s*(?:st|nd|rd|th)?\s+week"
                r"|(?:first|second|third|fourth|fifth|last)\s+week"
                r"|(?:\d{1,2}\s*(?:নং|ম|য়|র্থ|তম)?|প্রথম|দ্বিতীয়|তৃতীয়|চতুর্থ|পঞ্চম|শেষ)\s*সপ্তাহ|সপ্তাহ\s*(?:নং)?\s*[-:]?\s*\d{1,2}"
                r"|(?:page|pg\.?|p\.)\s*(?:no\.?)?\s*[-:#]?\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?"
                r"|(?:পৃষ্ঠা|পাতা)\s*(?:নং)?\s*[-:]?\s*\d{1,3}(?:\s*(?:এর\s*মধ্যে|/)\s*\d{1,3})?)[\s.:-]*$")


def layout_line(texts: pl.Series) -> pl.Series:
    """Whether each text heads a week's rows or numbers a page ("Week 1", "২ নং সপ্তাহ", "Page 1 of
    2", "পৃষ্ঠা ২"), and nothing else: written alone in a row, the sheet's layout, not a delivery."""
    text = texts.cast(pl.String)
    # (first a cheap look for the words: most texts of a log have none, and are not read further)
    near = text.str.contains(r"(?i)we?e?k|p[ag.]|সপ্তাহ|পৃষ্ঠা|পাতা").fill_null(False)
    if not near.any():
        return near
    key = digits(text.filter(near).str.strip_chars().str.to_lowercase().str.normalize("NFC"))
    return near.scatter(near.arg_true(), key.str.contains(_LAYOUT_LINE).fill_null(False))


def month_heading(texts: pl.Series) -> pl.Series:
    """Whether each text is a month's name and its year, and nothing else (the heading of a month's
    rows in a log: "জুলাই ২০২৩", "August 2023")."""
    key = digits(texts.cast(pl.String).str.strip_chars().str.to_lowercase().str.normalize("NFC"))
    return key.str.contains(_MONTH_HEADING).fill_null(False)


def month_start(text: str | None, year_text: str | None = None, *, period: Period | None = None,
                parsed_date: date | None = None) -> date | None:
    """First day of the month a summary row is for, or None when it cannot be told.

    ``text`` is the month cell ("July 2022", "জুলাই ২০২২", "2022-07", "07/2022", "Jul-22",
    "July", "7"); ``year_text`` the year cell when the sheet has one ("2022" or a fiscal
    year "2022-23"); ``parsed_date`` a full date already read from the cell (Excel dates).
    A month without a year takes the year that puts it inside ``period``, when one is given.
    """
    if parsed_date is not None:
        return parsed_date.replace(day=1)
    if not text:
        return None
    raw = unicodedata.normalize("NFC", ascii_digits(text)).strip().lower()
    month = year = None
    if match := _YM.match(raw):
        year, month = int(match[1]), int(match[2])
    elif match := _MY.match(raw):
        month, year = int(match[1]), int(match[2])
    elif re.fullmatch(r"\d{1,2}(\.0+)?", raw):
        month = int(float(raw))
    elif match := _WORD_YEAR.match(raw):
        month = MONTHS.get(match[1])
        if match[2]:
            year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
    if month is None or not 1 <= month <= 12:
        return None
    if year is None:
        year = _year(year_text, month)
    if year is None and period is not None:
        fits = [y for y in range(period.start.year, period.end.year + 1)
                if period.start <= date(y, month, 1) <= period.end
                or date(y, month, 1) <= period.start < first_of_month(date(y, month, 1), 1)]
        year = fits[0] if len(fits) == 1 else None
    return date(year, month, 1) if year is not None and 1990 <= year <= 2099 else None
