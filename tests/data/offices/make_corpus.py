"""Regenerate the office corpus (FY 2023-24 Q1) and its expected totals, deterministically.

    .venv/bin/python tests/data/offices/make_corpus.py

First a *truth table* is built here, one record per delivery (date, union P-code,
entrepreneur ID, service code, beneficiaries, fee in paisa). Each office's file is then
written from its share of the truth, the way that office writes it: its headers, its
spellings of places and services, its digits, dates, money decorations, encoding and file
shape. ``expected.csv`` is computed from the truth records alone, never from the project's
ingest code. Finally every file is read back with the standard library / openpyxl and an
independent little parser, and must give back exactly its truth records (or, for the
monthly summary, its truth aggregated by month x union x service).

Place names, P-codes and fee ranges are read from ``geodata/`` at generation time;
service spellings come from the offices' habits and the news report (copied here, so
nothing outside the repository is read). Fixed seed, fixed workbook dates: running it twice
gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import xlsxwriter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
GEODATA = ROOT / "geodata"
SEED = "seba-atlas offices FY2023-24 Q1"
FIXED = datetime(2023, 10, 5, 10, 30)  # workbook "created" date: the reports were due in early October
Q1_START, Q1_END = date(2023, 7, 1), date(2023, 9, 30)
DC_HOLIDAYS = {date(2023, 8, 15), date(2023, 9, 6), date(2023, 9, 28)}  # Mourning Day, Janmashtami, Eid-e-Miladunnabi

UPAZILA_ABBR = {"BD107914": "BHA", "BD107947": "KAW", "BD107958": "MAT", "BD107976": "NAZ", "BD107980": "SAD",
                "BD107987": "NES", "BD107990": "IND"}
BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
ASCII_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
YA = "\u09df"  # য় precomposed, as some keyboards and converters type it (the catalogue has য + nukta)
BN_MONTHS = {7: "জুলাই", 8: "আগস্ট", 9: "সেপ্টেম্বর"}
EN_MONTHS = {7: "July", 8: "August", 9: "September"}


# --- reference data (geodata/) -----------------------------------------------------------------

@dataclass(frozen=True)
class Service:
    code: str
    channel: str
    typical: int
    lo: int
    hi: int
    weight: int


def load_unions() -> dict[str, list[str]]:
    """Upazila P-code -> its union P-codes, sorted."""
    with (GEODATA / "gazetteer.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["level"] == "union"]
    unions: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        unions[row["parent_pcode"]].append(row["pcode"])
    return {up: sorted(codes) for up, codes in unions.items()}


def load_services() -> dict[str, Service]:
    with (GEODATA / "services.csv").open(encoding="utf-8") as handle:
        return {r["service_code"]: Service(r["service_code"], r["channel"], int(r["typical_fee_bdt"] or 0),
                                           int(r["fee_min_bdt"] or 0), int(r["fee_max_bdt"] or 0), int(r["weight"]))
                for r in csv.DictReader(handle)}


def dc_upazila() -> str:
    with (GEODATA / "sites.csv").open(encoding="utf-8") as handle:
        return next(r["upazila_pcode"] for r in csv.DictReader(handle) if r["site_id"].startswith("DC-"))


UNIONS = load_unions()
SERVICES = load_services()
UNION_UPAZILA = {u: up for up, us in UNIONS.items() for u in us}
DC_UPAZILA = dc_upazila()


# --- entrepreneurs: two per union, the female one first -----------------------------------------

@dataclass(frozen=True)
class Entrepreneur:
    id: str
    union: str
    gender: str  # "female" | "male"
    name_bn: str
    name_en: str
    md: bool = False  # name carries the "মোঃ / Md." prefix


_F_MUSLIM = [("রোকেয়া", "Rokeya"), ("শারমিন", "Sharmin"), ("তাসলিমা", "Taslima"), ("নাসরিন", "Nasrin"),
             ("ফারজানা", "Farzana"), ("মাহমুদা", "Mahmuda"), ("জেসমিন", "Jesmin"), ("সাবিনা", "Sabina"),
             ("রুমানা", "Rumana"), ("শাহনাজ", "Shahnaz"), ("মৌসুমী", "Mousumi"), ("সুমাইয়া", "Sumaiya"),
             ("নাজমা", "Nazma"), ("আয়েশা", "Ayesha"), ("রাশিদা", "Rashida"), ("শিউলি", "Shiuli"),
             ("তানিয়া", "Tania"), ("ফাতেমা", "Fatema"), ("ঝর্ণা", "Jharna"), ("মনিরা", "Monira"),
             ("সালমা", "Salma"), ("লিপি", "Lipi"), ("দিলরুবা", "Dilruba"), ("নাসিমা", "Nasima"),
             ("শাম্মী", "Shammi"), ("পারভীন", "Parvin"), ("মুক্তা", "Mukta"), ("শিল্পী", "Shilpi")]
_F_MUSLIM_SUR = [("আক্তার", "Akter"), ("খাতুন", "Khatun"), ("বেগম", "Begum"), ("জাহান", "Jahan"),
                 ("ইসলাম", "Islam"), ("সুলতানা", "Sultana"), ("হাওলাদার", "Howlader"), ("তালুকদার", "Talukder")]
_F_HINDU = [("কল্পনা", "Kalpana"), ("অঞ্জলি", "Anjali"), ("প্রিয়াঙ্কা", "Priyanka"), ("সুমিতা", "Sumita"),
            ("দীপা", "Dipa"), ("মিতালী", "Mitali"), ("রত্না", "Ratna"), ("কাকলী", "Kakoli")]
_M_MUSLIM = [("কামরুল", "Kamrul"), ("আনিসুর", "Anisur"), ("সোহেল", "Sohel"), ("রাকিব", "Rakib"),
             ("জাহিদ", "Zahid"), ("মাহমুদুল", "Mahmudul"), ("শহিদুল", "Shahidul"), ("আরিফ", "Arif"),
             ("মিজানুর", "Mizanur"), ("তরিকুল", "Tarikul"), ("নাজমুল", "Nazmul"), ("ফয়সাল", "Faisal"),
             ("সাইফুল", "Saiful"), ("ইমরান", "Imran"), ("রুবেল", "Rubel"), ("মাসুম", "Masum"),
             ("রিপন", "Ripon"), ("দেলোয়ার", "Delowar"), ("আল আমিন", "Al Amin"), ("হাবিবুর", "Habibur"),
             ("জসিম", "Jasim"), ("মনিরুল", "Monirul"), ("রাসেল", "Rasel"), ("শামীম", "Shamim")]
_M_MUSLIM_SUR = [("হোসেন", "Hossain"), ("ইসলাম", "Islam"), ("রহমান", "Rahman"), ("হাওলাদার", "Howlader"),
                 ("তালুকদার", "Talukder"), ("মৃধা", "Mridha"), ("শিকদার", "Sikder"), ("খান", "Khan"),
                 ("সরদার", "Sardar"), ("মিয়া", "Mia"), ("গাজী", "Gazi"), ("ফকির", "Fakir"), ("আকন", "Akon")]
_M_HINDU = [("বিপ্লব", "Biplob"), ("সুজন", "Sujon"), ("প্রদীপ", "Prodip"), ("সঞ্জয়", "Sanjoy"),
            ("উত্তম", "Uttam"), ("পলাশ", "Palash"), ("গৌতম", "Goutam"), ("লিটন", "Liton")]
_HINDU_SUR = [("দাস", "Das"), ("সাহা", "Saha"), ("হালদার", "Halder"), ("বিশ্বাস", "Biswas"),
              ("মন্ডল", "Mondal"), ("রায়", "Roy"), ("মিস্ত্রী", "Mistry"), ("বড়াল", "Baral")]
# Two Christian entrepreneurs in Bhandaria: the curly apostrophe is what makes the file Windows-1252
SPECIAL_NAMES = {"PRJ-BHA-07": ("শম্পা ডি’কস্তা", "Shampa D’Costa"),
                 "PRJ-BHA-12": ("মিঠুন ডি’রোজারিও", "Mithun D’Rozario")}


def make_entrepreneurs(rng: random.Random) -> dict[str, Entrepreneur]:
    people: dict[str, Entrepreneur] = {}
    used: set[str] = set()
    for upazila in sorted(UNIONS):
        for i, union in enumerate(UNIONS[upazila]):
            for k, gender in enumerate(("female", "male")):
                eid = f"PRJ-{UPAZILA_ABBR[upazila]}-{2 * i + k + 1:02d}"
                md = False
                while True:
                    hindu = rng.random() < 0.2
                    if gender == "female":
                        first = rng.choice(_F_HINDU if hindu else _F_MUSLIM)
                        sur = rng.choice(_HINDU_SUR if hindu else _F_MUSLIM_SUR)
                    else:
                        first = rng.choice(_M_HINDU if hindu else _M_MUSLIM)
                        sur = rng.choice(_HINDU_SUR if hindu else _M_MUSLIM_SUR)
                        md = not hindu and rng.random() < 0.45
                    bn, en = f"{first[0]} {sur[0]}", f"{first[1]} {sur[1]}"
                    if en not in used and first[1] != sur[1]:
                        break
                used.add(en)
                if eid in SPECIAL_NAMES:
                    (bn, en), md = SPECIAL_NAMES[eid], False
                people[eid] = Entrepreneur(eid, union, gender, bn, en, md)
    return people


# --- the truth ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    """One delivery as it really happened (a row of the truth table)."""

    day: date
    union: str | None  # union P-code; None at the DC front desk
    entrepreneur: str | None
    service: str
    beneficiaries: int
    fee_paisa: int

    @property
    def upazila(self) -> str:
        return UNION_UPAZILA[self.union] if self.union else DC_UPAZILA


def q1_days(*, office: bool) -> list[date]:
    """UDCs open every day but Friday; the DC office Sunday-Thursday, not on public holidays."""
    days = [Q1_START + timedelta(days=i) for i in range((Q1_END - Q1_START).days + 1)]
    if office:
        return [d for d in days if d.weekday() not in (4, 5) and d not in DC_HOLIDAYS]
    return [d for d in days if d.weekday() != 4]


def pick_fee(rng: random.Random, code: str, *, paisa_share: float = 0.0) -> int:
    """A fee in paisa from the service's catalogue range: often the typical fee, round amounts."""
    svc = SERVICES[code]
    if svc.channel != "udc":
        return 0
    lo, hi = max(svc.lo, 1), svc.hi
    if lo <= svc.typical <= hi and rng.random() < 0.55:
        taka = svc.typical
    else:
        round_ = [v for v in range(lo, hi + 1) if v % 5 == 0]
        taka = rng.choice(round_ or list(range(lo, hi + 1)))
    paisa = taka * 100
    if paisa_share and taka + 1 <= hi and rng.random() < paisa_share:
        paisa += 50
    return paisa


