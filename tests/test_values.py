from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from analytics.ingest import values as V
from analytics.reference.periods import quarter
from analytics.reference.schema import taka_to_paisa


def apply(expr_of, texts: list[str | None]) -> list:
    frame = pl.DataFrame({"x": texts}, schema={"x": pl.String})
    return frame.select(expr_of(V.clean(pl.col("x"))).alias("y"))["y"].to_list()


@pytest.mark.parametrize(("text", "cleaned"), [
    ("  Tona  ", "Tona"), ("Shikder\u00a0 Mallik", "Shikder Mallik"), ("\u200bকলাখালী\ufeff", "কলাখালী"),
    ("'=1+1", "=1+1"), ("", None), ("   ", None), ("-", None), ("—", None), (None, None),
    # Excel's way to keep a CSV cell as text opens as the text inside (a formula inside stays one)
    ('="05/07/2023"', "05/07/2023"), ('="1079809401"', "1079809401"), (' ="Tona" ', "Tona"), ('=""', None),
    ('="=1+1"', "=1+1"), ('=A1&"x"', '=A1&"x"'),
    # joiners where they join nothing (a cell's ends, after a digit) and direction marks go; inside a
    # Bengali word a joiner shapes its letters and stays
    ("১\u200d", "১"), ("75\u200c", "75"), ("১\u200d২", "১২"), ("\u202c12\u202c", "12"), ("\u2066Tona\u2069", "Tona"),
    ("\u200dকলাখালী\u200c", "কলাখালী"), ("র\u200d্যাব", "র\u200d্যাব"),
])
def test_clean(text, cleaned):
    assert apply(lambda e: e, [text]) == [cleaned]


@pytest.mark.parametrize(("text", "paisa"), [
    ("75", 7500), ("50.50", 5050), ("12.5", 1250), (".5", 50), ("12.", 1200), ("0", 0), ("+50", 5000),
    ("1,24,080", 12408000), ("১,২৪,০৮০", 12408000), ("124,080", 12408000), ("1,000.50", 100050),
    ("৳ 50", 5000), ("Tk 500", 50000), ("Tk. 100/-", 10000), ("TK=15", 1500), ("Tk:20", 2000), ("৭৫ টাকা", 7500), ("৳১,২৫০.৭৫", 125075),
    ("BDT 20", 2000), ("-50", -5000), ("(20)", -2000), ("9999999999999", 999999999999900),
    # the currency word right after the number
    ("50Tk", 5000), ("50TK.", 5000), ("50taka", 5000), ("50BDT", 5000), ("১২০টাকা", 12000),
    ("৪০ টাকা মাত্র", 4000), ("Tk 40 only", 4000),
    # taka abbreviated in Bengali; nothing after the taka written ".-"
    ("টাঃ ১০০", 10000), ("টা. ৫০", 5000), ("৳ 1200.-", 120000), ("50.-", 5000), ("৫০.=", 5000),
    # spaces grouping thousands (a no-break or thin space as some Excels write them), and beside signs
    ("1 250", 125000), ("1 24 080", 12408000), ("১ ২৫০", 125000), ("1\u00a0250", 125000), ("1\u202f250.50", 125050),
    ("12 500 000", 1250000000), ("Tk. 1, 250.00", 125000), ("( 20 )", -2000), ("  12  ", 1200),
])
def test_money_paisa_is_exact(text, paisa):
    assert apply(V.money_paisa, [text]) == [paisa]
    assert apply(V.money_problem, [text]) == [None if paisa >= 0 else "fee_negative"]


def test_money_agrees_with_decimal_arithmetic():
    texts = [f"{whole}.{frac:02d}" for whole in (0, 1, 99, 12345, 10**12) for frac in (0, 1, 10, 99)]
    assert apply(V.money_paisa, texts) == [taka_to_paisa(Decimal(text)) for text in texts]


@pytest.mark.parametrize(("text", "problem"), [
    ("fifty", "fee_not_number"), ("N/A", "fee_not_number"), ("1e5", "fee_not_number"),
    # paisa after a comma (a European Excel's decimal comma): said so, never read as an amount
    ("12,5", "fee_decimal_comma"), ("1,50", "fee_decimal_comma"), ("৫,০০", "fee_decimal_comma"),
    ("Tk 5,50", "fee_decimal_comma"), ("5,0,0", "fee_not_number"), ("1,500", None), ("1,50,000", None),
    ("12.345", "fee_decimals"), ("0.001", "fee_decimals"), ("0.30000000000000004", "fee_decimals"),
    ("-50", "fee_negative"), ("(20)", "fee_negative"), ("12345678901234", "fee_not_number"), (None, None),
    # spaces between digits that group no thousands: no amount is guessed (a probe's "7 5" was Tk 75)
    ("7 5", "fee_not_number"), ("50 50", "fee_not_number"), ("12 50", "fee_not_number"), ("1 2 3", "fee_not_number"),
])
def test_money_problems(text, problem):
    assert apply(V.money_problem, [text]) == [problem]
    if problem:
        assert apply(V.money_paisa, [text]) in ([None], [-5000], [-2000])


