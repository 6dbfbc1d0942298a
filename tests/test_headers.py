import polars as pl
import pytest

from analytics.ingest.headers import (
    FIELDS,
    LOG_FIELDS,
    PEOPLE,
    detect_shape,
    header_key,
    header_score,
    is_pii,
    known_headings,
    map_headers,
    recognise,
    timestamp_heading,
)

TEMPLATE_EN = ["Date", "Channel", "Upazila", "Union", "Entrepreneur ID", "Entrepreneur Name", "Gender", "Service",
               "Beneficiaries", "Fee (Tk)"]
TEMPLATE_BN = ["তারিখ", "চ্যানেল", "উপজেলা", "ইউনিয়ন", "উদ্যোক্তা আইডি", "উদ্যোক্তার নাম", "লিঙ্গ", "সেবা",
               "সেবাগ্রহীতা", "আয় (টাকা)"]
TEMPLATE_FIELDS = ["date", "channel", "upazila", "union", "entrepreneur_id", "entrepreneur_name", "gender", "service",
                   "beneficiaries", "fee"]

SYNONYMS = {
    "date": ["Date", "Service Date", "তারিখ", "সেবার তারিখ", " DATE ", "service-date"],
    "channel": ["Channel", "Centre type", "চ্যানেল", "সেবাকেন্দ্র"],
    "upazila": ["Upazila", "Upazila Name", "Thana", "উপজেলা", "উপজেলার নাম", "UPAZILA NAME:"],
    "union": ["Union", "Union Name", "Union Parishad", "UP", "ইউনিয়ন", "ইউনিয়নের নাম", "ইউনিয়ন পরিষদ", "UDC",
              "Digital Centre Name", "ডিজিটাল সেন্টারের নাম", "ইউনিয়ন ডিজিটাল সেন্টার"],
    "entrepreneur_id": ["Entrepreneur ID", "Uddokta ID", "উদ্যোক্তা আইডি", "entrepreneur_id",
                        "উদ্যোক্তার তথ্য আইডি", "Entrepreneur details ID", "Entrepreneur info Code"],
    "entrepreneur_name": ["Entrepreneur", "Entrepreneur Name", "উদ্যোক্তা", "উদ্যোক্তার নাম"],
    "gender": ["Gender", "Sex", "লিঙ্গ", "লিঙ্গ Gender", "Entrepreneur's gender", "উদ্যোক্তার লিঙ্গ",
               "Entrepreneur (M/F)", "উদ্যোক্তার ধরণ (নারী/পুরুষ)", "Male/Female", "মহিলা/পুরুষ"],
    "service": ["Service", "Service Name", "Service Type", "সেবা", "সেবার নাম", "সেবার ধরন"],
    "beneficiaries": ["Beneficiaries", "Recipients", "Count", "No. of Services", "সেবাগ্রহীতা", "সেবাগ্রহীতার সংখ্যা",
                      "সংখ্যা", "No. of Persons", "People served", "Nos.", "জন", "লোকসংখ্যা", "Service users",
                      "Persons Served (No.)", "No. of users", "Total Persons"],
    "fee": ["Fee", "Income", "Income (Tk)", "Fee (Tk)", "Amount", "Earning", "আয়", "আয় (টাকা)", "ফি", "টাকা",
            "টাকার পরিমাণ", "Fee (BDT)", "Total amount (Tk.)", "Service Charge (Tk)", "সার্ভিস চার্জ (টাকা)",
            "সেবা মূল্য (টাকা)"],
    "unit_fee": ["Fee per person (Tk)", "Unit Fee", "একক মূল্য (টাকা)", "Rate", "জনপ্রতি ফি", "দর (টাকা)"],
    "ignore": ["Govt Fee (Tk)", "Government fee", "সরকারি ফি"],
    "month": ["Month", "মাস"],
    "year": ["Year", "বছর", "Calendar Year", "বৎসর"],
    "serial": ["SL", "Sl. No.", "ক্রমিক নং"],
    "reference": ["Receipt No", "Transaction ID"],
}
PII = ["Citizen Name", "Customer name", "Applicant Name", "Name", "নাগরিকের নাম", "সেবাগ্রহীতার নাম", "গ্রাহকের নাম",
       "মোবাইল নম্বর", "Mobile No.", "Phone", "Contact number", "এনআইডি", "NID", "National ID No",
       "জাতীয় পরিচয়পত্র নম্বর", "Birth Reg. No", "জন্ম নিবন্ধন নম্বর", "Address", "ঠিকানা", "Email", "ই-মেইল",
       "Father's name", "পিতার নাম", "Recipient Name",
       # personal data whatever else the heading says: a count word, "service" or "recipient" in it
       "Name of Service Recipient", "Service Recipient Name", "Mobile No. of Recipient", "Customer Account No",
       "Account Number", "সেবাগ্রহীতার বয়স", "Age of Service Recipient", "Recipient's Age", "Birth Date",
       "Date of Death", "সেবাগ্রহীতার মোবাইল নম্বর", "No. of Recipient's NID", "Recipient Gender",
       "সেবাগ্রহীতার লিঙ্গ"]


