"""Charts of the funding page: the Sankey of sources to programmes and execution against 序时进度,
per unit and through the year; status always as colour, marker shape and word."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from rehabdash.kernel.contract import FUNDING_SOURCES, PROGRAMS
from rehabdash.kernel.indicators import Status
from rehabdash.kernel.theme import PALETTE, STATUS_COLORS, STATUS_MARKERS

Label = Callable[[str], str]


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"



def sankey(lines: pd.DataFrame, value: str, source_label: Label, program_label: Label,
           amount: Callable[[float], str], title: str) -> go.Figure:
    """Sources on the left flowing to programmes on the right; each node names its amount, so the
    figure reads without telling colours apart. `value` is 'allocated_yuan' or 'spent_yuan'."""
    lines = lines[lines[value] > 0]
    sources = [c for c in FUNDING_SOURCES if c in set(lines["source"])]
    programs = [c for c in PROGRAMS if c in set(lines["program"])]
    totals = {**lines.groupby("source")[value].sum().to_dict(),
              **lines.groupby("program")[value].sum().to_dict()}
    nodes = sources + programs
    index = {("source", c): i for i, c in enumerate(sources)}
    index.update({("program", c): len(sources) + i for i, c in enumerate(programs)})
    colors = {c: PALETTE[i] for i, c in enumerate(FUNDING_SOURCES)}
    figure = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(
            label=[f"{(source_label if i < len(sources) else program_label)(c)} {amount(totals[c])}"
                   for i, c in enumerate(nodes)],
            color=[colors[c] for c in sources] + ["#999999"] * len(programs),
            pad=18, thickness=18,
        ),
        link=dict(
            source=[index[("source", s)] for s in lines["source"]],
            target=[index[("program", p)] for p in lines["program"]],
            value=(lines[value] / 10_000).round(2).tolist(),
            color=[_rgba(colors[s], 0.35) for s in lines["source"]],
            customdata=[f"{source_label(s)} → {program_label(p)}: {amount(v)}"
                        for s, p, v in zip(lines["source"], lines["program"], lines[value])],
            hovertemplate="%{customdata}<extra></extra>",
        ),
    ))
    figure.update_layout(title=title, height=max(360, 60 * max(len(sources), len(programs))),
                         font_size=13)
    return figure



def add_status_markers(figure: go.Figure, x: list, y: list, statuses: list[Status | None],
                       texts: list[str], status_text: Callable[[Status | None], str], **trace) -> None:
    """One trace per status: colour, marker shape and the word in the legend (never colour alone)."""
    for status in dict.fromkeys(statuses):
        picked = [i for i, s in enumerate(statuses) if s == status]
        figure.add_scatter(
            x=[x[i] for i in picked], y=[y[i] for i in picked], text=[texts[i] for i in picked],
            name=status_text(status),
            marker=dict(size=13, color=STATUS_COLORS.get(status, "#999999"),
                        symbol=STATUS_MARKERS.get(status, "diamond"), line=dict(width=1, color="#333333")),
            **trace,
        )



def execution_by_unit(rows: pd.DataFrame, progress: float, status_text: Callable, progress_label: str,
                      rate: Callable[[float], str], title: str, axis_title: str) -> go.Figure:
    """Execution rate of each unit as a dot against a vertical line at 序时进度."""
    ranked = rows.sort_values("execution", na_position="first")
    figure = go.Figure()
    add_status_markers(
        figure, ranked["execution"].tolist(), ranked["label"].tolist(), ranked["status"].tolist(),
        [f"{rate(e)} {status_text(s)}" for e, s in zip(ranked["execution"], ranked["status"])],
        status_text, mode="markers+text", cliponaxis=False, textposition="middle right",
    )
    figure.add_vline(x=progress, line_dash="dash", line_color="#555555",
                     annotation_text=progress_label, annotation_position="top")
    # Not from zero: the units sit close together and the question is which side of the line each is on.
    shown = [e for e in ranked["execution"] if e is not None and pd.notna(e)] + [progress]
    spread = max(max(shown) - min(shown), 0.02)
    figure.update_xaxes(tickformat=".0%", title=axis_title,
                        range=[min(shown) - spread * 0.15, max(shown) + spread * 0.3])
    figure.update_layout(title=title, height=160 + 34 * len(ranked), legend_title_text="", showlegend=True,
                         margin=dict(r=90))
    return figure



def execution_over_time(points: pd.DataFrame, line: pd.DataFrame, status_text: Callable,
                        rate: Callable[[float], str], names: dict[str, str], title: str) -> go.Figure:
    """Execution at each snapshot date against the straight line of 序时进度 over the year."""
    figure = go.Figure()
    figure.add_scatter(x=line["day"], y=line["progress"], mode="lines", name=names["progress"],
                       line=dict(color="#555555", dash="dash"))
    figure.add_scatter(x=points["day"], y=points["execution"], mode="lines", name=names["execution"],
                       line=dict(color=PALETTE[0], width=2), hoverinfo="skip")
    add_status_markers(
        figure, points["day"].tolist(), points["execution"].tolist(), points["status"].tolist(),
        [f"{rate(e)} {status_text(s)}" for e, s in zip(points["execution"], points["status"])],
        status_text, mode="markers+text", cliponaxis=False, textposition="top left",
    )
    figure.update_xaxes(range=[line["day"].iloc[0], line["day"].iloc[-1]], tickformat=names["tick"],
                        title=names["day"])
    figure.update_yaxes(tickformat=".0%", range=[0, 1.1], title=names["axis"])
    figure.update_layout(title=title, height=420, legend_title_text="", showlegend=True)
    return figure
