from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from analytics.reference import schema


def test_empty_log_has_every_column_typed():
    frame = schema.empty_log()
    assert frame.height == 0 and dict(frame.schema) == schema.LOG_SCHEMA


def test_conform_casts_and_fills_missing():
    frame = pl.DataFrame({"date": [date(2022, 7, 1)], "channel": ["udc"], "beneficiaries": [3], "extra": ["x"]})
    out = schema.conform(frame).collect()
    assert out.columns == list(schema.LOG_COLUMNS)
    assert out["beneficiaries"].dtype == pl.Int32 and out["union_code"].null_count() == 1


@pytest.mark.parametrize(("taka", "paisa"), [(0, 0), (50, 5000), ("12.5", 1250), (Decimal("0.01"), 1),
                                             ("3849168", 384916800)])
def test_taka_to_paisa_exact(taka, paisa):
    assert schema.taka_to_paisa(taka) == paisa


def test_taka_to_paisa_rejects_fractions_of_paisa():
    with pytest.raises(ValueError):
        schema.taka_to_paisa("1.005")


@pytest.mark.parametrize(("paisa", "value"), [(384916800, 3849168), (1250, "12.50"), (-5, "-0.05")])
def test_json_taka(paisa, value):
    assert schema.paisa_to_taka_json(paisa) == value


def test_channel_lists_derive_from_the_schema() -> None:
    from typing import get_args

    from analytics.report import metrics, viewstate

    assert viewstate.CHANNELS == ("all", *schema.CHANNELS)
    assert get_args(metrics.ChannelFilter) == viewstate.CHANNELS