@pytest.mark.parametrize(("header", "field"), [(h, f) for f, hs in SYNONYMS.items() for h in hs])
def test_synonyms(header, field):
    assert recognise(header) == field


@pytest.mark.parametrize("header", PII)
def test_personal_data_headers(header):
    assert is_pii(header)
    assert recognise(header) == "pii"


@pytest.mark.parametrize("header", ["সেবাগ্রহীতা", "সেবাগ্রহীতার সংখ্যা", "Union ID", "Union Name", "Service Name",
                                    "Entrepreneur Name", "Customer count", "Upazila Name", "No. of Recipients",
                                    "Page", "Agent", "Average fee", "Digital Centre Name", "ডিজিটাল সেন্টারের নাম"])
def test_not_personal_data(header):
    assert recognise(header) != "pii"


def test_recipient_name_versus_recipient_count():
    assert recognise("সেবাগ্রহীতার নাম") == "pii"
    assert recognise("সেবাগ্রহীতার সংখ্যা") == "beneficiaries"
    assert recognise("সেবাগ্রহীতা") == "beneficiaries"


def test_templates_map_exactly():
    for template in (TEMPLATE_EN, TEMPLATE_BN):
        mapped = map_headers(template)
        assert list(mapped.columns.values()) == TEMPLATE_FIELDS
        assert mapped.unmapped == [] and mapped.dropped_pii == [] and mapped.duplicates == {}


def test_header_key_ignores_case_spacing_and_punctuation():
    assert header_key("Fee (Tk)") == header_key("fee tk") == header_key("FEE-TK.")
    assert header_key("আয় (টাকা)") == header_key("আয়টাকা")


def test_mapping_overrides_recognition():
    mapped = map_headers(["Tarikh", "Shebar Naam", "Union", "Colour?"],
                         mapping={"Tarikh": "date", "shebar naam": "service", "Union": "ignore"})
    assert mapped.columns == {"Tarikh": "date", "Shebar Naam": "service", "Union": "ignore"}
    assert mapped.unmapped == ["Colour?"]


def test_mapping_can_keep_a_column_recognised_as_personal_data():
    mapped = map_headers(["Name", "Mobile"], mapping={"Name": "entrepreneur_name"})
    assert mapped.columns == {"Name": "entrepreneur_name"}
    assert mapped.dropped_pii == ["Mobile"]


def test_bad_mapping_is_reported():
    mapped = map_headers(["Fee (Tk)"], mapping={"Fee (Tk)": "money"})
    assert mapped.invalid_mapping == {"Fee (Tk)": "money"}
    assert mapped.columns == {"Fee (Tk)": "fee"}


