"""Column headers as offices write them, to canonical fields; citizen data left out.

A header is matched on its *key*: NFC, lower case, letters/marks/digits only, so "Fee (Tk)",
"fee tk" and "FEE-TK" are one header. Recognition, in order:

1. the caller's ``mapping`` (header as written -> field; ``"ignore"`` skips a column);
2. exact synonyms in English and Bengali (:data:`SYNONYMS`);
3. privacy: headers naming citizens' personal data (:func:`is_pii`) are dropped;
4. looser word rules ("Total fee (BDT)" -> fee, "Name of Union" -> union);
5. anything else is *unmapped*: reported, so the user can map it once.

Fields that carry no log value but are normal in office sheets (serial numbers, receipt
numbers, remarks, district) are recognised and ignored rather than reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from analytics.i18n import ascii_digits
from analytics.ingest.values import GENDER_WORDS, digits, word_key, word_key_expr

#: Fields that land in the log (or decide its shape).
LOG_FIELDS = ("date", "month", "year", "channel", "upazila", "union", "entrepreneur_id",
              "entrepreneur_name", "gender", "service", "beneficiaries", "fee")
#: Recognised but not stored. ``reference`` (receipt numbers) still tells rows apart when
#: looking for duplicates; ``serial`` (1, 2, 3 ...) does not.
IGNORED_FIELDS = ("serial", "reference", "category", "district", "remarks", "ignore")
#: The fee of one person served (a unit price, "Fee per person"): read as the fee when the sheet has
#: no fee of its own, and then each row earns it times its count (:attr:`HeaderMap.fee_per_unit`).
UNIT_FEE = "unit_fee"
FIELDS = LOG_FIELDS + (UNIT_FEE,) + IGNORED_FIELDS
#: The heading of a date's day written in a column of its own ("Day | Month | Year"), as
#: :func:`header_key` gives it.
DAY_HEADINGS = ("day", "দিন", "তারিখদিন")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("Date", "Service Date", "Date of Service", "Delivery Date", "Transaction Date",
             "তারিখ", "সেবার তারিখ", "সেবা প্রদানের তারিখ", "লেনদেনের তারিখ", "তাং"),
    "month": ("Month", "Month Year", "Month-Year", "Reporting Month", "Period", "মাস", "মাসের নাম",
              "মাস ও বছর", "প্রতিবেদনের মাস"),
    "year": ("Year", "Fiscal Year", "FY", "Calendar Year", "বছর", "বৎসর", "সাল", "সন", "অর্থবছর", "অর্থ বছর"),
    "channel": ("Channel", "Centre type", "Center type", "Service Point", "Service Channel",
                "চ্যানেল", "সেবা চ্যানেল", "সেবার চ্যানেল", "সেবাকেন্দ্র", "সেবা কেন্দ্র", "কেন্দ্রের ধরন"),
    "upazila": ("Upazila", "Upazila Name", "Name of Upazila", "Thana", "Upazilla", "Upozila", "Sub-district",
                "উপজেলা", "উপজেলার নাম", "থানা"),
    "union": ("Union", "Union Name", "Name of Union", "Union Parishad", "UP", "UP Name", "Union/Pourashava",
              "Union/Paurashava", "Union/Municipality", "UDC Name", "UDC", "Digital Centre", "Digital Center",
              "Name of UP", "ইউপির নাম", "ইউপি নাম", "Name of UDC",
              "Digital Centre Name", "Digital Center Name", "Union Digital Centre", "Union Digital Center",
              "ইউনিয়ন", "ইউনিয়নের নাম", "ইউনিয়ন পরিষদ", "ইউনিয়ন পরিষদের নাম", "ইউপি", "ইউনিয়ন/পৌরসভা",
              "ইউডিসির নাম", "ইউডিসি", "ডিজিটাল সেন্টার", "ডিজিটাল সেন্টারের নাম", "ইউনিয়ন ডিজিটাল সেন্টার"),
    "entrepreneur_id": ("Entrepreneur ID", "Entrepreneur Code", "Uddokta ID", "Uddokta Code", "Uddokta No",
                        "Entrepreneur's ID", "UDC Entrepreneur ID", "UDC Entrepreneur Code",
                        "উদ্যোক্তা আইডি", "উদ্যোক্তার আইডি", "উদ্যোক্তা কোড", "উদ্যোক্তার কোড"),
    "entrepreneur_name": ("Entrepreneur", "Entrepreneur Name", "Name of Entrepreneur", "Uddokta",
                          "Uddokta Name", "উদ্যোক্তা", "উদ্যোক্তার নাম"),
    "gender": ("Gender", "Sex", "Entrepreneur Gender", "Gender of Entrepreneur", "লিঙ্গ",
               "উদ্যোক্তার লিঙ্গ", "নারী/পুরুষ"),
    "service": ("Service", "Service Name", "Service Type", "Name of Service", "Services", "Service Provided",
                "Subject of Application", "Application Subject", "Subject",
                "সেবা", "সেবার নাম", "সেবার ধরন", "সেবার ধরণ", "প্রদত্ত সেবা", "আবেদনের বিষয়", "বিষয়",
                "Particulars", "বিবরণ"),  # (an account book's column saying what each entry was for)
    "beneficiaries": ("Beneficiaries", "Recipients", "Service Recipients", "Count", "No. of Services",
                      "Number of Services", "No of Services", "No. of Beneficiaries", "Number of Beneficiaries",
                      "No. of Recipients", "Quantity", "Qty", "Total Services", "সেবাগ্রহীতা",
                      "সেবাগ্রহীতার সংখ্যা", "সেবা গ্রহীতা", "সেবা গ্রহীতার সংখ্যা", "সংখ্যা", "সেবার সংখ্যা",
                      "মোট সেবাগ্রহীতা", "উপকারভোগী", "উপকারভোগীর সংখ্যা", "মোট সেবা", "মোট সেবার সংখ্যা",
                      # a front-desk register counts applications: one citizen's each
                      "No. of applications", "Number of applications", "আবেদনের সংখ্যা",
                      "Service Qty", "Service Quantity", "Persons", "No. of Persons", "Number of Persons",
                      "People", "No. of People", "Number of People", "People Served", "Persons Served", "Nos",
                      "জন", "জন সংখ্যা", "জনসংখ্যা", "লোক", "লোকসংখ্যা", "ব্যক্তি", "ব্যক্তির সংখ্যা", "Service Users",
                      "Users", "No. of Users", "Number of Users", "ব্যবহারকারী", "সেবা ব্যবহারকারী", "Persons Served (No.)",
                      "No. of Persons Served", "Number of People Served", "Total Persons", "Total People",
                      "Total Users", "No. of Service Users"),
    "fee": ("Fee", "Fees", "Income", "Income (Tk)", "Income (BDT)", "Fee (Tk)", "Fee (BDT)", "Amount",
            "Amount (Tk)", "Earning", "Earnings", "Earning (Tk)", "Service Charge", "Charge", "Taka",
            "আয়", "আয় (টাকা)", "ফি", "ফি (টাকা)", "টাকা", "টাকার পরিমাণ", "আয়ের পরিমাণ",
            "সেবা মূল্য", "সার্ভিস চার্জ", "আদায়কৃত ফি", "মোট আয়"),
    UNIT_FEE: ("Unit Fee", "Unit Price", "Unit Rate", "Rate", "Rate (Tk)", "Fee per Person", "Fee per Person (Tk)",
               "Price per Unit", "Per Unit Fee", "একক মূল্য", "একক মূল্য (টাকা)", "একক ফি", "দর", "জনপ্রতি ফি",
               "প্রতি জনের ফি"),
    "serial": ("SL", "Sl.", "SL No", "Sl. No.", "S/N", "Serial", "Serial No", "No.", "No", "#", "Row",
               "ক্রমিক", "ক্রমিক নং", "ক্রম", "ক্রঃ নং", "ক্র. নং", "নং", "সারি", "ক্রমিক সংখ্যা", "ক্রমিক নম্বর"),
    "reference": ("Receipt No", "Receipt Number", "Transaction ID", "Transaction No", "Reference", "Ref No",
                  "Invoice No", "Token No", "রসিদ নং", "রশিদ নং", "রসিদ নম্বর", "লেনদেন আইডি", "টোকেন নং"),
    "category": ("Category", "Service Category", "ক্যাটাগরি", "সেবার ক্যাটাগরি", "সেবার শ্রেণি", "শ্রেণি"),
    "district": ("District", "Zila", "Zilla", "জেলা"),
    "remarks": ("Remarks", "Remark", "Note", "Notes", "Comment", "Comments", "Problem", "মন্তব্য",
                "বিঃদ্রঃ", "সমস্যা"),
}

# Personal data of citizens (and contact data of anyone): left out at ingest.
_PII_EXACT = {word_key(text) for text in (
    "Name", "নাম", "NID", "BRN", "DOB", "Date of Birth", "জন্ম তারিখ", "Age", "বয়স", "TIN", "Passport")}
#: Personal data whatever else the heading says ("Mobile No. of Recipient" is a phone number, not a
#: count; "Age of Service Recipient" an age, not a service)
_PII_ALWAYS = tuple(word_key(text) for text in (
    "mobile", "phone", "cell no", "contact", "email", "e-mail", "address", "national id", "nid no", "nid number",
    "voter id", "passport no", "date of birth", "birth date", "birthdate", "date of death", "death date",
    "account no", "account number", "father", "mother", "husband", "spouse", "guardian",
    "মোবাইল", "ফোন", "ঠিকানা", "ইমেইল", "ই-মেইল", "ইমেল", "এনআইডি", "জাতীয় পরিচয়", "জন্ম তারিখ", "মৃত্যুর তারিখ",
    "পিতা", "মাতা", "স্বামী", "অভিভাবক", "বয়স", "হিসাব নম্বর", "হিসাব নং", "অ্যাকাউন্ট নম্বর", "একাউন্ট নম্বর"))
_PII_ALWAYS_WORDS = {"nid", "brn", "dob", "age", "tin"}  # whole words only ("union id" is not "nid", "page" not "age")
#: The people served: their name is personal data ("Name of Service Recipient"), their number is not
_PERSON = tuple(word_key(text) for text in (
    "citizen", "customer", "applicant", "client", "recipient", "beneficiar", "নাগরিক", "গ্রাহক", "আবেদনকারী",
    "সেবাগ্রহীতা", "সেবা গ্রহীতা", "সেবাগ্রহণকারী", "উপকারভোগী"))
_PII_FRAGMENTS = tuple(word_key(text) for text in (
    "citizen", "customer", "applicant", "client", "birth reg", "birth cert no", "birth certificate no",
    "recipient name", "recipients name", "beneficiary name", "beneficiarys name",
    "নাগরিক", "গ্রাহক", "আবেদনকারী", "জন্ম নিবন্ধন",
))
_NAME_WORDS = {"name", "village"}  # whole words
# A name of a place, service or entrepreneur is not personal data; a count of people is not either.
_NOT_PII = tuple(word_key(text) for text in (
    "union", "upazila", "upazilla", "thana", "service", "entrepreneur", "uddokta", "udc", "centre", "center",
    "district", "month", "ইউনিয়ন", "উপজেলা", "সেবার", "উদ্যোক্তা", "কেন্দ্র", "সেন্টার", "জেলার", "মাসের"))
_COUNT_WORDS = tuple(word_key(text) for text in ("count", "no of", "number of", "total", "served", "সংখ্যা", "মোট",
                                                  "সেবাপ্রাপ্ত"))
#: Words for the people served alone ("Citizens", "Clients", "গ্রাহক"): a column so headed holds
#: either their names or how many they were, and only its cells tell which (:data:`PEOPLE`)
_PEOPLE_WORDS = tuple(word_key(text) for text in (
    "citizen", "customer", "applicant", "client", "নাগরিক", "গ্রাহক", "আবেদনকারী"))
#: What :func:`recognise` says of such a heading.
PEOPLE = "people"
#: A count of people split by sex, in columns side by side ("Male | Female"): the parts of one count
_GENDER_PARTS = tuple(word_key(text) for text in (
    "male", "female", "men", "women", "boy", "girl", "third gender", "hijra", "other", "পুরুষ", "মহিলা", "নারী",
    "ছেলে", "মেয়ে", "হিজড়া", "তৃতীয় লিঙ্গ", "অন্যান্য"))
_TOTAL_WORDS = tuple(word_key(text) for text in ("total", "মোট", "সর্বমোট"))


def sex_part(heading: str) -> bool:
    """Whether a heading names the people of one sex ("Male", "মহিলা", "Female beneficiaries")."""
    return any(part in header_key(heading) for part in _GENDER_PARTS)


#: Words of a form's "Timestamp" heading (as matching keys).
_TIMESTAMP_WORDS = ("timestamp", word_key("টাইমস্ট্যাম্প"), word_key("সময়চিহ্ন"))

_ENTREPRENEUR = ("entrepreneur", "uddokta", "উদ্যোক্তা")
# Word rules for headers that are not exact synonyms (checked after the privacy rules).
MAX_LOOSE_WORDS = 4
_LOOSE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("entrepreneur_id", ("entrepreneurid", "entrepreneursid", "entrepreneurcode", "entrepreneurscode", "uddoktaid",
                         "uddoktacode", "উদ্যোক্তাআইডি", "উদ্যোক্তারআইডি", "উদ্যোক্তাকোড", "উদ্যোক্তারকোড")),
    ("fee", ("fee", "income", "amount", "earning", "revenue", "charge", "taka", "bdt", "আয়", "ফি", "টাকা", "চার্জ",
             "মূল্য", word_key("আদায়"))),
    ("beneficiaries", ("beneficiar", "recipient", "noofservice", "nosofservice", "numberofservice", "customer",
                       "client", "citizen", "applicant", "সেবাগ্রহীতা", "সেবাগ্রহণকারী", "উপকারভোগী", "গ্রাহক", "নাগরিক",
                       "আবেদনকারী", "সংখ্যা")),
    # a form's "Timestamp" (Google Forms, KoboToolbox: when each entry was sent): the date when nothing else
    # dates the rows (map_headers)
    ("date", ("date", "তারিখ", *_TIMESTAMP_WORDS)),
    ("gender", ("gender", "লিঙ্গ")),  # before the name: "লিঙ্গ Gender", "Entrepreneur's gender"
    ("entrepreneur_name", _ENTREPRENEUR),
    ("upazila", ("upazila", "upazilla", "thana", "উপজেলা")),
    ("union", ("union", "ইউনিয়ন")),
    ("service", ("service", "সেবা")),
    ("month", ("month", "মাস")),
)

#: Word rules matched on whole English words only: "Count", "Qty", not "Discount" or "Account".
_LOOSE_WORDS: dict[str, set[str]] = {"beneficiaries": {"count", "counts", "qty", "quantity"}}

_SYNONYM_KEYS: dict[str, str] = {}
for _field, _names in SYNONYMS.items():
    for _name in _names:
        _SYNONYM_KEYS.setdefault(word_key(ascii_digits(_name)), _field)


def heading_keys(name: str) -> set[str]:
    """The keys (:func:`header_key`) of the headings known to mean field ``name``, in either language."""
    return {key for key, field_name in _SYNONYM_KEYS.items() if field_name == name}


def known_headings(texts: pl.Series) -> pl.Series:
    """Whether each text is a heading known to mean a field (exactly, as :func:`header_key` matches)."""
    key = word_key_expr(digits(texts.cast(pl.String)))
    return (key.is_in(_known_keys().implode()) & (key != "")).fill_null(False)


@functools.cache
def _known_keys() -> pl.Series:
    return pl.Series(list(_SYNONYM_KEYS), dtype=pl.String)


def header_key(text: str) -> str:
    """Matching key of a header: NFC, lower case, letters/marks/digits only."""
    return word_key(ascii_digits(text or ""))


def is_pii(header: str) -> bool:
    """True when the header names a citizen's personal data (name, phone, NID, address ...), or may
    (:data:`PEOPLE`: the people served alone, whose column the cells decide)."""
    return _pii_kind(header) is not None


def _pii_kind(header: str) -> str | None:
    """"pii", :data:`PEOPLE` or None (see :func:`is_pii`)."""
    key = header_key(header)
    if not key:
        return None
    if key in _PII_EXACT:
        return "pii"
    words = set(re.findall(r"[a-z]+", (header or "").lower()))
    if words & _PII_ALWAYS_WORDS or any(f in key for f in _PII_ALWAYS):
        return "pii"
    named = bool(words & _NAME_WORDS) or "নাম" in key
    about = named or bool(words & {"gender", "sex"}) or "লিঙ্গ" in key  # (the gender kept is the entrepreneur's)
    if about and any(person in key for person in _PERSON):
        return "pii"
    if any(word in key for word in _COUNT_WORDS) or any(word in key for word in _MONEY):
        return None  # how many people, or money from them ("Amount received from citizen"): no one's data
    fragments = [f for f in _PII_FRAGMENTS if f in key]
    if fragments:
        return PEOPLE if all(f in _PEOPLE_WORDS for f in fragments) and not named else "pii"
    return "pii" if named and not any(word in key for word in _NOT_PII) else None


#: A fee of one: "per person", "per copy", "unit price", "rate", "একক", "জনপ্রতি" (with a word of money)
_EACH = ("perperson", "perhead", "perunit", "perservice", "unitfee", "unitprice", "unitrate", "একক", "জনপ্রতি",
         "প্রতিজন")
#: A fee of one page or copy: the row's count is people, not pages, so it cannot be multiplied out
_PER_ITEM = ("perpage", "percopy", "perpiece", "peritem", "প্রতিপৃষ্ঠা", "প্রতিকপি", "প্রতিটি")
_MONEY = ("fee", "price", "charge", "rate", "taka", "tk", "amount", "মূল্য", "ফি", "টাকা", "দর", "চার্জ",
          word_key("আদায়"))
_GOVERNMENT = ("govt", "government", "সরকারি", "সরকারী")


def recognise(header: str) -> str | None:
    """The canonical field of a header, ``"pii"`` for personal data, :data:`PEOPLE` for the people
    served alone (their names or their number: the cells decide), or None."""
    key = header_key(header)
    if not key:
        return None
    if key in _SYNONYM_KEYS:
        return _SYNONYM_KEYS[key]
    if kind := _pii_kind(header):
        return kind
    if len(header.split()) > MAX_LOOSE_WORDS:  # a title or a sentence, not a heading
        return None
    words = re.findall(r"[a-z]+", header.lower()) + re.findall(r"[\u0980-\u09FF]+", header)
    if "incharge" in key:  # "Person in charge": who, not a fee
        return None
    if any(word in key for word in _MONEY):
        if any(word in key for word in _TOTAL_WORDS):
            return "fee"  # "Total Rate (Tk)": the row's own
        if any(item in key for item in _PER_ITEM):
            return None  # (said as not known: the fee of a row cannot be made from it)
        if any(each in key for each in _EACH) or {"rate", "দর"} & set(words):
            return UNIT_FEE
    if any(word in key for word in _GOVERNMENT) and any(word in key for word in _MONEY):
        return "ignore"  # the government's fee, passed on: not what the entrepreneur earned
    if any(word in key for word in _ENTREPRENEUR) and ({"id", "code"} & set(words) or any(
            word in key for word in ("আইডি", "কোড"))) and not any(word in key for word in _PLACE):
        return "entrepreneur_id"  # "উদ্যোক্তার তথ্য আইডি", a heading under "Entrepreneur details" merged above it
    if _both_sexes(words) and not any(word in key for word in (*_COUNT_WORDS, *_PERSON, *_MONEY)):
        return "gender"  # "Entrepreneur (M/F)", "উদ্যোক্তার ধরণ (নারী/পুরুষ)": which of the two, not a name or a count
    for name, fragments in _LOOSE:
        if any(fragment in key for fragment in fragments) or _LOOSE_WORDS.get(name, set()) & set(words):
            return name
    return None


#: A heading of a code ("Service Code", "সেবা কোড"): beside a name for the same thing, not the one read.
_CODE = ("code", "কোড")
_PLACE = tuple(word_key(text) for text in ("union", "upazila", "upazilla", "thana", "district", "ইউনিয়ন", "উপজেলা",
                                           "জেলা"))
#: A heading naming both sexes, as words ("Male/Female", "M/F", "নারী/পুরুষ"), asks which of the two.
_SEXES = tuple({word for word, sex in GENDER_WORDS.items() if sex == which} for which in ("male", "female"))


def _both_sexes(words: list[str]) -> bool:
    return all(set(words) & sex for sex in _SEXES)


def header_score(cells: Iterable[str | None]) -> int:
    """How much a row looks like a log's header row: the number of recognised log fields."""
    found = {recognise(cell) for cell in cells if cell}
    return len(found & set(LOG_FIELDS)) + (1 if found & {"pii", PEOPLE} else 0)


