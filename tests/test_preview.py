"""What a commit would do: overlapping uploads (same rows in any order or format) and the per-quarter plan."""

from datetime import date, timedelta

import polars as pl
import pytest

from analytics.ingest.preview import overlaps, quarter_plan, stray_rows
from analytics.reference import schema
from analytics.store import LocalStore
from tests.helpers import make_log


@pytest.fixture
def store(tmp_path):
    return LocalStore(tmp_path / "store")


def test_same_rows_in_another_order_are_the_same_upload(store):
    log = make_log(60)
    stored = store.commit(log, file_name="q1.csv", content_hash="csv", uploader="u")
    found = overlaps(store.scan(), log.reverse())
    assert found.select("upload_id", "shared_rows", "share", "same").rows() == [(stored.upload_id, 60, 1.0, True)]


def test_repeated_deliveries_count_as_many_times_as_they_occur(store):
    log = make_log(10, days=1)  # ten equal-looking rows a day: two entrepreneurs, five each
    store.commit(log.head(4), file_name="part.csv", content_hash="p", uploader="u")
    found = overlaps(store.scan(), log, share=0.0)  # 4 of 10 shared
    assert found.select("shared_rows", "same").rows() == [(4, False)]


@pytest.mark.parametrize(("changed", "expected"), [(0, True), (20, True), (40, False)])
def test_a_mostly_overlapping_file_is_caught(store, changed, expected):
    log = make_log(80)
    store.commit(log, file_name="q1.csv", content_hash="a", uploader="u")
    edited = pl.concat([log.head(80 - changed), make_log(changed, fee=9900)]) if changed else log
    assert (overlaps(store.scan(), edited).height == 1) is expected


@pytest.mark.parametrize(("stored", "new"), [
    (10, 15),  # a union's own 10 rows inside an upazila's compiled file of 25: 40% of the file, all of the upload
    (10, 90),
    (40, 60),
    (10, 0),
])
def test_a_file_holding_most_of_a_stored_upload_is_caught(store, stored, new):
    """An upazila's compiled file that holds a union's upload stored before would count that union's
    rows twice, though they are a small share of the file."""
    union = make_log(stored)
    store.commit(union, file_name="union.csv", content_hash="u", uploader="u")
    compiled = pl.concat([union, make_log(new, fee=9900)]) if new else union
    found = overlaps(store.scan(), compiled)
    assert found.select("stored_rows", "shared_rows").rows() == [(stored, stored)]


def test_a_few_shared_rows_are_no_overlap(store):
    store.commit(make_log(10), file_name="union.csv", content_hash="u", uploader="u")
    shared = pl.concat([make_log(10).head(5), make_log(95, fee=9900)])  # half the upload, 5% of the file
    assert overlaps(store.scan(), shared).height == 0


def test_a_tiny_upload_whose_rows_recur_in_another_file_is_no_overlap(store):
    """Two front-desk applications of a day stored from one counter, and the same two (same day,
    service, fee: the front desk writes no place or person) among another counter's 30 rows: all of
    the tiny upload, yet no sign that it is in the file."""
    store.commit(front_desk(make_log(2)), file_name="counter-2.csv", content_hash="c2", uploader="u")
    assert overlaps(store.scan(), front_desk(pl.concat([make_log(2), make_log(28, fee=9900)]))).height == 0


def front_desk(log: pl.DataFrame) -> pl.DataFrame:
    """The rows as the front desk writes them: no place, no person, no fee."""
    return log.with_columns(pl.lit("front_desk").cast(pl.Enum(["udc", "front_desk"])).alias("channel"),
                            pl.lit(None, pl.String).alias("union_code"), pl.lit(None, pl.String).alias("entrepreneur_id"),
                            pl.lit(0, pl.Int64).alias("fee_paisa"))


@pytest.mark.parametrize("rows", [1, 5, 9])
def test_a_few_corrected_udc_rows_stored_alone_are_caught_in_the_whole_corrected_file(store, rows):
    """The review's case: the good rows of a file stored, the rest corrected and stored alone, then (the
    first rolled back) the whole corrected file: the few corrected rows, an entrepreneur's deliveries,
    would be stored twice."""
    corrected = make_log(rows, fee=7700)
    stored = store.commit(corrected, file_name="fixed-rows.csv", content_hash="f", uploader="u")
    found = overlaps(store.scan(), pl.concat([make_log(114), corrected]))
    assert found.select("upload_id", "shared_rows").rows() == [(stored.upload_id, rows)]


def days_of(first: date, last: date, *, unions: tuple[str, ...] = ("BD10791411",), per_day: int = 3) -> pl.DataFrame:
    """A log of every day from ``first`` to ``last``: ``per_day`` rows a day for each of two
    entrepreneurs of each union, their fees differing by the day."""
    frames = []
    for union in unions:
        for day in range((last - first).days + 1):
            when = first + timedelta(days=day)
            frames.append(make_log(2 * per_day, start=when, days=1, fee=5000 + 100 * (when.toordinal() % 7),
                                   union=union))
    return pl.concat(frames)


