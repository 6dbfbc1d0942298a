"""What is on screen, as URL query parameters, so a copied link reproduces the view.

``ViewState.from_query`` reads a query-string mapping leniently (anything unknown or
malformed falls back to the default, never an error page); ``to_query`` writes only what
differs from the defaults, so links stay short.

Parameters: ``lang`` (bn|en), ``fy`` (2022-23), ``q`` (1-4; absent = whole year),
``from``/``to`` (ISO dates, a custom range instead of fy/q), ``channel`` (all|udc|front_desk),
``upazila`` (P-code), ``level`` (upazila|union), ``metric``, ``v`` (pin a data version),
``present`` (1 = presentation mode), ``q_search`` (entrepreneur search).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Mapping

from analytics.i18n import DEFAULT_LANG, LANGS
from analytics.metrics import AREA_METRICS
from analytics.periods import Period, fiscal_year, parse_fy, quarter

CHANNELS = ("all", "udc", "front_desk")
LEVELS = ("upazila", "union")


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

    def period(self, *, latest_fy: int) -> Period:
        if self.start and self.end and self.start <= self.end:
            return Period(self.start, self.end)
        fy = self.fy if self.fy is not None else latest_fy
        return quarter(fy, self.q) if self.q else fiscal_year(fy)

    def with_(self, **changes: object) -> "ViewState":
        return replace(self, **changes)

    @classmethod
    def from_query(cls, query: Mapping[str, str | list[str]]) -> "ViewState":
        def get(name: str) -> str | None:
            value = query.get(name)
            if isinstance(value, list):
                value = value[-1] if value else None
            return value.strip() if isinstance(value, str) and value.strip() else None

        state = cls()
        values: dict[str, object] = {}
        if (lang := get("lang")) in LANGS:
            values["lang"] = lang
        if fy := get("fy"):
            try:
                values["fy"] = parse_fy(fy)
            except ValueError:
                pass
        if (q := get("q")) in ("1", "2", "3", "4"):
            values["q"] = int(q)
        for key, name in (("start", "from"), ("end", "to")):
            try:
                values[key] = date.fromisoformat(get(name) or "")
            except ValueError:
                pass
        if (channel := get("channel")) in CHANNELS:
            values["channel"] = channel
        if (upazila := get("upazila")) and upazila.isalnum() and len(upazila) <= 12:
            values["upazila"] = upazila
        if (level := get("level")) in LEVELS:
            values["level"] = level
        if (metric := get("metric")) in AREA_METRICS:
            values["metric"] = metric
        if (version := get("v")) and version.isdigit():
            values["version"] = int(version)
        values["present"] = get("present") in ("1", "true", "yes")
        if search := get("search"):
            values["search"] = search[:100]
        return replace(state, **values)

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