def log_header(cells: Iterable[str | None]) -> bool:
    """Whether a row is the header of a log or summary that can be stored: it names the day (a date
    or a month) and the service."""
    found = {recognise(cell) for cell in cells if cell}
    return "service" in found and bool(found & {"date", "month"})


@dataclass
class HeaderMap:
    """What each column of a sheet is."""

    columns: dict[str, str] = field(default_factory=dict)  # header as written -> field
    unmapped: list[str] = field(default_factory=list)
    dropped_pii: list[str] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # field -> its 2+ headers
    invalid_mapping: dict[str, str] = field(default_factory=dict)  # header -> unknown field
    #: the "fee" column gives the fee of one person served (a sheet with no fee of its own)
    fee_per_unit: bool = False
    #: headings of the people served alone (:data:`PEOPLE`): their count where ``counts`` named them, else
    #: left out as personal data
    people: list[str] = field(default_factory=list)
    #: columns no heading explains that hold counts (``counts``), in a sheet with no count of its own
    unread_counts: list[str] = field(default_factory=list)
    #: the count of people served in parts, one column per sex and no total ("Male | Female"): their sum
    count_parts: list[str] = field(default_factory=list)
    #: headings of parts left out for the total beside them ("Male", "Female" beside "Total"): part -> total
    beside_total: dict[str, str] = field(default_factory=dict)

    def field_column(self, name: str) -> str | None:
        """The header (as written) of ``name``'s column, if the sheet has one."""
        return next((header for header, f in self.columns.items() if f == name), None)

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())


