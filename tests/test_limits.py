"""The plausibility limits (analytics.ingest.limits): each one at its boundary, and every sum exact at the limits."""

from datetime import date

import polars as pl
import pytest

from analytics.ingest import limits as L
from analytics.ingest.pipeline import ingest_bytes
from analytics.reference import schema
from analytics.reference.services import load_catalogue
from analytics.report import metrics

HEADER = "Date,Upazila,Union,Entrepreneur ID,Service,Beneficiaries,Fee (Tk)\n"


def one_row(service: str, people: str, fee: str, *, day: str = "05/07/2023") -> set[str]:
    text = HEADER + f"{day},Pirojpur Sadar,Tona,E1,{service},{people},{fee}\n"
    result = ingest_bytes(text.encode(), file_name="row.csv", upload_id="u", lang="en")
    return set(result.problems["code"])


PASSPORT_MAX = 500  # geodata/services.csv: Passport application, Tk 300-500


@pytest.mark.parametrize(("service", "people", "fee", "codes"), [
    ("Passport application", "1", str(PASSPORT_MAX * L.FEE_FACTOR), set()),             # at the ceiling
    ("Passport application", "1", f"{PASSPORT_MAX * L.FEE_FACTOR}.01", {"fee_implausible"}),
    ("Passport application", "2", str(2 * PASSPORT_MAX * L.FEE_FACTOR), set()),          # per person
    ("Passport application", "1", "60", set()),                                           # 300 / 5: the floor
    ("Passport application", "1", "59.99", {"fee_implausible"}),
    ("Passport application", "1", "0", set()),                                            # free: not questioned
    ("Birth registration", "1", "5000000", {"fee_implausible"}),                          # Tk 50,00,000
    ("Birth registration", "1", "1234567890123", {"fee_implausible"}),                    # 13 digits
    ("Birth registration", str(L.MAX_BENEFICIARIES["transactions"]), "75000", set()),
    ("Birth registration", str(L.MAX_BENEFICIARIES["transactions"] + 1), "75", {"count_too_large"}),
    ("Birth registration", "999999999", "75", {"count_too_large"}),
])
def test_each_limit_at_its_boundary(service, people, fee, codes):
    assert one_row(service, people, fee) == codes


@pytest.mark.parametrize(("day", "codes"), [
    (f"01/01/{L.EARLIEST_YEAR}", set()), (f"31/12/{L.EARLIEST_YEAR - 1}", {"date_too_early"}),
    ("05/07/0001", {"date_too_early"}), ("05/07/23", set()), ("01/01/2099", {"date_in_future"}),
])
def test_dates_before_the_services_existed_or_in_the_future_are_refused(day, codes):
    assert one_row("Birth registration", "1", "75", day=day) == codes


def test_front_desk_services_are_free():
    text = "Date,Service,Beneficiaries,Fee (Tk)\n05/07/2023,Plot (dag) index,1,10\n05/07/2023,Plot (dag) index,1,0\n"
    result = ingest_bytes(text.encode(), file_name="fd.csv", upload_id="u", lang="en")
    assert result.problems.select("row", "code").rows() == [(2, "front_desk_fee")]


def test_every_sum_is_exact_at_the_largest_values_the_limits_allow():
    catalogue = load_catalogue().filter(pl.col("channel") == "udc")
    dearest = catalogue.sort("fee_max_bdt").row(-1, named=True)
    rows, people = L.Limits().max_rows, max(L.MAX_BENEFICIARIES.values())
    fee = L.largest_fee_paisa(dearest["fee_max_bdt"], people)
    log = schema.conform(pl.DataFrame({
        "date": [date(2023, 7, 1)] * rows, "channel": ["udc"] * rows, "upazila_code": ["BD107980"] * rows,
        "union_code": ["BD10798094"] * rows, "entrepreneur_id": ["E1"] * rows,
        "service_code": [dearest["service_code"]] * rows, "beneficiaries": [people] * rows, "fee_paisa": [fee] * rows,
    }))
    head = metrics.headline(log)
    assert (head["beneficiaries_total"], head["entrepreneur_earnings_paisa"]) == L.largest_sums(
        rows=rows, fee_max_bdt=dearest["fee_max_bdt"]) == (rows * people, rows * fee)
    assert 0 < head["entrepreneur_earnings_paisa"] < L.INT64_MAX // 100  # room for a hundred such uploads