def udc_deliveries(rng: random.Random, people: dict[str, Entrepreneur], upazila: str, n: int,
                   spellings: dict[str, list[str]], *, paisa_share: float = 0.0, groups: bool = True,
                   ) -> list[Delivery]:
    """``n`` deliveries in the unions of one upazila; busier and quieter UDCs; sorted by day and entrepreneur.

    Services are drawn by their catalogue weight, but each service of ``spellings`` comes up at
    least as often as it has spellings, so that every spelling appears in the file.
    """
    unions = UNIONS[upazila]
    union_weight = [rng.uniform(0.5, 2.0) for _ in unions]
    services = list(spellings)
    codes = [c for c in services for _ in spellings[c]]
    codes += rng.choices(services, [SERVICES[c].weight for c in services], k=n - len(codes))
    rng.shuffle(codes)
    days = q1_days(office=False)
    out = []
    for code in codes:
        union = rng.choices(unions, union_weight)[0]
        i = unions.index(union)
        eid = f"PRJ-{UPAZILA_ABBR[upazila]}-{2 * i + rng.randint(1, 2):02d}"
        count = rng.choices((1, 2, 3), (88, 9, 3))[0] if groups else 1
        out.append(Delivery(rng.choice(days), union, eid, code, count, pick_fee(rng, code, paisa_share=paisa_share)))
        assert people[eid].union == union
    return sorted(out, key=lambda d: (d.day, d.entrepreneur))


# --- written files ----------------------------------------------------------------------------------

@dataclass
class Row:
    cells: list  # as written (str, int, float, datetime or None)
    truth: list[Delivery]  # what the row stands for (several for a summary row; none for a refused row)


@dataclass
class OfficeFile:
    name: str
    shape: str  # "transactions" | "summary"
    kind: str  # "xlsx" | "csv"
    headers: list[str]
    rows: list[Row]
    data: bytes = b""
    encoding: str = "utf-8"
    delimiter: str = ","
    header_row: int = 1  # 1-based, as the spreadsheet shows it
    notes: str = ""
    decisions: dict[str, str] = field(default_factory=dict)  # service as written -> code or "none"
    services: dict[str, str] = field(default_factory=dict)  # service as written -> code
    unions: dict[str, str] = field(default_factory=dict)  # union as written -> P-code
    summary_months: bool = False
    trailer_rows: int = 0  # blank and total rows after the data

    @property
    def counted(self) -> list[Row]:
        return [r for r in self.rows if r.truth]

    @property
    def truth(self) -> list[Delivery]:
        return [d for r in self.rows for d in r.truth]


