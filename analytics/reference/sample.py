"""A FY 2022-23 sample log reconstructed from the published totals.

The news report gives only totals (``geodata/published_fy2022_23.json``). This module makes
one row per delivery that adds up to every one of them exactly, and is otherwise plausible:
fees drawn around each service's typical charge, unions within an upazila differing,
a second half-year busier than the first, fewer deliveries on Fridays. It is a sample,
labelled as such wherever it is shown; it is deterministic for a given seed.

Exactness is by construction (largest-remainder allocation, then a fee correction of a
taka here and there within each service's fee range), not by luck of the random draw.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl

from analytics.reference import schema
from analytics.reference.gazetteer import GEODATA_DIR, Gazetteer
from analytics.reference.periods import Period, quarter
from analytics.reference.services import load_catalogue
from analytics.store import Store

SAMPLE_FY = 2022
SAMPLE_UPLOAD_ID = "sample-fy2022-23"
SAMPLE_FILE_NAME = "sample FY 2022-23 (reconstructed from published totals)"
QUARTER_SHARES = (0.22, 0.24, 0.26, 0.28)  # Jul-Sep monsoon quietest, Apr-Jun busiest
FRIDAY_WEIGHT = 0.25

_FEMALE = ("Nasrin Akter", "Shirin Sultana", "Taslima Begum", "Farzana Yasmin", "Rokeya Khatun",
           "Sharmin Akter", "Jesmin Nahar", "Moushumi Das", "Rina Rani Mistry", "Sumaiya Islam",
           "Laboni Akter", "Papia Sultana", "Mahmuda Khanam")
_MALE = ("Md. Rafiqul Islam", "Md. Shahidul Haque", "Abdul Karim", "Kamrul Hasan", "Md. Mizanur Rahman",
         "Sujan Kumar Saha", "Md. Jahangir Alam", "Habibur Rahman", "Anisur Rahman", "Md. Faruk Hossain",
         "Biplob Chandra Hawlader", "Md. Sohel Rana", "Tarikul Islam")

TEMPLATE_HEADERS = {
    "en": ("Date", "Channel", "Upazila", "Union", "Entrepreneur ID", "Entrepreneur Name", "Gender",
           "Service", "Beneficiaries", "Fee (Tk)"),
    "bn": ("তারিখ", "চ্যানেল", "উপজেলা", "ইউনিয়ন", "উদ্যোক্তা আইডি", "উদ্যোক্তার নাম", "লিঙ্গ",
           "সেবা", "সেবাগ্রহীতা", "আয় (টাকা)"),
}
_CHANNEL_WORDS = {"en": {"udc": "UDC", "front_desk": "Front desk"}, "bn": {"udc": "ইউডিসি", "front_desk": "ফ্রন্ট ডেস্ক"}}
_GENDER_WORDS = {"en": {"female": "Female", "male": "Male"}, "bn": {"female": "নারী", "male": "পুরুষ"}}


def published_targets(*, directory: Path = GEODATA_DIR) -> dict:
    """The published FY 2022-23 totals the sample reproduces."""
    return json.loads((directory / "published_fy2022_23.json").read_text(encoding="utf-8"))


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _days(period: Period, count: int, rng: np.random.Generator) -> np.ndarray:
    days = np.array([period.start + timedelta(days=i) for i in range(period.days())], dtype="datetime64[D]")
    weights = np.where(((days.astype(np.int64) - 1) % 7) == 0, FRIDAY_WEIGHT, 1.0)  # 1970-01-02 was a Friday
    return np.sort(rng.choice(days, size=count, p=weights / weights.sum()))


def _dates(total: int, rng: np.random.Generator, *, fy: int) -> np.ndarray:
    shares = np.array(QUARTER_SHARES) * rng.uniform(0.85, 1.15, size=4)
    counts = _allocate(total, shares)
    return np.concatenate([_days(quarter(fy, q + 1), int(n), rng) for q, n in enumerate(counts)])


def _entrepreneurs(unions: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for i, (pcode, upazila) in enumerate(unions.select("pcode", "parent_pcode").iter_rows()):
        for gender, names, suffix in (("female", _FEMALE, "F"), ("male", _MALE, "M")):
            rows.append({"entrepreneur_id": f"UDC-{pcode[2:]}-{suffix}",
                         "entrepreneur_name": names[(i * 5 + len(suffix)) % len(names)],
                         "entrepreneur_gender": gender, "union_code": pcode, "upazila_code": upazila})
    return pl.DataFrame(rows)


def _fees(typical: np.ndarray, low: np.ndarray, high: np.ndarray, target: int,
          rng: np.random.Generator) -> np.ndarray:
    """Whole-taka fees near ``typical``, within [low, high], summing exactly to ``target``."""
    noise = rng.lognormal(0.0, 0.25, size=typical.size)

    def draw(scale: float) -> np.ndarray:
        return np.clip(np.rint(typical * noise * scale), low, high).astype(np.int64)

    lo, hi = 0.01, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if draw(mid).sum() < target else (lo, mid)
    fees = draw(lo)
    gap = target - int(fees.sum())
    room = (high - fees) if gap > 0 else (fees - low)
    if room.sum() < abs(gap):
        raise ValueError("the published earnings cannot be reached within the catalogue's fee ranges")
    step = 1 if gap > 0 else -1
    while gap:
        candidates = np.flatnonzero(room > 0)
        chosen = rng.choice(candidates, size=min(abs(gap), candidates.size), replace=False)
        fees[chosen] += step
        room[chosen] -= 1
        gap -= step * chosen.size
    return fees


def generate(*, seed: int = 2023, gazetteer: Gazetteer | None = None) -> pl.DataFrame:
    """The FY 2022-23 sample log: one row per delivery, canonical schema."""
    rng = np.random.default_rng(seed)
    gaz = gazetteer or Gazetteer.load()
    targets = published_targets()
    catalogue = load_catalogue()
    udc_services = catalogue.filter(pl.col("channel") == "udc")
    fd_services = catalogue.filter(pl.col("channel") == "front_desk")
    unions = gaz.unions().sort("pcode")
    people = _entrepreneurs(unions)

    frames = []
    for name, total in targets["beneficiaries_udc_by_upazila"].items():
        upazila = gaz.resolve(name, level="upazila").pcode
        its_unions = unions.filter(pl.col("parent_pcode") == upazila)["pcode"].to_list()
        per_union = _allocate(total, rng.gamma(3.0, 1.0, size=len(its_unions)))
        for union, count in zip(its_unions, per_union):
            share = rng.uniform(0.35, 0.65)
            split = _allocate(int(count), np.array([share, 1 - share]))
            tilt = udc_services["weight"].to_numpy() * rng.lognormal(0.0, 0.35, size=udc_services.height)
            for person, n in zip(people.filter(pl.col("union_code") == union).iter_rows(named=True), split):
                frames.append(pl.DataFrame({
                    "date": _dates(int(n), rng, fy=SAMPLE_FY),
                    "service_index": rng.choice(udc_services.height, size=int(n), p=tilt / tilt.sum()),
                }).with_columns(**{k: pl.lit(v) for k, v in person.items()}))
    udc = pl.concat(frames)
    # every UDC service kind delivered at least once
    missing = sorted(set(range(udc_services.height)) - set(udc["service_index"].unique().to_list()))
    if missing:
        rows = rng.choice(udc.height, size=len(missing), replace=False)
        index = udc["service_index"].to_numpy().copy()
        index[rows] = missing
        udc = udc.with_columns(service_index=pl.Series(index))
    picked = udc_services[udc["service_index"].to_numpy()]
    fees = _fees(picked["typical_fee_bdt"].to_numpy().astype(float), picked["fee_min_bdt"].to_numpy(),
                 picked["fee_max_bdt"].to_numpy(), targets["entrepreneur_earnings_bdt"], rng)
    udc = udc.with_columns(
        channel=pl.lit("udc"), service_code=picked["service_code"], service_category=picked["category_code"],
        fee_paisa=pl.Series(fees * schema.PAISA_PER_TAKA),
    )

    fd_total = targets["beneficiaries_front_desk"]
    fd_index = rng.choice(fd_services.height, size=fd_total, p=(w := fd_services["weight"].to_numpy()) / w.sum())
    fd_index[rng.choice(fd_total, size=fd_services.height, replace=False)] = np.arange(fd_services.height)
    fd_picked = fd_services[fd_index]
    front_desk = pl.DataFrame({"date": _dates(fd_total, rng, fy=SAMPLE_FY)}).with_columns(
        channel=pl.lit("front_desk"), upazila_code=pl.lit(gaz.dc_office_upazila()),
        service_code=fd_picked["service_code"], service_category=fd_picked["category_code"], fee_paisa=pl.lit(0, pl.Int64),
    )
    log = pl.concat([udc.drop("service_index"), front_desk], how="diagonal_relaxed")
    log = log.with_columns(beneficiaries=pl.lit(1), upload_id=pl.lit(SAMPLE_UPLOAD_ID)).sort(
        "date", "channel", "upazila_code", "union_code", "entrepreneur_id", "service_code", nulls_last=True)
    return schema.conform(log.with_columns(source_row=pl.int_range(2, log.height + 2))).collect()


def as_template(log: pl.DataFrame, *, lang: str, gazetteer: Gazetteer | None = None) -> pl.DataFrame:
    """The log as staff would fill the upload template (names, not codes) in ``lang``."""
    gaz = gazetteer or Gazetteer.load()
    catalogue = load_catalogue()
    name = "name_bn" if lang == "bn" else "name_en"
    places = gaz.units.select(pl.col("pcode"), pl.col(name).alias("place"))
    services = catalogue.select("service_code", pl.col(name).alias("service"))
    out = (log.join(places.rename({"pcode": "upazila_code", "place": "upazila"}), on="upazila_code", how="left")
           .join(places.rename({"pcode": "union_code", "place": "union"}), on="union_code", how="left")
           .join(services, on="service_code", how="left"))
    headers = TEMPLATE_HEADERS[lang]
    # identical deliveries (same day, place, entrepreneur, service and fee) become one row
    # with their count, as the upload validation asks of real files
    keys = ["date", "channel", "upazila", "union", "entrepreneur_id", "entrepreneur_name", "entrepreneur_gender",
            "service", "fee_paisa"]
    out = (out.group_by(keys, maintain_order=True)
           .agg(pl.col("beneficiaries").sum(), pl.len().alias("_n"))
           .with_columns(fee_paisa=pl.col("fee_paisa") * pl.col("_n")))
    return out.select(
        pl.col("date").dt.strftime("%d/%m/%Y").alias(headers[0]),
        pl.col("channel").cast(pl.String).replace_strict(_CHANNEL_WORDS[lang]).alias(headers[1]),
        pl.col("upazila").alias(headers[2]), pl.col("union").alias(headers[3]),
        pl.col("entrepreneur_id").alias(headers[4]), pl.col("entrepreneur_name").alias(headers[5]),
        pl.col("entrepreneur_gender").cast(pl.String).replace_strict(_GENDER_WORDS[lang], default=None).alias(headers[6]),
        pl.col("service").alias(headers[7]), pl.col("beneficiaries").alias(headers[8]),
        (pl.col("fee_paisa") // schema.PAISA_PER_TAKA).alias(headers[9]),
    )


def write_quarterly_files(log: pl.DataFrame, directory: Path, *, formats: tuple[str, ...] = ("csv", "xlsx"),
                          fy: int = SAMPLE_FY) -> list[Path]:
    """Write one file per fiscal quarter and format, as an office would upload them.

    CSV files carry English headers (UTF-8 with BOM, as Excel saves them); XLSX files carry
    Bengali headers and names.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for q in range(1, 5):
        part = log.filter(quarter(fy, q).filter())
        stem = f"pirojpur-fy{fy}-{(fy + 1) % 100:02d}-q{q}"
        if "csv" in formats:
            path = directory / f"{stem}.csv"
            _whole(path, lambda to: to.write_bytes(as_template(part, lang="en").write_csv().encode("utf-8-sig")))
            written.append(path)
        if "xlsx" in formats:
            path = directory / f"{stem}.xlsx"
            _whole(path, lambda to: as_template(part, lang="bn").write_excel(to, worksheet="log", autofit=False))
            written.append(path)
    return written


def _whole(path: Path, write) -> None:
    """``write(temporary)`` beside ``path``, then renamed to it: a full disk leaves no half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def ensure_sample(store: Store) -> bool:
    """Store the sample in a store that has never had an upload. True when it did."""
    if store.uploads().height:
        return False
    log = generate()
    digest = hashlib.sha256(log.write_ipc(None).getvalue()).hexdigest()
    store.commit(log, file_name=SAMPLE_FILE_NAME, content_hash=digest, uploader="system",
                 is_sample=True, upload_id=SAMPLE_UPLOAD_ID,
                 note="Sample reconstructed from the published FY 2022-23 totals; not real delivery records.")
    return True