@pytest.mark.parametrize(("text", "count", "problem"), [
    ("1", 1, None), ("১২", 12, None), ("1,240", 1240, None), ("12.0", 12, None), ("0", 0, "count_not_positive"),
    ("-2", -2, "count_not_positive"), ("two", None, "count_not_number"), ("1.5", None, "count_not_number"),
    (None, None, None),
    # a unit after the count: persons, pieces
    ("২ জন", 2, None), ("১টি", 1, None), ("3 persons", 3, None), ("1 person", 1, None), ("5 nos", 5, None),
    ("no", None, "count_not_number"), ("জন", None, "count_not_number"),
    # a whole number past any count is still one (refused as more than an office serves, not as no
    # number: a probe's 2147483648), zeros before it and full-width digits are read
    ("2147483648", 10**9, None), ("9" * 26, 10**9, None), ("০" * 26 + "১", 1, None), ("１２", 12, None),
    ("-12345678901", -(10**9), "count_not_positive"),
    # spaces: grouping thousands, or none of a count's (a probe's "1 0" was stored as 10)
    ("1 250", 1250, None), ("1 0", None, "count_not_number"), ("2 2", None, "count_not_number"),
])
def test_counts(text, count, problem):
    assert apply(V.count_value, [text]) == [count]
    assert apply(V.count_problem, [text]) == [problem]


@pytest.mark.parametrize(("text", "day"), [
    ("2022-07-01", date(2022, 7, 1)), ("2022/7/1", date(2022, 7, 1)), ("01/07/2022", date(2022, 7, 1)),
    ("1/7/2022", date(2022, 7, 1)), ("01-07-2022", date(2022, 7, 1)), ("01.07.2022", date(2022, 7, 1)),
    ("1-7-22", date(2022, 7, 1)), ("০১/০৭/২০২২", date(2022, 7, 1)), ("44743", date(2022, 7, 1)),
    ("44743.5", date(2022, 7, 1)), ("2022-07-01 00:00:00", date(2022, 7, 1)), ("2022-07-01T13:30:00", date(2022, 7, 1)),
    ("01-Jul-2022", date(2022, 7, 1)), ("1-Jul-22", date(2022, 7, 1)), ("1 July 2022", date(2022, 7, 1)),
    ("১ জুলাই ২০২২", date(2022, 7, 1)), ("July 1, 2022", date(2022, 7, 1)), ("29/02/2024", date(2024, 2, 29)),
    ("31/02/2023", None), ("29/02/2023", None), ("32/01/2022", None), ("07/25/2022", None), ("yesterday", None),
    ("12345", None), ("2022-07", None), (None, None),
    # Bengali ordinals (১লা, ২রা, ৪ঠা, ৫ই, ২২শে), the month first in Bengali, the era after the date
    ("৩রা জুলাই ২০২৩", date(2023, 7, 3)), ("১লা আগস্ট ২০২৩", date(2023, 8, 1)), ("৪ঠা জুলাই, ২০২৩", date(2023, 7, 4)),
    ("৫ই জুলাই ২০২৩", date(2023, 7, 5)), ("২২শে আগস্ট ২০২৩", date(2023, 8, 22)), ("জুলাই ৩, ২০২৩", date(2023, 7, 3)),
    ("০৩/০৭/২০২৩ ইং", date(2023, 7, 3)), ("৩ জুলাই ২০২৩ খ্রিঃ", date(2023, 7, 3)), ("03/07/2023 AD", date(2023, 7, 3)),
    ("3rd July 2023", date(2023, 7, 3)), ("Aug 1st, 2023", date(2023, 8, 1)), ("3 Jul'23", date(2023, 7, 3)),
    ("Mayday 3, 2023", None), ("ইং", None), ("২২শে আগস্ট", None), ("৩ জুলাই ২০২৩ সাল", date(2023, 7, 3)),
    # Excel's long dates with the day of the week, ISO 8601 times with a zone, a system's 20230723
    ("Monday, July 17, 2023", date(2023, 7, 17)), ("Wed 19 July 2023", date(2023, 7, 19)),
    ("০২/১০/২০২৫ (বৃহস্পতিবার)", date(2025, 10, 2)), ("17/07/2023 (Mon)", date(2023, 7, 17)),
    ("সোমবার, ১৭ জুলাই ২০২৩", date(2023, 7, 17)), ("2023-07-18T00:00:00Z", date(2023, 7, 18)),
    ("2023-07-18T10:30:00+06:00", date(2023, 7, 18)), ("20230723", date(2023, 7, 23)), ("20231340", None),
    # a moment with its zone is dated as the office's clock reads it (UTC+6)
    ("2023-09-30T20:00:00Z", date(2023, 10, 1)), ("2023-07-04T19:30:00Z", date(2023, 7, 5)),
    ("2023-07-04T17:59:00Z", date(2023, 7, 4)), ("2023-07-05T01:00:00+06:00", date(2023, 7, 5)),
    ("2023-07-05T01:00:00-05:00", date(2023, 7, 5)), ("2023-07-01T02:00:00+08:00", date(2023, 7, 1)),
    ("2023-07-01T01:00:00+08:00", date(2023, 6, 30)),
    ("12345678", None), ("Sunday", None),
])
def test_parse_date(text, day):
    assert apply(V.parse_date, [text]) == [day]