class Speller:
    """Chooses how one office writes names, and remembers every spelling it used."""

    def __init__(self, rng: random.Random, services: dict[str, list[str]], unions: dict[str, list[str]]):
        self.rng, self.service_spellings, self.union_spellings = rng, services, unions
        self.services: dict[str, str] = {}
        self.unions: dict[str, str] = {}
        self._habit: dict[tuple, str] = {}

    def _pick(self, options: list[str]) -> str:
        return self.rng.choices(options, [2 ** (len(options) - i) for i in range(len(options))])[0]

    def service(self, code: str) -> str:
        """A spelling of the service: each listed spelling once first, then the common ones more often."""
        options = self.service_spellings[code]
        unused = [o for o in options if o not in self.services]
        text = unused[0] if unused else self._pick(options)
        assert self.services.setdefault(text, code) == code, text
        return text

    def union(self, pcode: str, eid: str) -> str:
        """The union as its entrepreneur usually writes it (the first one the first spelling, the second
        one the second); now and then another spelling, an unused one first."""
        options = self.union_spellings[pcode]
        text = options[(int(eid[-2:]) - 1) % 2 % len(options)]
        if len(options) > 1 and self.rng.random() < 0.2:
            unused = [o for o in options if o not in self.unions]
            text = unused[0] if unused else self.rng.choice(options)
        assert self.unions.setdefault(text, pcode) == pcode, text
        return text

    def habit(self, key: str, options: list[str]) -> str:
        if key not in self._habit:
            self._habit[key] = self._pick(options)
        return self._habit[key]


def with_repeats(rng: random.Random, rows: list[Row], k: int) -> list[Row]:
    """``k`` rows written twice, the copy right below: two citizens, same service, same day, same fee."""
    chosen = set(rng.sample(range(len(rows)), k))
    out = []
    for i, row in enumerate(rows):
        out.append(row)
        if i in chosen:
            out.append(Row(list(row.cells), list(row.truth)))
    return out


def bn(value: object) -> str:
    return str(value).translate(BN_DIGITS)


def taka(paisa: int, *, decimals: str = "auto") -> str:
    """Paisa as taka text: "75", "50.50"."""
    whole, rest = divmod(paisa, 100)
    return f"{whole}.{rest:02d}" if rest or decimals == "always" else str(whole)


def taka_number(paisa: int) -> int | float:
    return paisa // 100 if paisa % 100 == 0 else paisa / 100


