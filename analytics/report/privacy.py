"""The small-cell rule for open links (no streamlit): no one's earnings can be read or worked out.

Viewers who are not staff (``pages.access.can_see_people()`` is False) see no earnings figure
(earnings, average earning per entrepreneur, any taka amount attributable to entrepreneurs)
for an area or group with fewer than ``min_entrepreneurs`` active entrepreneurs (distinct
non-null ``entrepreneur_id`` with UDC rows in that group and period, as
:mod:`analytics.report.metrics` counts them). Every union has two entrepreneurs, so union earnings
are never shown to them; upazilas have six or more.

A figure hidden next to figures that are shown could still be worked out by subtraction from
their total (a parent area, the district, all services), so when the hidden groups of a set
together cover some but fewer than ``min_entrepreneurs`` entrepreneurs, the smallest shown
group is hidden too ("complementary suppression"), until the hidden rest covers enough.

The same holds across periods. A period's figure less another's (July to September less July
to August, a fiscal year less three of its quarters) is the figure of the months between, so:
- an open link's earnings are given for whole fiscal quarters only (:func:`whole_quarters`: a year,
  a quarter, or a range of whole quarters); a range that cuts a quarter shows counts, not earnings;
- a figure over several quarters is hidden wherever it is hidden in one of its quarters
  (``forced`` in :func:`suppress`, ``seeded`` in :func:`grid_hidden`), so no quarter's hidden
  figure is the year's less the others'.

``min_entrepreneurs=None`` means the viewer is staff: nothing is hidden (the ``hidden`` column
is all False). Functions here are pure: frames in, frames with the same columns out (plus the
boolean ``hidden`` column), earnings nulled where hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from analytics import i18n
from analytics.reference.periods import Period, quarter_of

DEFAULT_MIN_ENTREPRENEURS = 3
#: The threshold of an open link pinned to a data version earlier than the latest: no earnings at
#: all, as no group has so many people (the same figure in two versions differs by the uploads
#: between them, and one union's file is two people's earnings).
EARLIER_VERSION = 1_000_000_000
EARNINGS_COLUMNS = ("earnings_paisa", "earnings_per_entrepreneur_paisa")
HIDDEN = "hidden"


def threshold(min_entrepreneurs: int | None) -> int | None:
    """The rule's threshold, or None (staff: nothing hidden). A threshold below 1 hides nothing."""
    if min_entrepreneurs is None:
        return None
    return int(min_entrepreneurs) if int(min_entrepreneurs) > 1 else None


def shows(entrepreneurs: int | None, *, min_entrepreneurs: int | None) -> bool:
    """Whether an earnings figure covering ``entrepreneurs`` people may be shown."""
    limit = threshold(min_entrepreneurs)
    return limit is None or (entrepreneurs or 0) >= limit


def earlier(min_entrepreneurs: int | None) -> bool:
    """Whether ``min_entrepreneurs`` is :data:`EARLIER_VERSION`'s (an open link to an earlier version)."""
    return min_entrepreneurs is not None and min_entrepreneurs >= EARLIER_VERSION


def whole_quarters(period: Period | None) -> bool:
    """Whether ``period`` is whole fiscal quarters (all data, a fiscal year, a quarter, or a range
    from a quarter's first day to a quarter's last): the periods whose earnings open links show."""
    if period is None or period.fy is not None:
        return True
    return period.start == quarter_of(period.start).start and period.end == quarter_of(period.end).end


def hidden_text(*, lang: str, min_entrepreneurs: int, entrepreneurs: int | None = None) -> str:
    """What is shown instead of a hidden figure: "fewer than 3" / "৩ জনের কম"; for a figure of
    ``entrepreneurs`` enough people, hidden only so that another cannot be had by subtraction,
    "not shown, so that a smaller figure cannot be worked out"."""
    if earlier(min_entrepreneurs):
        return i18n.t("privacy.latest_only", lang)
    if entrepreneurs is not None and entrepreneurs >= min_entrepreneurs:
        return withheld_text(lang=lang)
    return i18n.t("privacy.fewer_than", lang, n=int(min_entrepreneurs))


def part_text(*, lang: str) -> str:
    """What is shown instead of earnings over a range that cuts a quarter (:func:`whole_quarters`)."""
    return i18n.t("privacy.whole_quarters", lang)


def withheld_text(*, lang: str) -> str:
    """What is shown instead of a figure of enough people hidden to protect another (complementary)."""
    return i18n.t("privacy.withheld", lang)