@pytest.mark.parametrize(("text", "channel"), [
    ("UDC", "udc"), ("udc", "udc"), ("ইউডিসি", "udc"), ("Union Digital Centre", "udc"), ("Front desk", "front_desk"),
    ("FRONT-DESK", "front_desk"), ("ফ্রন্ট ডেস্ক", "front_desk"), ("Post office", None),
    ("ই-সেবা কেন্দ্র", "front_desk"), ("Front Desk (DC Office)", "front_desk"),
])
def test_channel(text, channel):
    assert apply(V.channel_value, [text]) == [channel]


@pytest.mark.parametrize(("text", "gender"), [
    ("Female", "female"), ("F", "female"), ("নারী", "female"), ("মহিলা", "female"), ("Male", "male"), ("m", "male"),
    ("পুরুষ", "male"), ("Unknown", None), ("2", None), ("নারি", "female"),
    ("পুঃ", "male"), ("পুং", "male"), ("মঃ", "female"), ("Purush", "male"), ("Mohila", "female"), ("nari", "female"),
])
def test_gender(text, gender):
    assert apply(V.gender_value, [text]) == [gender]


@pytest.mark.parametrize(("text", "formula", "markup"), [
    ("=HYPERLINK(\"x\")", True, False), ("+cmd|' /C calc'!A0", True, False), ("@SUM(1)", True, False),
    ("-2+3", True, False), ("-50", False, False), ("+8801711000000", False, False), ("Nasrin Akter", False, False),
    ("<script>alert(1)</script>", False, True), ("<img src=x onerror=alert(1)>", False, True),
    ("Tom &amp; Jerry", False, True), ("A < B", False, False), ("রহিম", False, False),
])
def test_formula_and_markup(text, formula, markup):
    frame = pl.DataFrame({"x": [text]})
    assert frame.select(V.formula_like(pl.col("x")))[0, 0] is formula
    assert frame.select(V.markup_like(pl.col("x")))[0, 0] is markup


@pytest.mark.parametrize(("text", "year", "start"), [
    ("July 2022", None, date(2022, 7, 1)), ("জুলাই ২০২২", None, date(2022, 7, 1)), ("2022-07", None, date(2022, 7, 1)),
    ("07/2022", None, date(2022, 7, 1)), ("Jul-22", None, date(2022, 7, 1)), ("Sept 2022", None, date(2022, 9, 1)),
    ("July", "2022", date(2022, 7, 1)), ("7", "২০২২", date(2022, 7, 1)), ("7", "2022-23", date(2022, 7, 1)),
    ("1", "FY 2022-23", date(2023, 1, 1)), ("জানুয়ারি", "২০২৩", date(2023, 1, 1)), ("আগষ্ট", "2022", date(2022, 8, 1)),
    ("Julember 2022", None, None), ("13/2022", None, None), ("July", None, None), (None, None, None),
    ("Jul'23", None, date(2023, 7, 1)), ("জুলাই'২৩", None, date(2023, 7, 1)), ("Jul’23", None, date(2023, 7, 1)),
])
def test_month_start(text, year, start):
    assert V.month_start(text, year) == start


def test_month_without_year_takes_it_from_the_period():
    assert V.month_start("August", None, period=quarter(2022, 1)) == date(2022, 8, 1)
    assert V.month_start("February", None, period=quarter(2022, 3)) == date(2023, 2, 1)
    assert V.month_start("February", None, period=quarter(2022, 1)) is None
    assert V.month_start("x", None, parsed_date=date(2022, 7, 19)) == date(2022, 7, 1)