def csv_bytes(rows: list[list[str]], *, encoding: str, delimiter: str = ",", eol: str = "\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=eol, quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    text = out.getvalue()
    if encoding == "utf-16-le":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


def workbook(sheets: dict[str, list[list[object]]], *, date_format: str = "dd/mm/yyyy",
             widths: dict[str, list[int]] | None = None) -> bytes:
    """An .xlsx in memory; datetimes become Excel date cells, numbers number cells, the rest text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    book.set_properties({"created": FIXED, "author": "Seba Atlas tests", "company": ""})
    formats: dict[str, object] = {}
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for c, width in enumerate((widths or {}).get(name, [])):
            sheet.set_column(c, c, width)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, tuple):  # (datetime, number format)
                    value, fmt = value
                    formats.setdefault(fmt, book.add_format({"num_format": fmt}))
                    sheet.write_datetime(r, c, value, formats[fmt])
                elif isinstance(value, datetime):
                    formats.setdefault(date_format, book.add_format({"num_format": date_format}))
                    sheet.write_datetime(r, c, value, formats[date_format])
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def male_name(person: Entrepreneur, *, lang: str, prefix: str | None = None) -> str:
    name = person.name_bn if lang == "bn" else person.name_en
    if person.md:
        name = f"{prefix or ('মোঃ' if lang == 'bn' else 'Md.')} {name}"
    return name


# 1. Nazirpur: a Bengali workbook typed by hand, Bengali digits everywhere ------------------------

NAZ_SERVICES = {
    "UDC002": ["জন্ম নিবন্ধন", "জন্মনিবন্ধন", "জন্ম নিবন্ধনের আবেদন"],
    "UDC005": ["মৃত্যু নিবন্ধন", "মৃত্যুনিবন্ধন"],
    "UDC001": ["নাগরিক সনদ", "অনলাইনে নাগরিক সনদ", "নাগরিকত্ব সনদ"],
    "UDC006": ["ওয়ারিশ সনদ", f"ও{YA}ারিশ সনদ", "ওযারিশ সনদ"],
    "UDC013": ["জমির পর্চার আবেদন", "পর্চা", "পরচা"],
    "UDC016": ["ভূমি উন্নয়ন কর", f"ভূমি উন্ন{YA}ন কর", "খাজনা পরিশোধ"],
    "UDC017": ["বিদ্যুৎ বিল", "বিদ্যুত বিল", "পল্লী বিদ্যুৎ বিল", "পল্লি বিদ্যুৎ বিল"],
    "UDC027": ["পাবলিক পরীক্ষার ফলাফল", "পরীক্ষার ফলাফল", "পরিক্ষার ফলাফল"],
    "UDC036": ["টেলিমেডিসিন", "টেলি মেডিসিন"],
    "UDC047": ["চাকরির আবেদন", "চাকুরীর আবেদন", "চাকুরির আবেদন"],
    "UDC049": ["জীবন বীমা", "জীবন বিমা", "জীবনবীমা"],
    "UDC071": ["ছবি তোলা"],
    "UDC073": ["ফটোকপি", "ফটো কপি"],
    "UDC074": ["প্রিন্ট", "প্রিন্ট আউট"],
    "UDC086": ["বয়স্ক ভাতা", "বয়স্কভাতা", f"ব{YA}স্ক ভাতা"],
}
NAZ_UNIONS = {
    "BD10797610": ["দীর্ঘা"],
    "BD10797621": ["দেউলবাড়ী দোবড়া", "দেউলবাড়ী দোবরা", "দেউলবাড়ি দোবড়া"],
    "BD10797631": ["মালিখালী", "মালিখালি"],
    "BD10797642": ["মাটিভাংগা", "মাটিভাঙ্গা"],
    "BD10797652": ["নাজিরপুর সদর", "সদর"],
    "BD10797663": ["সেখমাটিয়া", "শেখমাটিয়া"],
    "BD10797673": ["শাখারীকাঠী", "শাঁখারীকাঠী", "শাখারীকাঠি"],
    "BD10797684": ["শ্রীরামকাঠী", "শ্রীরামকাঠি"],
    "BD10797690": ["কলারদোয়ানিয়া"],
}


def nazirpur(rng: random.Random, people: dict[str, Entrepreneur]) -> OfficeFile:
    headers = ["তারিখ", "উপজেলা", "ইউনিয়ন", "উদ্যোক্তার আইডি", "উদ্যোক্তার নাম", "লিঙ্গ", "সেবার নাম",
               "সেবাগ্রহীতার সংখ্যা", "ফি (টাকা)"]
    spell = Speller(rng, NAZ_SERVICES, NAZ_UNIONS)
    rows = []
    for d in udc_deliveries(rng, people, "BD107976", 200, NAZ_SERVICES, paisa_share=0.04):
        person = people[d.entrepreneur]
        prefix = "মো." if person.md and rng.random() < 0.3 else None
        rows.append(Row([bn(d.day.strftime("%d/%m/%Y")), "নাজিরপুর", spell.union(d.union, d.entrepreneur),
                         d.entrepreneur, male_name(person, lang="bn", prefix=prefix),
                         "নারী" if person.gender == "female" else "পুরুষ", spell.service(d.service),
                         bn(d.beneficiaries), bn(taka(d.fee_paisa))], [d]))
    rows = with_repeats(rng, rows, 16)
    title = ["নাজিরপুর উপজেলা: ইউনিয়ন ডিজিটাল সেন্টারের সেবা প্রদানের হিসাব, জুলাই–সেপ্টেম্বর ২০২৩"]
    office = OfficeFile("nazirpur_q1_bn.xlsx", "transactions", "xlsx", headers, rows, header_row=3,
                        services=spell.services, unions=spell.unions)
    office.data = workbook({"প্রতিবেদন": [title, [], headers] + [r.cells for r in rows]},
                           widths={"প্রতিবেদন": [12, 12, 18, 14, 22, 8, 24, 10, 10]})
    return office


# 2. Kawkhali: English CSV saved by Excel as "CSV UTF-8" (BOM, CRLF), with a serial column ------------

KAW_SERVICES = {
    "UDC002": ["Birth registration", "Birth reg", "Birth Reg.", "Birth certificate"],
    "UDC027": ["Public exam results", "Exam result", "SSC result"],
    "UDC017": ["Electricity bill", "Electric bill", "Palli Bidyut bill", "Electricity bill payment"],
    "UDC001": ["Citizen certificate", "Nagorik sonod", "Online citizen certificate"],
    "UDC023": ["Mobile recharge", "Flexiload"],
    "UDC051": ["Cash in", "bKash cash in"],
    "UDC052": ["Cash out", "bKash cash out"],
    "UDC073": ["Photocopy", "Photo copy"],
    "UDC072": ["Passport photo", "PP photo"],
    "UDC010": ["NID print", "NID card print"],
    "UDC047": ["Job application", "Online job application"],
    "UDC036": ["Telemedicine", "Tele medicine"],
    "UDC041": ["Passport application", "E-passport"],
    "UDC064": ["E-mail", "Email"],
    "UDC005": ["Death registration", "Death reg"],
}
KAW_UNIONS = {
    "BD10794715": ["Amrajuri", "Amrazuri"],
    "BD10794731": ["Chirapara", "Chira Para Parsaturia"],
    "BD10794747": ["Kawkhali Sadar", "Kawkhali"],
    "BD10794763": ["Sayna Raghunathpur", "Sayna Rogunathpur"],
    "BD10794779": ["Shialkati", "Shialkhathi"],
}
KAW_HEADERS = ["SL", "Date", "Upazila", "Union", "Entrepreneur ID", "Entrepreneur Name", "Gender", "Service",
               "Beneficiaries", "Fee (Tk)"]


def kawkhali(rng: random.Random, people: dict[str, Entrepreneur]) -> OfficeFile:
    spell = Speller(rng, KAW_SERVICES, KAW_UNIONS)
    rows = []
    for d in udc_deliveries(rng, people, "BD107947", 150, KAW_SERVICES, paisa_share=0.03):
        person = people[d.entrepreneur]
        rows.append(Row([d.day.strftime("%d/%m/%Y"), spell.habit(d.entrepreneur, ["Kawkhali", "Kaukhali"]),
                         spell.union(d.union, d.entrepreneur), d.entrepreneur, male_name(person, lang="en"),
                         person.gender.title(), spell.service(d.service), str(d.beneficiaries),
                         taka(d.fee_paisa)], [d]))
    rows = with_repeats(rng, rows, 12)
    for i, row in enumerate(rows, start=1):
        row.cells.insert(0, str(i))
    office = OfficeFile("kawkhali_q1_en.csv", "transactions", "csv", KAW_HEADERS, rows, encoding="utf-8-sig",
                        services=spell.services, unions=spell.unions)
    office.data = csv_bytes([KAW_HEADERS] + [r.cells for r in rows], encoding="utf-8-sig", eol="\r\n")
    return office


def kawkhali_resaved(original: OfficeFile) -> OfficeFile:
    """The same rows opened in Excel, sorted by union, saved as a workbook: typed cells, new order."""
    def typed(cells: list[str]) -> list[object]:
        sl, day, upazila, union, eid, name, gender, service, count, fee = cells
        money = Decimal(fee)
        return [int(sl), datetime.strptime(day, "%d/%m/%Y"), upazila, union, eid, name, gender, service, int(count),
                int(money) if money == money.to_integral() else float(money)]

    order = sorted(original.rows, key=lambda r: (original.unions[r.cells[3]], r.truth[0].day, int(r.cells[0])))
    rows = [Row(typed(r.cells), list(r.truth)) for r in order]
    office = OfficeFile("kawkhali_q1_en_resaved.xlsx", "transactions", "xlsx", KAW_HEADERS, rows,
                        notes=f"same rows as {original.name}", services=original.services, unions=original.unions)
    office.data = workbook({"kawkhali_q1_en": [KAW_HEADERS] + [r.cells for r in rows]},
                           widths={"kawkhali_q1_en": [5, 11, 10, 20, 14, 22, 8, 24, 12, 9]})
    return office


# 3. Bhandaria: an old Windows PC, "CSV (Comma delimited)" in Windows-1252 --------------------------

BHA_SERVICES = {
    "UDC002": ["Birth Reg", "Jonmo nibondhon", "Birth registration"],
    "UDC005": ["Death Reg", "Mrittu nibondhon"],
    "UDC006": ["Warish certificate", "Warishan sonod"],
    "UDC013": ["Porcha", "Parcha", "Khatian"],
    "UDC016": ["Land tax", "Khajna", "LD tax"],
    "UDC017": ["REB bill", "Electricity bill", "PBS bill"],
    "UDC036": ["Telemedicine"],
    "UDC071": ["Photo", "Photography"],
    "UDC077": ["Lamination", "Laminating"],
    "UDC076": ["Scan", "Scanning"],
    "UDC061": ["Computer training", "Computer course"],
    "UDC008": ["Trade licence", "Trade license"],
    "UDC027": ["Exam result", "SSC result"],
    "UDC009": ["NID correction"],
}
BHA_UNIONS = {
    "BD10791411": ["Vandaria Sadar", "Bhandaria Sadar"],
    "BD10791423": ["Vitabaria"],
    "BD10791435": ["Dhaoa"],
    "BD10791447": ["Gouripur"],
    "BD10791459": ["Ekree"],
    "BD10791471": ["Nodmulla", "Nodmulla Shialkathi"],
    "BD10791483": ["Telikhali"],
}
BHA_REMARKS = ["urgent – same day", "customer’s own paper", "paid by bKash", "re-print", "“corrected” copy"]


def bhandaria(rng: random.Random, people: dict[str, Entrepreneur]) -> OfficeFile:
    headers = ["Service Date", "Upazila Name", "UP Name", "Uddokta Code", "Uddokta Name", "Sex", "Service Type",
               "Qty", "Amount (Tk)", "Remarks"]
    spell = Speller(rng, BHA_SERVICES, BHA_UNIONS)
    rows = []
    for d in udc_deliveries(rng, people, "BD107914", 180, BHA_SERVICES, paisa_share=0.04):
        person = people[d.entrepreneur]
        sex = spell.habit(f"sex {d.entrepreneur}", [person.gender.title(), person.gender[0].upper()])
        style = spell.habit(f"fee {d.entrepreneur}", ["Tk {}", "Tk. {}/-", "{}/-"])
        remark = rng.choice(BHA_REMARKS) if rng.random() < 0.08 else ""
        rows.append(Row([d.day.strftime("%d-%m-%y"), spell.habit(d.entrepreneur, ["Bhandaria", "Vandaria"]),
                         spell.union(d.union, d.entrepreneur), d.entrepreneur, male_name(person, lang="en"), sex,
                         spell.service(d.service), str(d.beneficiaries), style.format(taka(d.fee_paisa)), remark],
                        [d]))
    rows = with_repeats(rng, rows, 10)
    office = OfficeFile("bhandaria_q1_cp1252.csv", "transactions", "csv", headers, rows, encoding="cp1252",
                        services=spell.services, unions=spell.unions)
    office.data = csv_bytes([headers] + [r.cells for r in rows], encoding="cp1252", eol="\r\n")
    return office


# 4. DC office front desk: Excel "Unicode text" (UTF-16 LE, TAB), one row per application --------------

DC_SERVICES = {  # as the news report writes them
    "FD01": ["নকলের আবেদন গ্রহণ ও বিতরণ"],
    "FD02": ["নাগরিক আবেদন গ্রহণ"],
    "FD03": ["এসএ পর্চা"],
    "FD04": ["বিএস পর্চা"],
    "FD05": ["সিএস পর্চা"],
    "FD06": ["আরএস পর্চা"],
    "FD07": ["দাগের সূচি"],
    "FD08": ["নকশার আবেদন গ্রহণ"],
    "FD09": ["নকশা সরবরাহ"],
    "FD10": ["সংশোধনী নকলের আবেদন গ্রহণ"],
}
DC_WEIGHTS = {"FD01": 62, "FD02": 26, "FD03": 3, "FD04": 2, "FD05": 1, "FD06": 2, "FD07": 1, "FD08": 1, "FD09": 1,
              "FD10": 1}


def dc_frontdesk(rng: random.Random) -> OfficeFile:
    headers = ["তারিখ", "সেবার নাম", "সংখ্যা"]
    spell = Speller(rng, DC_SERVICES, {})
    codes = list(DC_WEIGHTS)
    rows = []
    for day in q1_days(office=True):
        for code in sorted(rng.choices(codes, [DC_WEIGHTS[c] for c in codes], k=rng.randint(4, 8)), key=codes.index):
            count = rng.choices((1, 2, 3, 5), (94, 4, 1, 1))[0]
            d = Delivery(day, None, None, code, count, 0)
            rows.append(Row([f"{day.day}/{day.month}/{day.year}", spell.service(code), str(count)], [d]))
    office = OfficeFile("dc_frontdesk_q1_utf16.csv", "transactions", "csv", headers, rows, encoding="utf-16-le",
                        delimiter="\t", services=spell.services)
    office.data = csv_bytes([headers] + [r.cells for r in rows], encoding="utf-16-le", delimiter="\t", eol="\r\n")
    return office


# 5. Mathbaria: the upazila's monthly summary, pasted together from the unions' reports ----------------

MAT_UNIONS = {  # union -> (as written, language, month style)
    "BD10795815": ("Amragachia", "en", "text"),
    "BD10795817": ("বড়মাছুয়া", "bn", "text"),
    "BD10795825": ("Betmor Rajpara", "en", "text"),
    "BD10795834": ("দাউদখালী", "bn", "text"),
    "BD10795843": ("Dhanisafa", "en", "date"),
    "BD10795851": ("হলতাগুলিশাখালী", "bn", "text"),
    "BD10795860": ("মঠবাড়ীয়া", "bn", "date"),
    "BD10795869": ("Mirukhali", "en", "text"),
    "BD10795877": ("Shapleza", "en", "date"),
    "BD10795886": ("টিকিকাটা", "bn", "text"),
    "BD10795894": ("Tuskhali", "en", "text"),
}
MAT_SERVICES = {  # code -> (English, Bengali) as the unions write them
    "UDC002": ("Birth registration", "জন্ম নিবন্ধন"),
    "UDC005": ("Death registration", "মৃত্যু নিবন্ধন"),
    "UDC001": ("Citizen certificate", "নাগরিক সনদ"),
    "UDC017": ("Electricity bill", "বিদ্যুৎ বিল পরিশোধ"),
    "UDC027": ("Exam result", "পরীক্ষার ফলাফল"),
    "UDC013": ("Porcha", "জমির পর্চার আবেদন"),
    "UDC051": ("Cash in", "ক্যাশ ইন"),
    "UDC052": ("Cash out", "ক্যাশ আউট"),
    "UDC071": ("Photo", "ছবি তোলা"),
    "UDC073": ("Photocopy", "ফটোকপি"),
    "UDC023": ("Flexiload", "মোবাইল রিচার্জ"),
}


def mathbaria(rng: random.Random) -> OfficeFile:
    headers = ["Month", "Union", "Service", "No. of Services", "Income (Tk)"]
    rows = []
    services: dict[str, str] = {}
    unions: dict[str, str] = {}
    for union, (written, lang, style) in MAT_UNIONS.items():
        i = UNIONS["BD107958"].index(union)
        offered = sorted(rng.sample(list(MAT_SERVICES), 5), key=list(MAT_SERVICES).index)
        busy = rng.uniform(0.5, 1.6)
        unions[written] = union
        for month in (7, 8, 9):
            days = [d for d in q1_days(office=False) if d.month == month]
            for code in offered:
                n = max(1, round(rng.uniform(2, 30) * busy * SERVICES[code].weight / 60))
                truth = [Delivery(rng.choice(days), union, f"PRJ-MAT-{2 * i + rng.randint(1, 2):02d}", code, 1,
                                  pick_fee(rng, code, paisa_share=0.02)) for _ in range(n)]
                if style == "date":
                    month_cell: object = (datetime(2023, month, 1), "mmmm yyyy")
                else:
                    month_cell = f"{BN_MONTHS[month]} ২০২৩" if lang == "bn" else f"{EN_MONTHS[month]} 2023"
                service = MAT_SERVICES[code][lang == "bn"]
                services[service] = code
                rows.append(Row([month_cell, written, service, len(truth),
                                 taka_number(sum(d.fee_paisa for d in truth))], truth))
    total_count = sum(r.cells[3] for r in rows)
    total_fee = taka_number(sum(d.fee_paisa for r in rows for d in r.truth))
    title = ["মঠবাড়িয়া উপজেলা – ইউডিসি মাসিক প্রতিবেদন (Mathbaria Upazila – UDC monthly report), FY 2023-24 Q1"]
    office = OfficeFile("mathbaria_q1_monthly.xlsx", "summary", "xlsx", headers, rows, header_row=2,
                        services=services, unions=unions, summary_months=True, trailer_rows=2)
    office.data = workbook({"Q1 summary": [title, headers] + [r.cells for r in rows]
                            + [[], ["মোট", None, None, total_count, total_fee]]},
                           widths={"Q1 summary": [16, 18, 24, 15, 12]})
    return office


# 6. Indurkani (Zianagar): English template, Bengali contents, services as the news report names them ---

IND_SERVICES = {  # exactly as the report writes them
    "UDC001": ["অনলাইনে নাগরিক সনদ"],
    "UDC002": ["জন্মনিবন্ধন"],
    "UDC005": ["মৃত্যু নিবন্ধন"],
    "UDC082": ["সরকারি ফরম ডাউনলোড"],
    "UDC013": ["জমির পর্চার আবেদন"],
    "UDC083": ["সব ধরনের নাগরিক আবেদন"],
    "UDC049": ["জীবন বীমা"],
    "UDC036": ["টেলি মেডিসিন"],
    "UDC017": ["বিদ্যুৎ বিল পরিশোধ"],
    "UDC027": ["পাবলিক পরীক্ষার ফল জানা"],
    "UDC031": ["অনলাইনে বিশ্ববিদ্যালয় ভর্তি"],
    "UDC041": ["পাসপোর্টের আবেদন"],
    "UDC042": ["ভিসা ভেরিফিকেশন"],
    "UDC037": ["উপজেলা স্বাস্থ্য কমপ্লেক্স থেকে স্বাস্থ্য পরামর্শ"],
    "UDC038": ["পানি পরীক্ষা"],
    "UDC039": ["আর্সেনিক পরীক্ষা"],
    "UDC081": ["সরকারি ডকুমেন্ট প্রণয়ন"],
    "UDC061": ["কম্পিউটার প্রশিক্ষণ"],
    "UDC071": ["ছবি তোলা"],
    "UDC064": ["ই-মেইল"],
    "UDC065": ["ইন্টারনেট ব্রাউজিং"],
    "UDC046": ["চাকুরীর বিজ্ঞপ্তি দেখা"],
    "UDC047": ["অনলাইনে চাকুরির আবেদন"],
}
IND_UNIONS = {
    "BD10799015": ["বালিপাড়া"],
    "BD10799043": ["পাড়েরহাট", "পারেরহাট"],
    "BD10799051": ["পত্তাশি", "পত্তাশী"],
}


def indurkani(rng: random.Random, people: dict[str, Entrepreneur]) -> OfficeFile:
    headers = ["Date", "Upazila", "Union", "Entrepreneur ID", "Entrepreneur Name", "Gender", "Service Name",
               "No. of Beneficiaries", "Fee"]
    spell = Speller(rng, IND_SERVICES, IND_UNIONS)
    rows = []
    for d in udc_deliveries(rng, people, "BD107990", 110, IND_SERVICES):
        person = people[d.entrepreneur]
        gender = "পুরুষ" if person.gender == "male" else spell.habit(f"g {d.entrepreneur}", ["নারী", "মহিলা"])
        rows.append(Row([d.day.isoformat(), spell.habit(d.entrepreneur, ["ইন্দুরকানী", "জিয়ানগর", "ইন্দুরকানি"]),
                         spell.union(d.union, d.entrepreneur), d.entrepreneur, male_name(person, lang="bn"), gender,
                         spell.service(d.service), bn(d.beneficiaries), taka(d.fee_paisa)], [d]))
    rows = with_repeats(rng, rows, 8)
    office = OfficeFile("indurkani_q1_mixed.csv", "transactions", "csv", headers, rows,
                        services=spell.services, unions=spell.unions)
    office.data = csv_bytes([headers] + [r.cells for r in rows], encoding="utf-8")
    return office


# 7. Pirojpur Sadar: a receipt book typed up, one row per receipt, no upazila or count column ----------

SAD_SERVICES = {
    "UDC002": ["Birth registration"],
    "UDC005": ["Death registration"],
    "UDC001": ["Online citizen certificate", "Citizen certificate"],
    "UDC017": ["Electricity bill payment", "Electricity bill"],
    "UDC073": ["Photocopy"],
    "UDC074": ["Printing", "Print"],
    "UDC072": ["Passport-size photo", "Passport photo"],
    "UDC016": ["Land development tax payment", "Land tax"],
    "UDC015": ["E-mutation", "Namjari"],
    "UDC014": ["E-porcha"],
    "UDC009": ["NID correction"],
    "UDC078": ["Compose", "Typing"],
}
SAD_UNIONS = {
    "BD10798017": ["Durgapur"],
    "BD10798025": ["Kadamtala", "Kodomtala"],
    "BD10798034": ["Kalakhali", "Kolakhali"],
    "BD10798069": ["Shankarpasha", "Shankorpasa"],
    "BD10798077": ["Sariktala", "Shariktola"],
    "BD10798086": ["Sikdar Mallik", "Shikder Mallik"],
    "BD10798094": ["Tona"],
}


def sadar(rng: random.Random, people: dict[str, Entrepreneur]) -> OfficeFile:
    headers = ["Receipt No", "Date", "Union", "Entrepreneur ID", "Entrepreneur Name", "Gender", "Service", "Fee (Tk)"]
    spell = Speller(rng, SAD_SERVICES, SAD_UNIONS)
    rows = []
    for d in udc_deliveries(rng, people, "BD107980", 170, SAD_SERVICES, groups=False):
        person = people[d.entrepreneur]
        rows.append(Row([d.day.strftime("%d-%b-%Y"), spell.union(d.union, d.entrepreneur), d.entrepreneur,
                         male_name(person, lang="en"), person.gender[0].upper(), spell.service(d.service),
                         taka(d.fee_paisa)], [d]))
    rows = with_repeats(rng, rows, 14)
    book: dict[str, int] = {}
    for row in rows:  # each entrepreneur's receipt book continues from the last quarter
        eid = row.cells[2]
        book[eid] = book.get(eid, rng.randint(120, 480)) + 1
        row.cells.insert(0, f"{eid[4:]}/{book[eid]:04d}")
    office = OfficeFile("sadar_q1_receipts.csv", "transactions", "csv", headers, rows,
                        services=spell.services, unions=spell.unions)
    office.data = csv_bytes([headers] + [r.cells for r in rows], encoding="utf-8")
    return office


# 8. Nesarabad: an old workbook, the upazila under its old name, and two services nobody can read ------

NES_SERVICES = {
    "UDC002": ["Birth registration", "জন্ম নিবন্ধন", "Jonmo nibandhan"],
    "UDC001": ["নাগরিক সনদ", "Nagarik sanad"],
    "UDC017": ["বিদ্যুৎ বিল", "Electricity bill"],
    "UDC013": ["পর্চা", "Khatian"],
    "UDC015": ["নামজারি", "e-Namjari"],
    "UDC073": ["ফটোকপি", "Photocopy"],
    "UDC071": ["ছবি", "Photo"],
    "UDC055": ["Bank deposit", "টাকা জমা"],
    "UDC056": ["Withdrawal", "টাকা উত্তোলন"],
    "UDC036": ["টেলিমেডিসিন"],
    "UDC069": ["অনলাইন কাজ"],  # needs a decision: the entrepreneurs' shorthand for online form fill-up
}
NES_DECISIONS = {"অনলাইন কাজ": "UDC069", "Misc. online service": "none"}
NES_REFUSED = "Misc. online service"
NES_UNIONS = {
    "BD10798717": ["আটঘর কুড়িয়ানা"],
    "BD10798719": ["বলদিয়া"],
    "BD10798728": ["দৈহারী", "দৈহারি"],
    "BD10798738": ["গুয়ারেখা"],
    "BD10798747": ["জলাবাড়ী", "জলাবাড়ি"],
    "BD10798757": ["সমুদয়কাঠী", "সমুদয়কাঠি"],
    "BD10798766": ["সারেংকাঠী"],
    "BD10798776": ["সোহাগদল"],
    "BD10798785": ["সুটিয়াকাঠী", "সুটিয়াকাঠি"],
    "BD10798795": ["স্বরূপকাঠী", "স্বরুপকাঠী"],
}


def nesarabad(rng: random.Random, people: dict[str, Entrepreneur]) -> OfficeFile:
    headers = ["Date", "Thana", "UP Name", "Uddokta ID", "Uddokta Name", "Gender", "Service", "Qty", "Taka"]
    spell = Speller(rng, NES_SERVICES, NES_UNIONS)
    services = {c: spellings for c, spellings in NES_SERVICES.items() if c != "UDC069"}
    deliveries = udc_deliveries(rng, people, "BD107987", 180, services, paisa_share=0.03)
    days = q1_days(office=False)
    unions = UNIONS["BD107987"]
    extra = []
    for _ in range(9):  # the shorthand, used in three unions only
        i = rng.choice((1, 4, 7))
        extra.append(Delivery(rng.choice(days), unions[i], f"PRJ-NES-{2 * i + rng.randint(1, 2):02d}", "UDC069", 1,
                              pick_fee(rng, "UDC069")))
    refused = []
    for _ in range(5):  # an unknown service: refused, in the file but not in the truth
        i = rng.choice((2, 9))
        refused.append((rng.choice(days), unions[i], f"PRJ-NES-{2 * i + rng.randint(1, 2):02d}",
                        100 * rng.choice((20, 30, 50))))

    def cells(day: date, union: str, eid: str, service: str, count: int, paisa: int) -> list[object]:
        person = people[eid]
        gender = spell.habit(f"g {eid}", [person.gender.title(), "মহিলা" if person.gender == "female" else "পুরুষ"])
        when: object = at(day) if rng.random() > 0.1 else day.strftime("%d.%m.%Y")  # some dates typed as text
        return [when, spell.habit(eid, ["Swarupkathi", "স্বরূপকাঠি"]), spell.union(union, eid), eid,
                male_name(person, lang="en"), gender, service, count, taka_number(paisa)]

    rows = [Row(cells(d.day, d.union, d.entrepreneur, spell.service(d.service), d.beneficiaries, d.fee_paisa), [d])
            for d in deliveries + extra]
    rows += [Row(cells(day, union, eid, NES_REFUSED, 1, paisa), []) for day, union, eid, paisa in refused]
    rows = with_repeats(rng, sorted(rows, key=lambda r: (r.cells[0] if isinstance(r.cells[0], datetime) else
                                                          datetime.strptime(r.cells[0], "%d.%m.%Y"), r.cells[3])), 10)
    assert all(r.truth for r in rows if r.cells[6] != NES_REFUSED)
    refused_rows = sum(1 for r in rows if not r.truth)
    shorthand = sum(1 for r in rows if r.cells[6] == "অনলাইন কাজ")
    office = OfficeFile("nesarabad_q1_legacy_names.xlsx", "transactions", "xlsx", headers, rows,
                        services=spell.services, unions=spell.unions, decisions=dict(NES_DECISIONS),
                        notes=(f"{len(rows)} data rows in the file; {refused_rows} rows '{NES_REFUSED}' refused "
                               f"(decision none) and not counted; {shorthand} rows 'অনলাইন কাজ' counted as UDC069 "
                               "(decision)"))
    office.data = workbook({"Sheet1": [headers] + [r.cells for r in rows], "Sheet2": [], "Sheet3": []},
                           widths={"Sheet1": [11, 12, 16, 12, 22, 8, 22, 5, 7]})
    return office


# --- reading the files back (independently of the project's ingest) ---------------------------------

def read_back(office: OfficeFile) -> list[list[object]]:
    """All rows of the file as a reader sees them (text for CSV; typed values for workbooks)."""
    if office.kind == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(office.data), read_only=True, data_only=True)
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    data = office.data
    if office.encoding == "utf-16-le":
        assert data[:2] == b"\xff\xfe"
    text = data.decode("utf-16" if office.encoding == "utf-16-le" else office.encoding)
    if office.encoding == "cp1252":
        assert b"\xe2\x80" not in data and "’" in text, "Windows-1252 file must not be UTF-8 and must need cp1252"
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=office.delimiter))


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    text = str(value).translate(ASCII_DIGITS).strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%y", "%Y-%m-%d", "%d-%b-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"unreadable date {value!r}")


def parse_month(value: object) -> tuple[int, int]:
    if isinstance(value, datetime):
        assert value.day == 1
        return value.year, value.month
    text = str(value).translate(ASCII_DIGITS)
    word, year = text.split()
    month = {**{v: k for k, v in BN_MONTHS.items()}, **{v: k for k, v in EN_MONTHS.items()}}[word]
    return int(year), month


def parse_paisa(value: object) -> int:
    if isinstance(value, (int, float)):
        return round(Decimal(str(value)) * 100)
    text = re.sub(r"Tk\.?|/-", "", str(value).translate(ASCII_DIGITS)).strip()
    assert re.fullmatch(r"\d+(\.\d\d)?", text), value
    return int(Decimal(text) * 100)


def parse_count(value: object) -> int:
    return int(value) if isinstance(value, (int, float)) else int(str(value).translate(ASCII_DIGITS))


def check(office: OfficeFile) -> None:
    """The file's bytes give back exactly its truth; fees within the catalogue; dates inside Q1."""
    table = read_back(office)
    while table and all(c in (None, "") for c in table[-1]):
        table.pop()
    header = office.header_row - 1
    assert [str(c) for c in table[header]] == office.headers, (office.name, table[header])
    body = table[header + 1:]
    if office.trailer_rows:
        total = body[-1]
        assert total[0] in ("মোট", "Total") and all(c in (None, "") for c in body[-2]), total
        body = body[: -office.trailer_rows]
    assert len(body) == len(office.rows), (office.name, len(body), len(office.rows))
    col = {h: i for i, h in enumerate(office.headers)}

    def pick(row: list[object], *names: str) -> object:
        return next(row[col[n]] for n in names if n in col)

    got: Counter = Counter()
    for row in body:
        service = str(pick(row, "Service", "Service Type", "Service Name", "সেবার নাম"))
        if office.decisions.get(service) == "none":
            continue
        code = office.services[service]
        union_text = pick(row, "Union", "UP Name", "ইউনিয়ন") if code.startswith("UDC") else None
        union = office.unions[str(union_text)] if union_text is not None else None
        fee = parse_paisa(pick(row, "Fee (Tk)", "Amount (Tk)", "Fee", "Taka", "Income (Tk)", "ফি (টাকা)")) \
            if code.startswith("UDC") else 0
        if office.summary_months:
            count = parse_count(pick(row, "No. of Services"))
            got[(parse_month(row[0]), union, code, "count")] += count
            got[(parse_month(row[0]), union, code, "fee")] += fee
            continue
        count = 1 if "Receipt No" in col else parse_count(
            pick(row, "Beneficiaries", "Qty", "No. of Beneficiaries", "সংখ্যা", "সেবাগ্রহীতার সংখ্যা"))
        eid = pick(row, "Entrepreneur ID", "Uddokta Code", "Uddokta ID", "উদ্যোক্তার আইডি") if union else None
        got[(parse_date(pick(row, "Date", "Service Date", "তারিখ")), union, eid, code, count, fee)] += 1

    want: Counter = Counter()
    for d in office.truth:
        assert Q1_START <= d.day <= Q1_END and d.day.weekday() != 4
        svc = SERVICES[d.service]
        if svc.channel == "udc":
            assert svc.lo * 100 <= d.fee_paisa <= svc.hi * 100 and d.fee_paisa > 0, d
            assert d.entrepreneur and d.entrepreneur.startswith(f"PRJ-{UPAZILA_ABBR[UNION_UPAZILA[d.union]]}-")
        else:
            assert d.fee_paisa == 0 and d.union is None
        if office.summary_months:
            key = ((d.day.year, d.day.month), d.union, d.service)
            want[(*key, "count")] += d.beneficiaries
            want[(*key, "fee")] += d.fee_paisa
        else:
            want[(d.day, d.union, d.entrepreneur, d.service, d.beneficiaries, d.fee_paisa)] += 1
    assert got == want, (office.name, (got - want), (want - got))


# --- expected totals ---------------------------------------------------------------------------------

EXPECTED_COLUMNS = ["file", "shape", "rows", "beneficiaries", "fee_paisa", "by_upazila", "decisions", "notes"]


def expected_row(office: OfficeFile) -> dict[str, object]:
    truth = office.truth
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in truth:
        by[d.upazila][0] += d.beneficiaries
        by[d.upazila][1] += d.fee_paisa
    return {"file": office.name, "shape": office.shape, "rows": len(office.counted),
            "beneficiaries": sum(d.beneficiaries for d in truth), "fee_paisa": sum(d.fee_paisa for d in truth),
            "by_upazila": ";".join(f"{u}={b}/{f}" for u, (b, f) in sorted(by.items())),
            "decisions": len(office.decisions), "notes": office.notes}


def repeats(office: OfficeFile, *, ignore: int = 0) -> int:
    """How many rows repeat an earlier row exactly (``ignore`` leading columns, e.g. SL or receipt no.)."""
    seen: Counter = Counter(tuple(map(str, r.cells[ignore:])) for r in office.rows)
    return sum(n - 1 for n in seen.values() if n > 1)


def main() -> None:
    rng = lambda name: random.Random(f"{SEED}:{name}")  # noqa: E731 - one independent stream per file
    people = make_entrepreneurs(rng("entrepreneurs"))
    kaw = kawkhali(rng("kawkhali"), people)
    files = [nazirpur(rng("nazirpur"), people), kaw, kawkhali_resaved(kaw), bhandaria(rng("bhandaria"), people),
             dc_frontdesk(rng("dc")), mathbaria(rng("mathbaria")), indurkani(rng("indurkani"), people),
             sadar(rng("sadar"), people), nesarabad(rng("nesarabad"), people)]
    notes = {
        "nazirpur_q1_bn.xlsx": "title row and blank row above the header (header on row 3); {r} rows repeat an earlier "
                               "row exactly (separate deliveries)",
        "kawkhali_q1_en.csv": "UTF-8 with BOM, CRLF; {r} rows repeat an earlier row in everything but SL "
                              "(separate deliveries)",
        "bhandaria_q1_cp1252.csv": "Windows-1252, CRLF; dd-mm-yy dates; Tk decorations; {r} rows repeat an earlier "
                                   "row exactly (separate deliveries)",
        "dc_frontdesk_q1_utf16.csv": "UTF-16 LE with BOM, TAB-separated, CRLF; front desk, no fee, no place; "
                                     "{r} of {n} rows repeat an earlier row exactly (one row per application)",
        "mathbaria_q1_monthly.xlsx": "monthly summary, title row above the header (header on row 2); blank row and "
                                     "মোট total row at the bottom not counted; {t} deliveries summarised",
        "indurkani_q1_mixed.csv": "plain UTF-8; {r} rows repeat an earlier row exactly (separate deliveries)",
        "sadar_q1_receipts.csv": "no Upazila or count column (1 per receipt); {r} rows identical but for the "
                                 "Receipt No (separate deliveries)",
    }
    for office in files:
        if office.name in notes:
            ignore = 1 if office.name in ("kawkhali_q1_en.csv", "sadar_q1_receipts.csv") else 0
            office.notes = notes[office.name].format(r=repeats(office, ignore=ignore), n=len(office.rows),
                                                     t=len(office.truth))
        elif office.name.startswith("nesarabad"):
            office.notes += f"; {repeats(office)} rows repeat an earlier row exactly (separate deliveries)"
    for office in files:
        check(office)
        (HERE / office.name).write_bytes(office.data)
    a, b = files[1], files[2]
    assert Counter(a.truth) == Counter(b.truth) and [r.truth for r in a.rows] != [r.truth for r in b.rows]

    out = io.StringIO()
    writer = csv.DictWriter(out, EXPECTED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for office in sorted(files, key=lambda o: o.name):
        writer.writerow(expected_row(office))
    (HERE / "expected.csv").write_text(out.getvalue(), encoding="utf-8")

    nes = next(o for o in files if o.decisions)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "value", "decision"])
    writer.writerows(["service", value, decision] for value, decision in nes.decisions.items())
    (HERE / nes.name.replace(".xlsx", ".decisions.csv")).write_text(out.getvalue(), encoding="utf-8")
    size = sum(len(o.data) for o in files)
    assert size < 1_000_000, size
    print(f"{len(files)} files, {size:,} bytes; expected totals in expected.csv")


if __name__ == "__main__":
    main()
