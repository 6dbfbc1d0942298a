from datetime import date
from decimal import Decimal

import pytest

from analytics import i18n


@pytest.mark.parametrize(("value", "lang", "text"), [
    (124080, "en", "1,24,080"),
    (124080, "bn", "১,২৪,০৮০"),
    (42206, "bn", "৪২,২০৬"),
    (3849168, "en", "38,49,168"),
    (999, "en", "999"),
    (0, "bn", "০"),
    (-1234567, "en", "-12,34,567"),
    (123456789, "en", "12,34,56,789"),
    (Decimal("1234.5"), "en", "1,235"),
])
def test_number(value, lang, text):
    assert i18n.number(value, lang=lang) == text


@pytest.mark.parametrize(("paisa", "lang", "words", "text"), [
    (384916800, "bn", False, "৩৮,৪৯,১৬৮ টাকা"),
    (384916800, "bn", True, "৩৮ লাখ ৪৯ হাজার ১৬৮ টাকা"),
    (384916800, "en", False, "Tk 38,49,168"),
    (384916800, "en", True, "Tk 38 lakh 49 thousand 168"),
    (1250, "en", False, "Tk 12.50"),
    (1250, "bn", False, "১২.৫০ টাকা"),
    (150000000000, "bn", True, "১৫০ কোটি টাকা"),
    (0, "bn", True, "০ টাকা"),
])
def test_taka(paisa, lang, words, text):
    assert i18n.taka(paisa, lang=lang, words=words) == text


def test_digits_round_trip():
    assert i18n.ascii_digits("১২৩৪৫৬৭৮৯০") == "1234567890"
    assert i18n.bn_digits("2022-23") == "২০২২-২৩"


def test_day():
    assert i18n.day(date(2022, 7, 1), lang="bn") == "১ জুলাই ২০২২"
    assert i18n.day(date(2023, 6, 30), lang="en") == "30 June 2023"


def test_every_string_has_both_languages():
    table = i18n.strings()
    assert table, "no strings found"
    for key, texts in table.items():
        assert set(texts) >= {"en", "bn"}, key
        assert texts["en"].strip() and texts["bn"].strip(), key
        assert any("\u0980" <= ch <= "\u09ff" for ch in texts["bn"]) or not any(ch.isalpha() for ch in texts["bn"]), key


def test_placeholders_match_between_languages():
    import string
    for key, texts in i18n.strings().items():
        names = [{f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in ("en", "bn")]
        assert names[0] == names[1], key


def test_t_formats_numbers_for_the_language():
    assert "২০২২-২৩" in i18n.t("summary.title", "bn", period="২০২২-২৩")
    assert i18n.t("figure.entrepreneurs", "xx") == i18n.t("figure.entrepreneurs", "bn")  # unknown -> default


@pytest.mark.parametrize("text", ["[click](http://example.invalid)", "![x](http://127.0.0.1:9/a.png)", "<b>bold</b>",
                                  "**strong** _em_ `code` # heading", "$x^2$", "a@b.com www.example.com", "plain"])
def test_plain_text_in_markdown_is_escaped_but_reads_the_same(text):
    from analytics.i18n import plain

    escaped = plain(text)
    assert escaped.replace("\\", "").replace("\u2060", "") == text.replace("\\", "")
    for mark in ("[", "]", "(", "<", "*", "_", "`", "#", "$"):
        assert f"\\{mark}" in escaped or mark not in text


def test_stored_times_read_in_dhaka_in_the_users_digits():
    """The Data page's times (issue 12): the store writes UTC ISO text; people read Dhaka time."""
    from datetime import datetime, timezone

    assert i18n.moment("2026-11-29T07:05:12+00:00", lang="bn") == "২৯ নভেম্বর ২০২৬, ১৩:০৫"
    assert i18n.moment("2026-11-29T07:05:12+00:00", lang="en") == "29 November 2026, 13:05"
    assert i18n.moment("2026-12-31T20:30:00", lang="en") == "1 January 2027, 02:30"  # naive = UTC, next day in Dhaka
    assert i18n.moment(datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc), lang="en") == "1 June 2026, 06:00"
    assert i18n.moment(None, lang="bn") == "–" and i18n.moment("not a time", lang="en") == "not a time"


@pytest.mark.parametrize(("value", "signed", "en", "bn"), [
    (12.25, False, "12.3%", "১২.৩%"),  # half up, as number() rounds (float formatting gave 12.2)
    (0.25, False, "0.3%", "০.৩%"),
    (-12.25, True, "−12.3%", "−১২.৩%"),  # a fall with a minus sign, as the headline changes write it
    (33.333, True, "+33.3%", "+৩৩.৩%"),
    (2240.6, True, "+2,240.6%", "+২,২৪০.৬%"),  # grouped as numbers are
    (123456.0, False, "1,23,456.0%", "১,২৩,৪৫৬.০%"),
    (-0.04, False, "0.0%", "০.০%"),  # no "-0.0%"
    (-0.04, True, "−0.0%", "−০.০%"),  # a fall, however small, as its arrow ▼ says (the review: "▼ +0.0%")
    (0.04, True, "+0.0%", "+০.০%"),
    (0.0, True, "0.0%", "০.০%"),  # no change: no sign, as no arrow
    (None, False, "–", "–"),
])
def test_a_percentage_is_rounded_as_a_number_is(value, signed, en, bn):
    assert i18n.percent(value, lang="en", signed=signed) == en
    assert i18n.percent(value, lang="bn", signed=signed) == bn


@pytest.mark.parametrize(("values", "text"), [
    ({"file": "a.csv", "accepted": 1, "problems": 1}, "a.csv: 1 row accepted, 1 problem"),
    ({"file": "a.csv", "accepted": 11, "problems": 0}, "a.csv: 11 rows accepted, 0 problems"),
    ({"file": "1 rows.csv", "accepted": 2, "problems": 1}, "1 rows.csv: 2 rows accepted, 1 problem"),  # values as given
])
def test_a_count_of_one_takes_the_singular_in_english(values, text):
    assert i18n.t("ingest.cli_summary", "en", **values) == text
    assert "১টি" in i18n.t("ingest.cli_summary", "bn", **(values | {"accepted": 1}))


@pytest.mark.parametrize(("name", "said"), [
    ("ভান্ডারিয়া", "ভান্ডারিয়ার ইউনিয়ন"), ("পিরোজপুর সদর", "পিরোজপুর সদরের ইউনিয়ন"), ("কাউখালী", "কাউখালীর ইউনিয়ন"),
    ("Bhandaria", "Bhandaria-এর ইউনিয়ন"),  # a name in Latin letters keeps the hyphen
])
def test_a_bengali_name_takes_the_genitive_as_bengali_writes_it(name, said):
    assert i18n.t("brief.unions_of", "bn", upazila=name) == said


@pytest.mark.parametrize(("key", "rows", "start"), [
    ("upload.left_out", 1, "1 row is left out on purpose"), ("upload.left_out", 3, "3 rows are left out on purpose"),
    ("upload.repeated", 1, "1 row repeats another row exactly"), ("upload.repeated", 2, "2 rows repeat another row"),
])
def test_the_verb_after_a_count_of_one_agrees_in_english(key, rows, start):
    assert i18n.t(key, "en", rows=rows).startswith(start)
