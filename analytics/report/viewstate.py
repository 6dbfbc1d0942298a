"""What is on screen, as URL query parameters, so a copied link reproduces the view.

``ViewState.from_query`` reads a query-string mapping leniently (anything unknown or
malformed falls back to the default, never an error page); ``to_query`` writes only what
differs from the defaults, so links stay short.

Parameters: ``lang`` (bn|en), ``fy`` (2022-23), ``q`` (1-4; absent = whole year),
``from``/``to`` (ISO dates, a custom range instead of fy/q), ``channel`` (all|udc|front_desk),
``upazila`` (P-code), ``level`` (upazila|union), ``metric``, ``v`` (pin a data version),
``present`` (1 = presentation mode), ``search`` (entrepreneur search), ``compare`` (previous|year:
what changes are measured against, analytics.report.comparison).

``ViewState.parse`` also names the parameters it had to leave out (a fiscal year or date
outside 2010-2099, ``q=7``, ``v=-1``, ``lang=fr``, ...), so the app can say so. ``link``
builds a share link with every value URL-encoded (``&``, ``#``, ``?``, Bengali text), which
``parse`` reads back unchanged.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Mapping
from urllib.parse import urlencode

from analytics.i18n import DEFAULT_LANG, LANGS
from analytics.reference import schema
from analytics.reference.periods import Period, fiscal_year, parse_fy, quarter
from analytics.report.comparison import DEFAULT_MODE, MODES
from analytics.report.metrics import AREA_METRICS

#: The channel filter: every channel, or one of :data:`analytics.reference.schema.CHANNELS`.
CHANNELS = ("all", *schema.CHANNELS)
LEVELS = ("upazila", "union")
FIRST_FY, LAST_FY = 2010, 2098  # the data starts in 2010 (ingest refuses older dates)
FIRST_DAY, LAST_DAY = date(FIRST_FY, 1, 1), date(LAST_FY + 1, 6, 30)
MAX_SEARCH = 100


@dataclass(frozen=True)
class ViewState:
    lang: str = DEFAULT_LANG
    fy: int | None = None  # None: the latest fiscal year with data
    q: int | None = None
    start: date | None = None
    end: date | None = None
    channel: str = "all"
    upazila: str | None = None
    level: str = "upazila"
    metric: str = "beneficiaries_udc"
    version: int | None = None  # None: follow the latest data
    present: bool = False
    search: str = ""
    compare: str = DEFAULT_MODE

    def period(self, *, latest_fy: int) -> Period:
        if self.start and self.end and self.start <= self.end:
            return Period(self.start, self.end)
        fy = self.fy if self.fy is not None else latest_fy
        return quarter(fy, self.q) if self.q else fiscal_year(fy)

    def with_(self, **changes: object) -> "ViewState":
        return replace(self, **changes)

    @classmethod
    def from_query(cls, query: Mapping[str, str | list[str]]) -> "ViewState":
        return cls.parse(query)[0]

    @classmethod
    def parse(cls, query: Mapping[str, str | list[str]]) -> tuple["ViewState", tuple[str, ...]]:
        """The state, and the names of the parameters left out because their values are not usable."""
        def get(name: str) -> str | None:
            value = query.get(name)
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else None
            return value.strip() if isinstance(value, str) and value.strip() else None

        values: dict[str, object] = {}
        rejected: list[str] = []

        def take(name: str, field: str, value: object, ok: bool) -> None:
            if ok:
                values[field] = value
            elif get(name) is not None:
                rejected.append(name)

        lang = get("lang")
        take("lang", "lang", lang, lang in LANGS)
        fy = None
        if text := get("fy"):
            try:
                fy = parse_fy(text)
            except ValueError:
                pass
        take("fy", "fy", fy, fy is not None and FIRST_FY <= fy <= LAST_FY)
        q = get("q")
        take("q", "q", int(q) if q in ("1", "2", "3", "4") else None, q in ("1", "2", "3", "4"))
        days: dict[str, date | None] = {}
        for field, name in (("start", "from"), ("end", "to")):
            try:
                day = date.fromisoformat(get(name) or "")
            except ValueError:
                day = None
            days[field] = day if day is not None and FIRST_DAY <= day <= LAST_DAY else None
        if days["start"] and days["end"] and days["start"] <= days["end"]:
            values.update(days)
        else:
            rejected += [name for name in ("from", "to") if get(name) is not None]
        channel = get("channel")
        take("channel", "channel", channel, channel in CHANNELS)
        upazila = get("upazila")
        take("upazila", "upazila", upazila, bool(upazila) and upazila.isascii() and upazila.isalnum()
             and len(upazila) <= 12)
        level = get("level")
        take("level", "level", level, level in LEVELS)
        metric = get("metric")
        take("metric", "metric", metric, metric in AREA_METRICS)
        version = get("v")
        take("v", "version", int(version) if version and version.isascii() and version.isdigit()
             and len(version) <= 12 else None, bool(version) and version.isascii() and version.isdigit()
             and len(version) <= 12 and int(version) > 0)
        compare = get("compare")
        take("compare", "compare", compare, compare in MODES)
        values["present"] = get("present") in ("1", "true", "yes")
        if search := get("search"):
            values["search"] = "".join(ch for ch in search if ch.isprintable())[:MAX_SEARCH]
        return replace(cls(), **values), tuple(rejected)

    def whole_months(self) -> "ViewState":
        """A custom range widened to whole months (the first of its first month to the last day of
        its last month); anything else as it is."""
        if not (self.start and self.end):
            return self
        last = calendar.monthrange(self.end.year, self.end.month)[1]
        return replace(self, start=self.start.replace(day=1), end=self.end.replace(day=last))

    def link(self, base: str) -> str:
        """``base`` (the page's address, without a query) with this state as a URL-encoded query."""
        query = urlencode(self.to_query())
        if query and "://" in base and "/" not in base.split("://", 1)[1]:  # (a host alone: its root page)
            base += "/"
        return f"{base}?{query}" if query else base

    def to_query(self) -> dict[str, str]:
        default = asdict(ViewState())
        names = {"start": "from", "end": "to", "version": "v"}
        out: dict[str, str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value == default[field.name]:
                continue
            name = names.get(field.name, field.name)
            if field.name == "fy":
                out[name] = f"{value}-{(value + 1) % 100:02d}"
            elif isinstance(value, bool):
                out[name] = "1"
            elif isinstance(value, date):
                out[name] = value.isoformat()
            else:
                out[name] = str(value)
        return out