@pytest.mark.parametrize(("texts", "expected"), [
    (["07/25/2022", "7/1/2022"], True), (["25/07/2022", "01/07/2022"], False), (["01/07/2022"], False),
    (["07/25/2022", "31/07/2022"], False), (["2022-07-25"], False), ([], False),
])
def test_month_first_only_on_evidence(texts, expected):
    assert V.month_first(pl.Series(texts, dtype=pl.String)) is expected


def test_parse_month_first_dates():
    frame = pl.DataFrame({"x": ["07/25/2022", "7/1/22", "2022-07-03"]})
    assert frame.select(V.parse_date(pl.col("x"), month_first=True).alias("d"))["d"].to_list() == [
        date(2022, 7, 25), date(2022, 7, 1), date(2022, 7, 3)]


@pytest.mark.parametrize(("text", "heading"), [
    ("July 2023", True), ("জুলাই ২০২৩", True), ("Jul'23", True), ("AUGUST-2023", True), ("সেপ্টেম্বর, ২০২৩", True),
    ("July", False), ("03/07/2023", False), ("July 2023 total", False), ("Tona", False), ("2023", False), (None, False),
    ("may 2023", True), ("Mayor 2023", False),
    # after a label, or before the word for a report
    ("Month: August 2023", True), ("মাসের নাম: আগস্ট/২০২৩", True), ("মাসঃ জুলাই ২০২৩", True),
    ("আগস্ট ২০২৩ মাসের প্রতিবেদন", True), ("For the month of July 2023", True), ("July 2023 report", True),
    ("Total: July 2023", True), ("July 2023 মোট", False), ("Fee: 75", False), ("Date: 03/07/2023", False),
])
def test_month_heading(text, heading):
    assert V.month_heading(pl.Series([text], dtype=pl.String)).to_list() == [heading]


@pytest.mark.parametrize(("text", "layout"), [
    # a week's heading
    ("Week 1", True), ("week-2", True), ("WEEK NO. 3", True), ("1st week", True), ("2nd Week", True),
    ("first week", True), ("২ নং সপ্তাহ", True), ("প্রথম সপ্তাহ", True), ("সপ্তাহ-৩", True), ("৩য় সপ্তাহ", True),
    # a page's number
    ("Page 1 of 2", True), ("page 2", True), ("Pg. 3", True), ("P. 4/5", True), ("পৃষ্ঠা ২", True),
    ("পাতা নং-১", True), ("পৃষ্ঠা ১/৩", True), ("Page 1 of 2.", True),
    # not layout
    ("Week", False), ("সপ্তাহ", False), ("Page", False), ("Birth registration", False), ("03/07/2023", False),
    ("Weekly market fee", False), ("Page 1 of 2 - Tona 75", False), (None, False), ("12", False),
])
def test_layout_line(text, layout):
    assert V.layout_line(pl.Series([text], dtype=pl.String)).to_list() == [layout]


@pytest.mark.parametrize(("text", "typed"), [
    ("cwi‡Rvcyi m`i", True), ("‡mev", True), ("Rb¥ wbeÜb", True), ("Pirojpur Sadar", False), ("পিরোজপুর সদর", False),
    ("Birth registration – online", False), ("“Tona”", False), ("Tk 50", False), (None, False),
])
def test_bijoy(text, typed):
    assert V.bijoy(pl.Series([text], dtype=pl.String)).to_list() == [typed]


@pytest.mark.parametrize(("text", "identifier"), [
    ("UDC - 10797610 - M", "UDC-10797610-M"), ("BD 4044 8010", "BD40448010"), ("udc-১০৭৯৭৬১০-m", "UDC-10797610-M"),
    ("PRJ-NAZ-01", "PRJ-NAZ-01"), ("prj-naz-01", "PRJ-NAZ-01"), ("PRJ-NAZ-০১", "PRJ-NAZ-01"), ("১২৩৪", "1234"),
    ("BD40448010-f", "BD40448010-F"), (None, None),
    # joiners left by a Bengali keyboard in copied text, a word joiner, a soft hyphen
    ("PRJ-NAZ-01\u200c", "PRJ-NAZ-01"), ("PRJ-\u200dNAZ-01", "PRJ-NAZ-01"), ("PRJ\u2060-NAZ-01\u00ad", "PRJ-NAZ-01"),
    # the dashes Word's autocorrect or a PDF put in: en dash, em dash, non-breaking hyphen, minus sign
    ("PRJ–NAZ–01", "PRJ-NAZ-01"), ("PRJ—NAZ—01", "PRJ-NAZ-01"), ("PRJ\u2011NAZ\u201101", "PRJ-NAZ-01"),
    ("PRJ−NAZ−01", "PRJ-NAZ-01"), ("UDC‐10797610‐M", "UDC-10797610-M"),
])
def test_identifier(text, identifier):
    assert apply(V.identifier, [text]) == [identifier]