def unknown_text(*, lang: str) -> str:
    """What is shown instead of an earnings figure hidden because how many entrepreneurs are behind
    it is not known (monthly summaries name none): not "fewer than N", which may be false."""
    return i18n.t("privacy.not_known", lang)


def hidden_label(*, lang: str, min_entrepreneurs: int) -> str:
    """The map legend's entry for hidden areas: "hidden: fewer than 3 entrepreneurs"."""
    if earlier(min_entrepreneurs):
        return i18n.t("privacy.latest_only_legend", lang)
    return i18n.t("privacy.hidden_legend", lang, n=int(min_entrepreneurs))


def notice(*, lang: str, min_entrepreneurs: int) -> str:
    """One sentence for the pages: why some earnings are not shown."""
    if earlier(min_entrepreneurs):
        return i18n.t("privacy.notice_earlier", lang)
    return i18n.t("privacy.notice", lang, n=int(min_entrepreneurs))


def suppress(frame: pl.DataFrame, *, min_entrepreneurs: int | None, count: str = "entrepreneurs",
             columns: Iterable[str] = EARNINGS_COLUMNS, applies: pl.Expr | None = None,
             within: str | None = None, disjoint: bool = True,
             covered: Callable[[pl.DataFrame], int] | None = None, forced: Iterable[str] = (),
             key: str = "pcode") -> pl.DataFrame:
    """``frame`` with ``columns`` nulled in every row whose ``count`` is below the threshold.

    ``applies`` limits the rule to some rows (e.g. UDC rows: front-desk fees are the office's,
    not a person's). Rows whose figures are all null already ("no data") are not flagged.
    With ``disjoint`` (each entrepreneur counts in one row only, as areas), hidden rows whose
    counts add up to 1 .. threshold-1 get the smallest shown row (per ``within`` group, e.g.
    the parent upazila) hidden too, so the hidden rest cannot be had by subtraction from a
    total. ``covered(hidden_rows)``, when given, counts the distinct entrepreneurs behind hidden
    rows (one who served two areas counts once), instead of adding their ``count``. ``forced``:
    the ``key`` of rows hidden whatever their count (hidden in one of the period's quarters).
    Adds the boolean column ``hidden``.
    """
    columns = [c for c in columns if c in frame.columns]
    limit = threshold(min_entrepreneurs)
    if limit is None or not columns or frame.is_empty():
        return frame.with_columns(pl.lit(False).alias(HIDDEN))
    has_value = pl.any_horizontal(pl.col(c).is_not_null() for c in columns)
    people = pl.col(count).fill_null(0)
    # nothing earned by no one reveals nothing (e.g. the front-desk channel's areas)
    empty = (people == 0) & pl.all_horizontal(pl.col(c).fill_null(0) == 0 for c in columns)
    forced = list(forced)
    rule = has_value & ((people < limit) | (pl.col(key).is_in(forced) if forced else pl.lit(False))) & ~empty
    if applies is not None:
        rule = rule & applies
    out = frame.with_columns(rule.fill_null(False).alias(HIDDEN))
    if disjoint:
        eligible = has_value if applies is None else has_value & applies
        out = _complement(out, eligible=eligible, count=count, limit=limit, within=within, covered=covered)
    return _null_hidden(out, columns)


def _complement(frame: pl.DataFrame, *, eligible: pl.Expr, count: str, limit: int, within: str | None,
                covered: Callable[[pl.DataFrame], int] | None = None) -> pl.DataFrame:
    """Hide the smallest shown row of each group until its hidden rows cover 0 or >= ``limit``
    entrepreneurs (``covered``: see :func:`suppress`)."""
    order = "_privacy_order"
    frame = frame.with_row_index(order)
    groups = [None] if within is None else frame[within].unique().to_list()
    for group in groups:
        for _ in range(frame.height):
            part = frame if within is None else frame.filter(pl.col(within).eq_missing(group))
            hidden = part.filter(pl.col(HIDDEN))
            people = int(hidden[count].fill_null(0).sum() or 0) if covered is None or hidden.is_empty() \
                else covered(hidden)
            if people == 0 or people >= limit:
                break
            candidates = part.filter(~pl.col(HIDDEN) & eligible).sort([count, order], nulls_last=False)
            if candidates.is_empty():
                break
            chosen = candidates[order][0]
            frame = frame.with_columns(pl.when(pl.col(order) == chosen).then(True).otherwise(pl.col(HIDDEN)).alias(HIDDEN))
    return frame.drop(order)


