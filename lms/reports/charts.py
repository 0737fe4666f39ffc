"""Charts as inline SVG, drawn on the server: no script, nothing from another host.

Each chart is an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` say what it shows and
sum it up in words; the page puts the same numbers in a table beside it. Colours come from
the stylesheet (classes ``chart-*``), so forced-colour and print modes restyle them.
"""
from math import floor, log10

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup, escape


def nice_ticks(maximum, most=5):
    """Round tick values from 0 to at least ``maximum``: steps of 1, 2 or 5 times a power of 10."""
    maximum = max(1, maximum)
    raw = maximum / most
    magnitude = 10 ** floor(log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    top = -(-maximum // step) * step
    return list(range(0, top + 1, step))


def _shorten(text, length):
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _svg(chart_id, width, height, title, desc, body, css_class):
    return Markup(
        f'<svg class="chart {css_class}" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def weekly_completions_svg(weeks, chart_id="weekly-chart"):
    """A bar per week. ``weeks``: [(Monday as a date, completions)]."""
    width, height = 640, 240
    left, right, top, bottom = 44, 12, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    total = sum(n for _w, n in weeks)
    ticks = nice_ticks(max((n for _w, n in weeks), default=0))
    top_value = ticks[-1]
    title = _("Completions per week")
    if weeks:
        busiest = max(weeks, key=lambda item: item[1])
        desc = _(
            "%(total)s completions in %(weeks)s weeks from %(first)s to %(last)s; "
            "the most, %(most)s, in the week of %(busiest)s.",
            total=total, weeks=len(weeks), first=format_date(weeks[0][0], "medium"),
            last=format_date(weeks[-1][0], "medium"), most=busiest[1],
            busiest=format_date(busiest[0], "medium"),
        )
    else:
        desc = _("No weeks to show.")
    parts = []
    for value in ticks:
        y = top + plot_h - value / top_value * plot_h
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-label" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{format_decimal(value)}</text>'
        )
    band = plot_w / max(1, len(weeks))
    label_every = max(1, -(-len(weeks) // 8))
    for i, (week, n) in enumerate(weeks):
        bar_h = n / top_value * plot_h
        x = left + i * band + band * 0.15
        y = top + plot_h - bar_h
        label = format_date(week, "d MMM")
        parts.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{band * 0.7:.1f}" height="{bar_h:.1f}">'
            f"<title>{escape(label)}: {n}</title></rect>"
        )
        if i % label_every == 0:
            parts.append(
                f'<text class="chart-label" x="{left + (i + 0.5) * band:.1f}" y="{height - bottom + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(
        f'<line class="chart-axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    if weeks and not total:
        parts.append(
            f'<text class="chart-empty" x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
            f'text-anchor="middle">{escape(_("No completions in these weeks."))}</text>'
        )
    return _svg(chart_id, width, height, title, desc, "".join(parts), "chart-weekly")


def funnel_svg(enrolled, steps, chart_id="funnel-chart"):
    """A horizontal bar for the enrolled learners, then one per module for those who
    completed it. ``steps``: objects with ``position``, ``title`` and ``completed``."""
    rows = [(_("Enrolled"), enrolled)] + [
        (_("Module %(n)s: %(title)s", n=step.position + 1, title=step.title), step.completed)
        for step in steps
    ]
    row_h, gap, label_w, value_w = 26, 10, 220, 110
    width = 640
    height = len(rows) * (row_h + gap) + gap
    bar_w = width - label_w - value_w
    parts = []
    for i, (label, n) in enumerate(rows):
        y = gap + i * (row_h + gap)
        share = (n / enrolled) if enrolled else 0
        length = max(share * bar_w, 1 if n else 0)
        value = f"{format_decimal(n)} ({format_percent(share)})" if i else format_decimal(n)
        parts.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y + row_h * 0.68:.1f}" text-anchor="end">'
            f"{escape(_shorten(label, 34))}</text>"
            f'<rect class="chart-bar{" chart-bar-total" if i == 0 else ""}" x="{label_w}" y="{y}" '
            f'width="{length:.1f}" height="{row_h}"><title>{escape(label)}: {escape(value)}</title></rect>'
            f'<text class="chart-value" x="{label_w + length + 6:.1f}" y="{y + row_h * 0.68:.1f}">{escape(value)}</text>'
        )
    if steps:
        last = steps[-1]
        desc = _(
            "Of %(enrolled)s enrolled learners, %(first)s completed the first module and "
            "%(last)s the last (module %(n)s).",
            enrolled=enrolled, first=steps[0].completed, last=last.completed, n=last.position + 1,
        )
    else:
        desc = _("This course has no modules.")
    return _svg(chart_id, width, height, _("Module completion funnel"), desc, "".join(parts), "chart-funnel")