@pytest.mark.parametrize(("headers", "columns", "unmapped", "duplicates"), [
    # of headings that mean the same amount, the one naming the total beats its parts (a header on
    # two rows, read together; a unit fee beside the total)
    (["Date", "Service", "সেবা গ্রহীতার সংখ্যা পুরুষ", "সেবা গ্রহীতার সংখ্যা মহিলা", "সেবা গ্রহীতার সংখ্যা মোট"],
     {"Date": "date", "Service": "service", "সেবা গ্রহীতার সংখ্যা মোট": "beneficiaries"},
     ["সেবা গ্রহীতার সংখ্যা পুরুষ", "সেবা গ্রহীতার সংখ্যা মহিলা"], {}),
    (["Fee (Tk)", "Total Fee (Tk)"], {"Total Fee (Tk)": "fee"}, ["Fee (Tk)"], {}),
    # any other two are the user's to choose between: never one dropped unsaid
    (["Date", "Next Visit Date"], {"Date": "date", "Next Visit Date": "date"}, [], {"date": ["Date", "Next Visit Date"]}),
    (["Amount (Tk)", "Service Charge (Tk)"], {"Amount (Tk)": "fee", "Service Charge (Tk)": "fee"}, [],
     {"fee": ["Amount (Tk)", "Service Charge (Tk)"]}),
    (["Fee Male", "Fee Female"], {"Fee Male": "fee", "Fee Female": "fee"}, [], {"fee": ["Fee Male", "Fee Female"]}),
    (["Service", "Total Service Name"], {"Service": "service", "Total Service Name": "service"}, [],
     {"service": ["Service", "Total Service Name"]}),
    # a quantity of services is a count, not a second service column
    (["Service Name", "Service Qty"], {"Service Name": "service", "Service Qty": "beneficiaries"}, [], {}),
    (["সেবার নাম", "মোট সেবা"], {"সেবার নাম": "service", "মোট সেবা": "beneficiaries"}, [], {}),
    # a service's code beside its name: the name is read (a review's file was refused as two service columns)
    (["Service Code", "Service"], {"Service": "service"}, ["Service Code"], {}),
    (["সেবা কোড", "সেবার নাম"], {"সেবার নাম": "service"}, ["সেবা কোড"], {}),
    (["Service Code"], {"Service Code": "service"}, [], {}),  # the code alone: the service
    # the channel of service is the channel, not a second service ("সেবা চ্যানেল | সেবার নাম")
    (["সেবা চ্যানেল", "সেবার নাম"], {"সেবা চ্যানেল": "channel", "সেবার নাম": "service"}, [], {}),
])
def test_headings_of_one_field(headers, columns, unmapped, duplicates):
    mapped = map_headers(headers)
    assert (mapped.columns, mapped.unmapped, mapped.duplicates) == (columns, unmapped, duplicates)


@pytest.mark.parametrize(("header", "field"), [
    ("Count", "beneficiaries"), ("Service Count", "beneficiaries"), ("Customer Count", "beneficiaries"),
    ("Discount", None), ("Account (Tk)", None), ("ক্রমিক সংখ্যা", "serial"), ("Service Qty", "beneficiaries"),
])
def test_count_words_are_whole_words(header, field):
    assert recognise(header) == field


@pytest.mark.parametrize(("headers", "columns", "unmapped"), [
    # a Month column dates a summary: a date only a word rule found beside it is another date
    (["Month", "Service", "Submission Date"], {"Month": "month", "Service": "service"}, ["Submission Date"]),
    # a date column that says it is the date keeps it (a log with a Month helper column)
    (["Date", "Month", "Service"], {"Date": "date", "Month": "month", "Service": "service"}, []),
])
def test_a_month_column_beside_another_date(headers, columns, unmapped):
    mapped = map_headers(headers)
    assert (mapped.columns, mapped.unmapped) == (columns, unmapped)


@pytest.mark.parametrize(("headers", "columns", "unmapped"), [
    # a form's Timestamp dates the rows when nothing else does (when each entry was sent) ...
    (["Timestamp", "Service"], {"Timestamp": "date", "Service": "service"}, []),
    (["টাইমস্ট্যাম্প", "সেবা"], {"টাইমস্ট্যাম্প": "date", "সেবা": "service"}, []),
    # ... and gives way to a date the form asked for, or to a summary's month
    (["Timestamp", "Date of Service", "Service"], {"Date of Service": "date", "Service": "service"}, ["Timestamp"]),
    (["Timestamp", "Service Date (তারিখ)", "Service"], {"Service Date (তারিখ)": "date", "Service": "service"},
     ["Timestamp"]),
    (["Timestamp", "Month", "Service"], {"Month": "month", "Service": "service"}, ["Timestamp"]),
])
def test_a_forms_timestamp(headers, columns, unmapped):
    mapped = map_headers(headers)
    assert (mapped.columns, mapped.unmapped, mapped.duplicates) == (columns, unmapped, {})
    assert [h for h in headers if timestamp_heading(h)] == headers[:1]