@pytest.mark.parametrize(("stored", "new", "expected"), [
    # two files whose dates overlap by 11 days (10-20 August), stored as the first: its days repeated
    ((date(2023, 7, 1), date(2023, 8, 20)), (date(2023, 8, 10), date(2023, 9, 30)),
     (True, date(2023, 8, 10), date(2023, 8, 20), 11 * 6)),
    # one day in common (6 rows): too little to say the file repeats that upload
    ((date(2023, 7, 1), date(2023, 8, 20)), (date(2023, 8, 20), date(2023, 9, 30)), None),
    ((date(2023, 7, 1), date(2023, 8, 20)), (date(2023, 8, 21), date(2023, 9, 30)), None),
])
def test_a_file_repeating_some_days_of_an_upload_is_caught(store, stored, new, expected):
    """An office's deliveries of a day, exactly the same in the file and in a stored upload, on
    several days: the dates overlap (11 % of the file, below every share above)."""
    store.commit(days_of(*stored), file_name="jul-aug20.csv", content_hash="a", uploader="u")
    found = overlaps(store.scan(), days_of(*new))
    if expected is None:
        assert found.height == 0
    else:
        assert found.select("partial", "first", "last", "shared_rows").rows() == [expected]


def test_the_same_days_of_another_union_are_no_overlap(store):
    store.commit(days_of(date(2023, 7, 1), date(2023, 8, 20)), file_name="a.csv", content_hash="a", uploader="u")
    assert overlaps(store.scan(), days_of(date(2023, 8, 10), date(2023, 9, 30), unions=("BD10791422",))).height == 0


def test_other_quarters_and_rolled_back_uploads_do_not_overlap(store):
    log = make_log(30)
    first = store.commit(log, file_name="q1.csv", content_hash="a", uploader="u")
    assert overlaps(store.scan(), make_log(30, start=date(2022, 10, 1))).height == 0
    store.rollback(first.upload_id, actor="u")
    assert overlaps(store.scan(), log).height == 0


def test_quarter_plan_says_what_is_added_replaced_and_new(store):
    store.commit(make_log(50), file_name="q1.csv", content_hash="a", uploader="u")
    incoming = make_log(60, start=date(2022, 9, 1), days=60)  # Q1 and Q2
    add = quarter_plan(store.scan(), incoming, mode="add")
    q1 = incoming.filter(pl.col("date") < date(2022, 10, 1)).height
    assert add.select("fq", "stored_rows", "incoming_rows", "after_rows", "action").rows() == [
        (1, 50, q1, 50 + q1, "add"), (2, 0, 60 - q1, 60 - q1, "new")]
    replace = quarter_plan(store.scan(), incoming, mode="replace")
    assert replace.select("fq", "after_rows", "action").rows() == [(1, q1, "replace"), (2, 60 - q1, "new")]


def test_a_quarter_of_the_sample_is_always_replaced(store):
    """The bundled sample is not data to add to: a real file takes its place (the store does so)."""
    sample = store.commit(make_log(50), file_name="sample", content_hash="s", uploader="system", is_sample=True)
    incoming = make_log(60, start=date(2022, 9, 1), days=60)  # Q1 (the sample's) and Q2
    q1 = incoming.filter(pl.col("date") < date(2022, 10, 1)).height
    plan = quarter_plan(store.scan(), incoming, mode="add", sample_uploads={sample.upload_id})
    assert plan.select("fq", "stored_rows", "after_rows", "action").rows() == [
        (1, 50, q1, "replace_sample"), (2, 0, 60 - q1, "new")]
    store.commit(incoming, file_name="real.csv", content_hash="r", uploader="u")
    assert store.scan().select(pl.len()).collect().item() == 60  # as the plan said: 50 sample rows replaced


def test_the_quarters_that_ask_add_or_replace(store):
    from analytics.ingest.preview import quarters_with_data
    from analytics.reference.periods import quarter

    store.commit(make_log(50), file_name="q1.csv", content_hash="a", uploader="u")
    incoming = make_log(60, start=date(2022, 9, 1), days=60)  # Q1 (stored) and Q2 (new)
    assert quarters_with_data(quarter_plan(store.scan(), incoming, mode="add")) == [quarter(2022, 1)]


