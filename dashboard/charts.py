"""What the dashboard's charts draw (the JSON the script reads) and what each says in
words (the canvas's label for screen readers; every number is also in the table under
the chart).

A month without ratings has no satisfaction rate: it goes to the chart as null, a gap in
the line, never as zero.
"""

from django.utils import formats
from django.utils.translation import gettext as _

from dashboard.figures import HeadlineFigures, MonthRow, ShareRow


def chart_data(months: list[MonthRow], categories: list[ShareRow], regions: list[ShareRow],
               figures: HeadlineFigures) -> dict:
    return {
        "months": [row.month.strftime("%Y-%m") for row in months],
        "issues": [row.collected for row in months],
        # None (null) for a month without ratings: the line has a gap there.
        "satisfaction": [float(row.satisfaction_rate) if row.satisfaction_rate is not None
                         else None for row in months],
        "sessions": [row.sessions_held for row in months],
        "attendances": [row.attendances for row in months],
        "categories": [row.label for row in categories],
        "category_issues": [row.collected for row in categories],
        "regions": [row.label for row in regions],
        "region_issues": [row.collected for row in regions],
        "show_sessions": figures.sessions_filtered,
        "labels": {
            "issues": _("Issues collected"), "satisfaction": _("Satisfaction rate (%)"),
            "sessions": _("Sessions held"), "attendances": _("Attendances"),
        },
    }


def _month(row: MonthRow) -> str:
    return formats.date_format(row.month, "YEAR_MONTH_FORMAT")


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def _shares(rows: list[ShareRow], *, words: str) -> str:
    total = sum(row.collected for row in rows)
    if not total:
        return _("No issues for these filters.")
    top = max(rows, key=lambda row: row.collected)
    return words % {"top": top.label, "n": _number(top.collected), "total": _number(total)}


def chart_summaries(months: list[MonthRow], categories: list[ShareRow],
                    regions: list[ShareRow]) -> dict[str, str]:
    """Each chart in a sentence: what it draws, over which months, the totals and the
    largest bar."""
    summaries = {}
    if months:
        peak = max(months, key=lambda row: row.collected)
        rated = [row for row in months if row.satisfaction_rate is not None]
        summaries["months"] = _(
            "Issues collected per month (bars) and the satisfaction rate (line), %(first)s "
            "to %(last)s: %(issues)s issues, the most in %(peak)s (%(peak_issues)s); "
            "%(rated)s of %(count)s months have ratings, the others are gaps in the line. "
            "The numbers are in the table below."
        ) % {"first": _month(months[0]), "last": _month(months[-1]),
             "issues": _number(sum(row.collected for row in months)),
             "peak": _month(peak), "peak_issues": _number(peak.collected),
             "rated": len(rated), "count": len(months)}
        summaries["sessions"] = _(
            "Sessions held per month (bars) and attendances (line), %(first)s to %(last)s: "
            "%(sessions)s sessions, %(attendances)s attendances. The numbers are in the "
            "table below."
        ) % {"first": _month(months[0]), "last": _month(months[-1]),
             "sessions": _number(sum(row.sessions_held for row in months)),
             "attendances": _number(sum(row.attendances for row in months))}
    else:
        summaries["months"] = _("No issues for these filters.")
        summaries["sessions"] = _("No sessions for these filters.")
    summaries["categories"] = _shares(categories, words=_(
        "Issues collected by category: the most in %(top)s (%(n)s of %(total)s). The "
        "numbers are in the table below."))
    summaries["regions"] = _shares(regions, words=_(
        "Issues collected by region: the most in %(top)s (%(n)s of %(total)s). The "
        "numbers are in the table below."))
    return summaries