def test_the_users_mapping_is_never_overruled():
    mapped = map_headers(["Month", "Service", "Submission Date", "Fee", "Total Fee"],
                         mapping={"Submission Date": "date", "Fee": "fee"})
    assert mapped.columns["Submission Date"] == "date" and mapped.duplicates == {"fee": ["Fee", "Total Fee"]}


def test_unmapped_duplicates_and_empty_columns():
    mapped = map_headers(["Date", "Fee", "Income", "Colour", "column K"], empty=["column K"])
    assert mapped.duplicates == {"fee": ["Fee", "Income"]}
    assert mapped.unmapped == ["Colour"]


def test_shape():
    assert detect_shape({"date", "service"}) == "transactions"
    assert detect_shape({"month", "year", "service"}) == "summary"
    assert detect_shape({"date", "month"}) == "transactions"
    assert detect_shape({"service", "fee"}) == "unknown"


def test_header_score_prefers_the_header_row():
    assert header_score(["পিরোজপুর জেলা — ইউডিসি সেবা প্রতিবেদন", None]) == 0
    assert header_score(TEMPLATE_BN) == len(TEMPLATE_FIELDS)
    assert header_score(["01/07/2022", "UDC", "Tona"]) <= 1


def test_fields_are_consistent():
    assert set(LOG_FIELDS) <= set(FIELDS) and "ignore" in FIELDS


@pytest.mark.parametrize(("headers", "fee", "per_unit"), [
    (["Date", "Service", "Count", "Rate"], "Rate", True),  # the fee of one, no fee of the row: it is the fee
    (["Date", "Service", "Count", "Rate", "Fee (Tk)"], "Fee (Tk)", False),  # the row's fee wins
    (["Date", "Service", "Govt Fee (Tk)", "Service Charge (Tk)"], "Service Charge (Tk)", False),
])
def test_a_fee_of_one_person_is_the_fee_only_when_there_is_no_other(headers, fee, per_unit):
    mapped = map_headers(headers)
    assert mapped.field_column("fee") == fee and mapped.fee_per_unit is per_unit and not mapped.duplicates


@pytest.mark.parametrize(("header", "field"), [
    ("Total Rate (Tk)", "fee"),  # the row's own, not one person's
    ("Rate per page (Tk)", None), ("Rate per copy (Taka)", None), ("প্রতি পৃষ্ঠা মূল্য", None),  # pages are no count of people
    ("Persons responsible", None), ("Users' comments", None), ("Person in charge", None),
])
def test_headings_near_a_count_or_a_fee_are_not_taken_for_one(header, field):
    assert recognise(header) == field



# -- the people served alone: their names or their number, the cells decide --------------------------------
@pytest.mark.parametrize(("header", "field"), [
    ("Citizens", PEOPLE), ("Clients", PEOPLE), ("Customer", PEOPLE), ("Applicants", PEOPLE), ("গ্রাহক", PEOPLE),
    ("নাগরিক", PEOPLE), ("Citizen ID", PEOPLE),
    # a count of them, or money from them: no one's personal data
    ("Citizens served", "beneficiaries"), ("No. of citizens", "beneficiaries"), ("Number of citizens", "beneficiaries"),
    ("Clients served", "beneficiaries"), ("Nos of service", "beneficiaries"), ("সেবাপ্রাপ্ত নাগরিক", "beneficiaries"),
    ("Amount received from citizen", "fee"), ("নাগরিকের কাছ থেকে আদায়", "fee"), ("Fee paid by customer", "fee"),
    # their names, contacts and numbers stay personal data
    ("Citizen Name", "pii"), ("Client phone", "pii"), ("Applicant NID", "pii"), ("Customer Account No", "pii"),
])
def test_headings_of_the_people_served(header, field):
    assert recognise(header) == field