def test_two_front_desk_counters_with_the_same_days_are_no_overlap(store):
    """The front desk names no person: two counters' days of a few applications of one service at
    no fee can be alike (here 1-3 July), and are two counters' deliveries."""
    counter = days_of(date(2023, 7, 1), date(2023, 7, 20)).with_columns(
        pl.lit("front_desk").cast(pl.Enum(["udc", "front_desk"])).alias("channel"),
        pl.lit(None, pl.String).alias("union_code"), pl.lit(None, pl.String).alias("entrepreneur_id"),
        pl.lit(0, pl.Int64).alias("fee_paisa"))
    store.commit(counter, file_name="counter-1.csv", content_hash="c1", uploader="u")
    other = counter.with_columns(pl.when(pl.col("date") > date(2023, 7, 3)).then(2).otherwise(pl.col("beneficiaries"))
                                 .cast(pl.Int32).alias("beneficiaries"))
    assert overlaps(store.scan(), other).height == 0


def test_a_corrected_copy_repeating_days_is_not_partial(store):
    """The quarter again with some fees corrected: the days it repeats are caught, and since the
    upload has no day outside the file's, replacing is the right advice (not "take the days out")."""
    stored = days_of(date(2023, 7, 1), date(2023, 9, 30))
    store.commit(stored, file_name="q1.csv", content_hash="a", uploader="u")
    corrected = stored.with_columns(pl.when(pl.col("date") >= date(2023, 8, 1)).then(pl.col("fee_paisa") + 1)
                                    .otherwise(pl.col("fee_paisa")).alias("fee_paisa"))
    found = overlaps(store.scan(), corrected)
    assert found.select("partial").rows() == [(False,)]


@pytest.mark.parametrize(("typed", "strays"), [
    ({22: date(2023, 9, 28)}, [22]),  # a day of October typed as September: alone in the quarter before
    ({22: date(2023, 9, 28), 40: date(2024, 1, 2)}, [22, 40]),  # one each side
    ({}, []),
])
def test_a_row_alone_in_another_quarter_is_a_stray(typed, strays):
    log = make_log(100, start=date(2023, 10, 1), days=60).with_columns(pl.int_range(2, 102).cast(pl.Int32).alias("source_row"))
    for row, day in typed.items():
        log = log.with_columns(pl.when(pl.col("source_row") == row).then(pl.lit(day)).otherwise(pl.col("date")).alias("date"))
    assert stray_rows(log)["source_row"].to_list() == strays


def test_a_file_over_two_quarters_has_no_strays():
    log = make_log(100, start=date(2023, 9, 1), days=60).with_columns(pl.int_range(2, 102).cast(pl.Int32).alias("source_row"))
    assert stray_rows(log).height == 0


def _summary(log: pl.DataFrame) -> pl.DataFrame:
    """``log`` as a monthly summary of it: per union, month and service, dated the 1st, no one named."""
    return schema.conform(log.group_by("channel", "upazila_code", "union_code", "service_code",
                                       pl.col("date").dt.truncate("1mo")).agg(pl.col("beneficiaries", "fee_paisa").sum())
                          .with_columns(pl.lit(None, pl.String).alias("entrepreneur_id"))).collect()


@pytest.mark.parametrize("first", ["log", "summary"])
def test_the_same_deliveries_as_a_log_and_as_a_monthly_summary_are_caught(store, first):
    """A review: a union's log and then a monthly summary of the same deliveries (a workbook's two sheets)
    stored 76 beneficiaries as 152; no row of the one is a row of the other."""
    log = make_log(60, days=60, union="BD10798094")
    both = {"log": log, "summary": _summary(log)}
    stored = store.commit(both[first], file_name=f"{first}.csv", content_hash=first, uploader="u")
    other = both["summary" if first == "log" else "log"]
    found = overlaps(store.scan(), other)
    assert found.select("upload_id", "shared_rows", "form").rows() == [(stored.upload_id, other.height, True)]


def test_a_summary_of_an_upazila_holding_a_unions_stored_log_is_caught(store):
    """An upazila's summary of its unions' months, one of which was stored as that union's log: that
    union's deliveries would be counted twice, though they are a small part of the summary."""
    tona = make_log(30, days=60, union="BD10798094")
    store.commit(tona, file_name="tona.csv", content_hash="t", uploader="u")
    others = [make_log(30, days=60, union=u) for u in ("BD10798017", "BD10798025", "BD10798034", "BD10798043")]
    found = overlaps(store.scan(), _summary(pl.concat([tona, *others])))
    assert found["form"].to_list() == [True]


@pytest.mark.parametrize("incoming", [
    make_log(30, days=60, union="BD10798017"),  # another union's log
    _summary(make_log(30, days=60, union="BD10798017")),  # another union's summary
    make_log(30, start=date(2022, 9, 1), days=20, union="BD10798094"),  # more days of the same union, a log too
    _summary(make_log(30, start=date(2022, 10, 1), days=30, union="BD10798094")),  # the union's next month
])
def test_logs_and_summaries_of_other_unions_or_months_are_no_overlap(store, incoming):
    store.commit(make_log(30, days=60, union="BD10798094"), file_name="tona.csv", content_hash="t", uploader="u")
    assert overlaps(store.scan(), incoming).height == 0