def grid_hidden(people: pl.DataFrame, *, min_entrepreneurs: int | None, row: str = "upazila_code",
                column: str = "service_code", person: str = "entrepreneur_id",
                totals_hidden: Iterable[str] = (), seeded: Iterable[tuple[str | None, str]] = ()
                ) -> set[tuple[str | None, str]]:
    """The hidden cells of a table of areas (``row``) by groups (``column``, services) whose
    figures each come from the distinct people of ``people`` in the cell, as every area's page
    shows its own row, and the district's page the whole (row ``None``: every area together).

    Each line of the table is a sum that can be read: an area's row adds up to the area's total
    (shown elsewhere, unless the area is in ``totals_hidden``), the district's row to the district's
    total, and a group's column to the district's figure for it (hidden or not). A cell of fewer
    than the threshold is hidden, and so many more, always the shown cell of fewest people, that no
    line has exactly one figure unknown (it would be the line's sum less the others), nor unknown
    figures that together cover 1 .. threshold-1 people (an entrepreneur in two areas counts once).
    ``seeded``: cells hidden whatever their people (hidden in one of the period's quarters).
    Empty for staff (``min_entrepreneurs`` None)."""
    limit = threshold(min_entrepreneurs)
    if limit is None or people.is_empty():
        return set()
    cells: dict[tuple[str | None, str], set] = {}
    for area, group, who in people.select(row, column, person).iter_rows():
        cells.setdefault((area, group), set()).add(who)
        cells.setdefault((None, group), set()).add(who)
    areas = sorted({area for area, _ in cells if area is not None})
    groups = sorted({group for _, group in cells})
    # an area's total, as a cell of its row ("" for the group): hidden when other tables hide it, never here
    totals = {(area, ""): set().union(*(who for (a, _), who in cells.items() if a == area)) for area in areas}
    fixed = {(area, "") for area in dict.fromkeys(totals_hidden) if area in areas}
    everyone = {**cells, **totals}
    if earlier(limit):
        return set(cells)
    hidden = {cell for cell, who in cells.items() if len(who) < limit} | fixed | (set(seeded) & set(cells))
    lines = ([[(area, group) for group in groups if (area, group) in cells] + [(area, "")] for area in areas]
             + [[(None, group) for group in groups]]
             + [[(area, group) for area in areas if (area, group) in cells] + [(None, group)] for group in groups])
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [cell for cell in line if cell in hidden]
            covered = set().union(*(everyone[cell] for cell in unknown))
            while unknown and (len(unknown) == 1 or len(covered) < limit):
                shown = [cell for cell in line if cell not in hidden and cell[1] != ""]
                if not shown:
                    break
                smallest = min(shown, key=lambda cell: len(everyone[cell]))
                hidden.add(smallest)
                unknown.append(smallest)
                covered |= everyone[smallest]
                changed = True
    return hidden - fixed


def _null_hidden(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.col(HIDDEN)).then(None).otherwise(pl.col(c)).alias(c) for c in columns)


def text_or_hidden(text: str | pl.Expr, *, lang: str, min_entrepreneurs: int | None,
                   unknown: pl.Expr | None = None, count: str | None = None) -> pl.Expr:
    """A display column that reads "fewer than N" where the row is hidden (:func:`unknown_text`
    where ``unknown`` holds: how many entrepreneurs is not known; :func:`withheld_text` where the
    row's ``count`` of entrepreneurs is enough: hidden only to protect another)."""
    expr = pl.col(text) if isinstance(text, str) else text
    limit = threshold(min_entrepreneurs)
    if limit is None:
        return expr
    name = text if isinstance(text, str) else text.meta.output_name(raise_if_undetermined=False)
    out = pl.when(pl.col(HIDDEN)).then(pl.lit(hidden_text(lang=lang, min_entrepreneurs=limit))).otherwise(expr)
    if count is not None:
        out = pl.when(pl.col(HIDDEN) & (pl.col(count).fill_null(0) >= limit)).then(
            pl.lit(withheld_text(lang=lang))).otherwise(out)
    if unknown is not None:
        out = pl.when(pl.col(HIDDEN) & unknown).then(pl.lit(unknown_text(lang=lang))).otherwise(out)
    return out.alias(name) if name else out


def min_for(settings: object, *, sees_people: bool) -> int | None:
    """The threshold for a viewer: None for staff (``sees_people``), else the setting
    ``min_entrepreneurs`` (default 3; read so that settings without the field work too)."""
    if sees_people:
        return None
    return threshold(getattr(settings, "min_entrepreneurs", DEFAULT_MIN_ENTREPRENEURS))
