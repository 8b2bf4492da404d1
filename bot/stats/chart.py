"""A PNG chart for policy officers: weekly counts per topic group.

Topics are grouped into a handful of themes a policy officer recognises. Counts are added per
group first and suppressed afterwards: a week where a group has fewer than ``k`` counts is not
drawn as a number but as an open marker inside a grey band labelled "fewer than k".
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; must come before pyplot is imported

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

# (label, topic ids); a topic in none of these is counted under "Other".
TOPIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Assault (recent or past)",
     ("emergency", "acute-assault", "past-assault", "evidence", "sexual-health")),
    ("Reporting and legal help", ("report-police", "anonymous-report", "legal-help")),
    ("Online abuse", ("online-abuse",)),
    ("At home, children", ("domestic-abuse", "child-abuse")),
    ("Street, nightlife, study, work, sport",
     ("street-harassment", "nightlife", "student", "workplace", "sport")),
    ("Support: someone else, bystanders, professionals",
     ("support-someone", "bystander", "professional")),
    ("Feeling bad, own behaviour", ("talk-to-someone", "suicidal", "own-behaviour")),
    ("Information (what counts, privacy, Leiden)", ("what-counts", "privacy", "about-leiden")),
)
OTHER_GROUP = "Other or no topic"

KIND_LABELS = {
    "answered": "questions answered",
    "fallback": "questions not understood",
    "clarification": "clarifying questions asked",
    "crisis": "crisis numbers shown",
    "helpful_yes": "'this helped' answers",
    "helpful_no": "'this did not help' answers",
    "quick_exit": "quick exits used",
    "menu": "menus opened",
}


def group_of(topic: str) -> str:
    for label, topics in TOPIC_GROUPS:
        if topic in topics:
            return label
    return OTHER_GROUP


def weekly_groups(weekly_topics: dict[tuple[date, str], int]) -> dict[tuple[date, str], int]:
    """(Monday, topic) counts added up to (Monday, group) counts."""
    grouped: Counter[tuple[date, str]] = Counter()
    for (monday, topic), count in weekly_topics.items():
        grouped[(monday, group_of(topic))] += count
    return dict(grouped)


def write_chart(
    weekly_topics: dict[tuple[date, str], int],
    path: Path,
    *,
    k: int,
    kinds: tuple[str, ...] | None,
    first: date | None = None,
    last: date | None = None,
) -> None:
    """Draw the weekly counts per topic group to ``path`` (PNG)."""
    grouped = weekly_groups(weekly_topics)
    mondays = [m for m, _ in grouped]
    start = first - timedelta(days=first.weekday()) if first else min(mondays, default=None)
    end = last - timedelta(days=last.weekday()) if last else max(mondays, default=None)
    weeks: list[date] = []
    if start is not None and end is not None:
        week = start
        while week <= end:
            weeks.append(week)
            week += timedelta(days=7)
    labels = [label for label, _ in TOPIC_GROUPS] + [OTHER_GROUP]
    present = [g for g in labels if any(grouped.get((w, g), 0) for w in weeks)]

    what = ", ".join(KIND_LABELS[k_] for k_ in kinds) if kinds else "all counted events"
    # One small panel per group on a shared scale: overlapping lines are hard to read, and
    # each panel's hidden weeks stay visible instead of hiding behind another group's.
    panels = present or ["(no counts in this period)"]
    columns = 1 if len(panels) == 1 else 2
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(12, 1.2 + 2.3 * rows), dpi=100,
                             sharex=True, sharey=True, squeeze=False)
    try:
        x = list(range(len(weeks)))  # one step per week; ticks carry the Monday's date
        step = max(1, -(-len(weeks) // 8))  # at most 8 date labels per panel stay readable
        colours = plt.get_cmap("tab10")
        peak = max((c for c in grouped.values()), default=0)
        for index, ax in enumerate(axes.flat):
            if index >= len(panels):
                ax.set_visible(False)
                continue
            group = panels[index]
            counts = [grouped.get((w, group), 0) for w in weeks]
            shown = [c if c == 0 or c >= k else float("nan") for c in counts]
            colour = colours(index % 10)
            ax.axhspan(0, k - 0.5, color="0.92", zorder=0)
            ax.plot(x, shown, marker="o", markersize=3.5, linewidth=1.8, color=colour)
            hidden = [w for w, c in zip(x, counts, strict=True) if 0 < c < k]
            if hidden:
                # In the band's middle: "some, fewer than k", never the exact number.
                ax.plot(hidden, [(k - 1) / 2] * len(hidden), linestyle="none", marker="o",
                        markersize=6, markerfacecolor="white", markeredgecolor=colour)
            ax.set_title(group, fontsize=10, loc="left")
            ax.grid(axis="y", color="0.85", linewidth=0.6)
            ax.set_xticks(x[::step], [w.strftime("%d %b %Y") for w in weeks[::step]])
            ax.tick_params(axis="x", labelrotation=30, labelsize=8)
            if index + columns >= len(panels):  # lowest panel in its column: show the dates
                ax.tick_params(axis="x", labelbottom=True)
            if not present:
                ax.text(0.5, 0.5, "no counts in this period", transform=ax.transAxes,
                        ha="center", va="center", fontsize=12, color="0.4")
        first_ax = axes.flat[0]
        first_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        first_ax.set_ylim(0, max(peak, k) * 1.1)
        fig.suptitle(f"Hulpwijzer: {what} per week, by topic group\n"
                     f"Anonymous counts. Grey band and open circles: fewer than {k} that week "
                     "(not shown exactly, for privacy).", fontsize=12)
        fig.supxlabel("Week (starting Monday)")
        fig.supylabel(f"Number of {what}" if kinds and len(kinds) == 1 else "Number of events")
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
