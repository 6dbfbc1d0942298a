"""Synthetic national logs: upload CSVs in the real template, and canonical Parquet stores.

Deterministic for a seed. National spread: every union of Bangladesh (benchmarks/data/
gazetteer_national.csv) whose upazila name is unique, two entrepreneurs per union, services
and fees from geodata/services.csv (weights and fee ranges), dates across FY 2023-24 (and
FY 2022-23 for stores, so period comparisons have data).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer, normalise_name
from analytics.reference.services import load_catalogue

DATA = Path(__file__).with_name("data")


def national_gazetteer() -> Gazetteer:
    return Gazetteer.load(directory=DATA)


def _places(gaz: Gazetteer) -> pl.DataFrame:
    upazilas = gaz.units.filter(pl.col("level") == "upazila")
    unique = upazilas.filter(pl.col("name_en").map_elements(normalise_name, return_dtype=pl.String).is_unique()).select(
        pl.col("pcode").alias("upazila_code"), pl.col("name_en").alias("upazila"))
    unions = gaz.units.filter(pl.col("level") == "union").select(
        pl.col("pcode").alias("union_code"), pl.col("parent_pcode").alias("upazila_code"), pl.col("name_en").alias("union"))
    # city wards ("Ward No-07", "Ward No-07 (Part)") are not UDC unions; names must resolve one way
    unions = unions.filter(~pl.col("union").str.starts_with("Ward")).with_columns(
        key=pl.col("union").map_elements(normalise_name, return_dtype=pl.String))
    unions = unions.filter(pl.struct("upazila_code", "key").is_unique()).drop("key")
    return unions.join(unique, on="upazila_code").sort("union_code")


def deliveries(rows: int, *, seed: int = 1, years: tuple[int, ...] = (2023,)) -> pl.DataFrame:
    """``rows`` UDC deliveries as canonical columns plus display names."""
    rng = np.random.default_rng(seed)
    places = _places(national_gazetteer())
    services = load_catalogue().filter(pl.col("channel") == "udc")
    place = rng.integers(0, places.height, rows)
    weights = services["weight"].to_numpy().astype(float)
    service = rng.choice(services.height, size=rows, p=weights / weights.sum())
    low, high = services["fee_min_bdt"].to_numpy()[service], services["fee_max_bdt"].to_numpy()[service]
    fee = rng.integers(low, high + 1) * schema.PAISA_PER_TAKA
    starts = np.array([np.datetime64(date(y, 7, 1)) for y in years])
    day = starts[rng.integers(0, len(years), rows)] + rng.integers(0, 365, rows).astype("timedelta64[D]")
    woman = rng.random(rows) < 0.5
    chosen = places[place]
    return pl.DataFrame({
        "date": day.astype("datetime64[D]"), "channel": "udc",
        "upazila_code": chosen["upazila_code"], "union_code": chosen["union_code"],
        "upazila": chosen["upazila"], "union": chosen["union"],
        "entrepreneur_id": pl.Series(chosen["union_code"]) + pl.Series(np.where(woman, "-F", "-M")),
        "entrepreneur_name": np.where(woman, "Nasrin Akter", "Abdul Karim"),
        "entrepreneur_gender": np.where(woman, "female", "male"),
        "service_code": services["service_code"].to_numpy()[service],
        "service": services["name_en"].to_numpy()[service],
        "service_category": services["category_code"].to_numpy()[service],
        "beneficiaries": np.ones(rows, dtype=np.int32), "fee_paisa": fee,
    }).with_columns(pl.col("date").cast(pl.Date))


def upload_csv(rows: int, path: Path, *, seed: int = 1) -> Path:
    """An upload file in the template format; identical deliveries merged (as the office would)."""
    frame = deliveries(rows, seed=seed)
    keys = ["date", "upazila", "union", "entrepreneur_id", "entrepreneur_name", "entrepreneur_gender", "service"]
    merged = frame.group_by(keys).agg(pl.col("beneficiaries").sum(), pl.col("fee_paisa").sum())
    out = merged.select(
        pl.col("date").dt.strftime("%d/%m/%Y").alias("Date"), pl.lit("UDC").alias("Channel"),
        pl.col("upazila").alias("Upazila"), pl.col("union").alias("Union"),
        pl.col("entrepreneur_id").alias("Entrepreneur ID"), pl.col("entrepreneur_name").alias("Entrepreneur Name"),
        pl.col("entrepreneur_gender").alias("Gender"), pl.col("service").alias("Service"),
        pl.col("beneficiaries").alias("Beneficiaries"), (pl.col("fee_paisa") // 100).alias("Fee (Tk)"),
    ).sort("Date", "Union")
    path.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(path)
    return path


def store_frame(rows: int, *, seed: int = 2) -> pl.DataFrame:
    """``rows`` canonical log rows over FY 2022-23 and FY 2023-24 (for stores)."""
    return schema.conform(deliveries(rows, seed=seed, years=(2022, 2023)).with_columns(
        upload_id=pl.lit("bench"), source_row=pl.int_range(2, rows + 2))).collect()