@pytest.mark.parametrize(("headers", "counts", "columns", "dropped", "unread"), [
    (["Date", "Service", "Citizens"], ["Citizens"], {"Citizens": "beneficiaries"}, [], []),
    (["Date", "Service", "Citizens"], [], {}, ["Citizens"], []),  # their names: left out
    (["Date", "Service", "Number"], ["Number"], {}, [], ["Number"]),  # counts no heading explains: asked
    (["Date", "Service", "Count", "Number"], ["Number"], {"Count": "beneficiaries"}, [], []),  # a count column: not
])
def test_columns_the_cells_decide(headers, counts, columns, dropped, unread):
    found = map_headers(headers, counts=counts)
    assert {h: f for h, f in found.columns.items() if h not in ("Date", "Service")} == columns
    assert (found.dropped_pii, found.unread_counts) == (dropped, unread)


@pytest.mark.parametrize(("headers", "parts", "duplicates"), [
    (["Date", "Service", "সেবাগ্রহীতা পুরুষ", "সেবাগ্রহীতা মহিলা"], ["সেবাগ্রহীতা পুরুষ", "সেবাগ্রহীতা মহিলা"], {}),
    (["Date", "Service", "Beneficiaries (Male)", "Beneficiaries (Female)", "Beneficiaries (Other)"],
     ["Beneficiaries (Male)", "Beneficiaries (Female)", "Beneficiaries (Other)"], {}),
    (["Date", "Service", "Male", "Female", "Total Beneficiaries"], [], {}),  # the total is the count
    (["Date", "Service", "Beneficiaries", "No. of Recipients"], [],  # not parts of one: the user's to choose
     {"beneficiaries": ["Beneficiaries", "No. of Recipients"]}),
])
def test_a_count_in_parts_by_sex(headers, parts, duplicates):
    found = map_headers(headers)
    assert (found.count_parts, found.duplicates) == (parts, duplicates)


@pytest.mark.parametrize(("text", "known"), [
    ("Service", True), ("সেবা", True), ("Fee (Tk)", True), ("মোট সেবাগ্রহীতা", True), ("UNION", True),
    ("Birth registration", False), ("Tona", False), ("03/07/2023", False), ("75", False),
    ("〃", False), ("#", False), ("", False), (None, False),  # (no letters: no heading, though "#" heads a serial)
])
def test_known_headings_are_exact_headings_with_letters(text, known):
    assert known_headings(pl.Series([text], dtype=pl.String)).to_list() == [known]


@pytest.mark.parametrize(("header", "field"), [
    # the review's headings: a union parishad's name is the union, never a citizen's name dropped
    ("Name of UP", "union"), ("ইউপির নাম", "union"), ("Name of UDC", "union"),
    # an entrepreneur's code or ID, however written, is the ID, not the name
    ("UDC Entrepreneur Code", "entrepreneur_id"), ("Entrepreneur's ID", "entrepreneur_id"),
    ("Entrepreneur's Code", "entrepreneur_id"), ("উদ্যোক্তার কোড নং", "entrepreneur_id"),
    ("তাং", "date"), ("No. of applications", "beneficiaries"), ("Particulars", "service"), ("বিবরণ", "service"),
    # still a citizen's name
    ("Name", "pii"), ("Citizen Name", "pii"),
])
def test_headings_offices_write(header, field):
    assert recognise(header) == field


@pytest.mark.parametrize(("heading", "field"), [
    # a heading naming both sexes asks which of the two: the gender, not the entrepreneur's name ...
    ("Entrepreneur (M/F)", "gender"), ("উদ্যোক্তার ধরণ (নারী/পুরুষ)", "gender"), ("Male / Female", "gender"),
    # ... unless it counts people or money by sex
    ("Beneficiaries (M/F)", "beneficiaries"), ("পুরুষ/মহিলা সংখ্যা", "beneficiaries"), ("Fee M/F", "fee"),
    ("Total (Male+Female)", None), ("Male", None), ("Entrepreneur", "entrepreneur_name"),
])
def test_a_heading_of_both_sexes_is_the_gender(heading, field):
    assert recognise(heading) == field