def map_headers(headers: Iterable[str], *, mapping: Mapping[str, str] | None = None,
                empty: Iterable[str] = (), counts: Iterable[str] = (), names: Iterable[str] = ()) -> HeaderMap:
    """Recognise each header; ``mapping`` (header as written -> field) wins over recognition.

    ``empty`` names columns with no data at all: when unrecognised they are not reported.
    ``counts`` names columns whose cells are all counts of people: one headed with the people served
    alone (:data:`PEOPLE`) is then their number (else personal data, left out), and one no heading
    explains, in a sheet with no count column, is in :attr:`HeaderMap.unread_counts`.
    ``names`` names columns whose cells are names, not numbers: one headed with the people served
    ("Beneficiary" over their names, beside "Beneficiaries" over how many or alone) is personal data.
    """
    counts, names = set(counts), set(names)
    mapping = dict(mapping or {})
    by_key = {header_key(k): v for k, v in mapping.items()}
    empty = set(empty)
    result = HeaderMap()
    given: set[str] = set()  # headers the caller's mapping names: never overruled below
    for header in headers:
        chosen = mapping.get(header, by_key.get(header_key(header)))
        if chosen is not None and chosen not in FIELDS and chosen != "pii":
            result.invalid_mapping[header] = chosen
            chosen = None
        if chosen is not None:
            given.add(header)
        name = chosen or recognise(header)
        if name == PEOPLE:
            result.people.append(header)
            name = "beneficiaries" if header in counts else "pii"
        if name == "pii":
            result.dropped_pii.append(header)
        elif name is None:
            if header not in empty:
                result.unmapped.append(header)
        else:
            result.columns[header] = name
    seen: dict[str, list[str]] = {}
    for header, name in result.columns.items():
        if name in LOG_FIELDS:
            seen.setdefault(name, []).append(header)
    served = seen.get("beneficiaries", [])
    people = [h for h in served if (h in names or h in empty) and h not in given
              and any(p in header_key(h) for p in _PERSON)]
    # the people served by name (beside their number, or alone: each row one person) left out; an empty
    # column of theirs beside their number too (a template's names column left blank)
    if people and (len(people) < len(served) or not set(people) <= empty):
        for header in people:
            del result.columns[header]
            result.dropped_pii.append(header)
        seen["beneficiaries"] = [h for h in served if h not in people]
        if not seen["beneficiaries"]:
            del seen["beneficiaries"]
    for name, named in seen.items():
        # of headings that mean the same amount, one that names the total beats its parts
        # ("Beneficiaries Male | Female | Total", "Fee (Tk) | Total Fee (Tk)"): the others are not
        # used. Any other two are the user's to choose between ("Date" and "Next Visit Date")
        total = [header for header in named if any(word in header_key(header) for word in _TOTAL_WORDS)]
        if name in ("beneficiaries", "fee") and len(named) > 1 and len(total) == 1 and not given & set(named):
            for header in named:
                if header not in total:
                    del result.columns[header]
                    result.unmapped.append(header)
                    result.beside_total[header] = total[0]
            seen[name] = total
        elif name == "beneficiaries" and len(named) > 1 and not total and not given & set(named) and all(
                sex_part(header) for header in named):
            result.count_parts = named  # "Male | Female" without a total: the count is their sum
            seen[name] = named[:1]
    stamps = [h for h in seen.get("date", []) if h not in given and timestamp_heading(h)]
    if stamps and len(stamps) < len(seen["date"]):
        # a form's Timestamp beside a date the form asked for: when the entry was sent, not the delivery
        for header in stamps:
            del result.columns[header]
            result.unmapped.append(header)
        seen["date"] = [h for h in seen["date"] if h not in stamps]
    codes = [h for h in seen.get("service", []) if h not in given and any(word in header_key(h) for word in _CODE)]
    if codes and len(codes) < len(seen["service"]):
        # the service's code beside its name ("Service Code | Service"): the name is read, the code not used
        for header in codes:
            del result.columns[header]
            result.unmapped.append(header)
        seen["service"] = [h for h in seen["service"] if h not in codes]
    if "month" in seen and "date" in seen and not any(header_key(h) in _SYNONYM_KEYS or h in given
                                                      for h in seen["date"]):
        # a Month column dates a summary's rows; a date that only a word rule found beside it
        # ("Submission Date", "Entry Date") is when the sheet was written, not when anyone was served
        for header in seen.pop("date"):
            del result.columns[header]
            result.unmapped.append(header)
    units = [header for header, name in result.columns.items() if name == UNIT_FEE]
    if len(units) == 1 and "fee" not in seen:  # the fee of one, and no fee of the row: the row's is it x count
        result.columns[units[0]] = "fee"
        seen["fee"], result.fee_per_unit = units, True
    elif len(units) > 1 and "fee" not in seen:
        seen["fee"] = units  # which of them: the user's to say
    if "beneficiaries" not in seen:  # bare "Male | Female" (and "Total") over counts: the count of people served
        sexes = [header for header in result.unmapped if header in counts and header_key(header) in _GENDER_PARTS]
        totals = [header for header in result.unmapped if header in counts and header_key(header) in _TOTAL_WORDS]
        if len(sexes) >= 2:
            parts = totals if len(totals) == 1 else sexes
            result.columns.update({header: "beneficiaries" for header in parts})
            result.unmapped = [header for header in result.unmapped if header not in parts]
            if len(totals) == 1:  # (the sexes beside it: known, left out)
                result.beside_total.update({header: totals[0] for header in sexes})
            seen["beneficiaries"] = parts[:1]
            result.count_parts = parts if len(parts) > 1 else []
    result.duplicates = {name: headers for name, headers in seen.items() if len(headers) > 1}
    if "beneficiaries" not in seen:
        result.unread_counts = [header for header in result.unmapped if header in counts]
    return result


def timestamp_heading(header: str) -> bool:
    """Whether a heading is a form's "Timestamp" (when each entry was sent)."""
    return any(word in header_key(header) for word in _TIMESTAMP_WORDS)


def total_heading(header: str) -> bool:
    """Whether a heading names a total ("Total", "মোট টাকা", "Total Fee (Tk)")."""
    return any(word in header_key(header) for word in _TOTAL_WORDS)


def government_fee(header: str) -> bool:
    """Whether a heading names the government's fee ("Govt Fee", "সরকারি ফি"), passed on, not earned."""
    key = header_key(header)
    return any(word in key for word in _GOVERNMENT) and any(word in key for word in _MONEY)


def count_heading(header: str) -> bool:
    """Whether a heading alone may head a count of people, its cells deciding: one sex ("Male",
    "মহিলা") or a total ("Total", "মোট") beside them."""
    return header_key(header) in _GENDER_PARTS or header_key(header) in _TOTAL_WORDS


def detect_shape(fields: set[str]) -> str:
    """'transactions' (a date per delivery), 'summary' (a month per row) or 'unknown'."""
    if "date" in fields:
        return "transactions"
    if "month" in fields:
        return "summary"
    return "unknown"