@pytest.mark.parametrize(("ids", "one"), [
    (["UDC-10798766-M", "UDC10798766M", "UDC/10798766/M", "UDC.10798766.M", "UDC_10798766_M"], True),
    (["01612345672", "1612345672", "001612345672"], True),  # the leading 0 Excel drops from a number
    (["PRJ-NAZ-01", "PRJNAZ01"], True),
    (["PRJ-NAZ-01", "PRJ-NAZ-10"], False), (["UDC-1-M", "UDC-1-F"], False), (["0", "00"], True), (["0", "1"], False),
    (["১২৩", "123"], False),  # (identifier() makes the digits ASCII first: these are keys of IDs already spelled)
])
def test_identifier_key(ids, one):
    keys = apply(V.identifier_key, ids)
    assert (len(set(keys)) == 1) is one
    assert all(keys)  # never empty for an ID of letters or digits


@pytest.mark.parametrize(("text", "dashes"), [("-", True), (" — ", True), ("--", True), ("-5", False), ("", False),
                                              (None, False), ("N/A", False)])
def test_dash_only(text, dashes):
    assert pl.DataFrame({"x": [text]}, schema={"x": pl.String}).select(V.dash_only(pl.col("x")))[0, 0] is dashes


@pytest.mark.parametrize(("text", "free", "nothing"), [
    ("-", True, False), ("Free", True, False), ("free of cost", True, False), ("FREE.", True, False),
    ("ফ্রি", True, False), ("বিনামূল্যে", True, False), ("বিনা মূল্যে", True, False), ("No fee", True, False),
    ("নাই", False, True), ("নেই", False, True), ("N/A", False, True), ("na", False, True), ("Nil", False, True),
    ("#N/A", False, False), ("free 50", False, False), ("50", False, False), ("Freedom fighter allowance", False, False),
    ("", False, False), (None, False, False),
])
def test_a_fee_written_as_free_or_as_nothing(text, free, nothing):
    frame = pl.DataFrame({"x": [text]}, schema={"x": pl.String})
    assert frame.select(V.no_fee(pl.col("x")), V.nothing(pl.col("x").alias("y"))).row(0) == (free, nothing)


@pytest.mark.parametrize(("text", "lost"), [
    ("???? ???????", True), ("??????", True), ("?? ??? (???)", True), ("???-?", True),
    ("?", False), ("Tona?", False), ("Birth registration", False), ("জন্ম নিবন্ধন", False), ("", False), (None, False),
])
def test_letters_lost(text, lost):
    assert V.letters_lost(pl.Series([text], dtype=pl.String)).to_list() == [lost]


def _cells(*days: tuple[int, int, int]) -> pl.Series:
    """Date cells as a workbook reader gives them."""
    return pl.Series([f"{y:04d}-{m:02d}-{d:02d} 00:00:00" for y, m, d in days])


@pytest.mark.parametrize(("texts", "swapped"), [
    # 2 to 11 July typed day first, made the 7th of February ... November by an Excel set to month first
    (_cells(*((2023, m, 7) for m in (2, 3, 4, 6, 8, 9, 10, 11))), True),
    (_cells((2023, 2, 7), (2023, 4, 7)), True),  # two days: the 7th of two quarters' months, or 2 and 4 July
    # a log's own days, each 12 or less: as they are
    (_cells(*((2023, 7, d) for d in range(2, 12))), False),
    (_cells((2023, 7, 3), (2023, 8, 5), (2023, 9, 10), (2023, 10, 4)), False),
    (_cells((2023, 7, 1), (2023, 8, 1), (2023, 9, 1)), False),  # a summary's months, the 1st of each
    (_cells((2023, 7, 9)), False),
    # beside a date typed as text that is only day first: that date decides (dates_swapped_by_excel)
    (pl.concat([_cells((2022, 5, 7), (2022, 9, 8)), pl.Series(["15/07/2022"])]), True),
    (pl.concat([_cells((2023, 7, 5)), pl.Series(["07/25/2023"])]), False),  # month first typed: as held
])
def test_date_cells_excel_read_month_first(texts, swapped):
    assert V.swapped_by_excel(texts).height > 0 if swapped else V.swapped_by_excel(texts).is_empty()
