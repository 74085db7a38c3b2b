"""Charts of the funding page: the Sankey of sources to programmes and execution against 序时进度,
per unit and through the year; status always as colour, marker shape and word."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from rehabdash.charts import by_inputs
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n
from rehabdash.kernel.columns import Column
from rehabdash.kernel.contract import FUNDING_SOURCES, PROGRAMS
from rehabdash.kernel.formatting import WAN
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



@by_inputs
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



@by_inputs
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


# The tables under the charts (and their downloads), declared once.
UNIT = Column("label", "funding.unit", "text")
ALLOCATED = Column("allocated_yuan", "funding.allocated_wan", "wan_number")
SPENT = Column("spent_yuan", "funding.spent_wan", "wan_number")
EXECUTION = Column("execution", "funding.execution_col", "rate")
PROGRESS = Column("progress", "funding.progress_col", "percent")
STATUS = Column("status", "funding.status_col", "status")
FLOW_COLUMNS = (Column("source", "funding.source", "code:source"), Column("program", "funding.program", "code:program"),
                ALLOCATED, SPENT, EXECUTION)
MONEY_COLUMNS = (UNIT, ALLOCATED, SPENT)
PER_PERSON_COLUMNS = (UNIT, Column("registered_disabled", "funding.registered_col"),
                      Column("allocated_per_person", "funding.allocated_per_person", "decimal"),
                      Column("spent_per_person", "funding.spent_per_person", "decimal"))
EXECUTION_COLUMNS = (UNIT, ALLOCATED, SPENT, EXECUTION, PROGRESS, STATUS)
TIMELINE_COLUMNS = (Column("day", "funding.day", "date"), Column("snapshot", "funding.snapshot", "iso_date"),
                    ALLOCATED, SPENT, EXECUTION, PROGRESS, STATUS)


def measure_name(column: str, lang: str) -> str:
    return i18n.text(lang, "funding.allocated" if column == "allocated_yuan" else "funding.spent")


@by_inputs
def money_by_unit(people: pd.DataFrame, lang: str, title: str) -> go.Figure:
    """Allocated and spent of each unit, side by side in 万元 (spent hatched)."""
    long = people.melt(id_vars="label", value_vars=["allocated_yuan", "spent_yuan"], var_name="measure")
    long = long.assign(wan=(long["value"] / WAN).round(2), measure=long["measure"].map(lambda c: measure_name(c, lang)))
    bars = px.bar(long, x="wan", y="label", color="measure", pattern_shape="measure", barmode="group",
                  orientation="h", title=title,
                  labels={"wan": i18n.text(lang, "funding.wan_axis"), "label": i18n.text(lang, "funding.unit"),
                          "measure": ""})
    bars.update_layout(height=160 + 40 * len(people), yaxis_categoryorder="array",
                       yaxis_categoryarray=people["label"].tolist()[::-1],
                       legend=dict(orientation="h", y=-0.15 - 1.5 / len(people)))
    return bars


@by_inputs
def per_person_by_unit(people: pd.DataFrame, lang: str, title: str) -> go.Figure:
    """Funds spent per registered disabled person of each unit, in yuan."""
    bars = px.bar(
        people.assign(spent=people["spent_per_person"].round(2)), x="spent", y="label", orientation="h",
        text=people["spent_per_person"].map(lambda v: fmt.count(v, lang)), title=title,
        labels={"spent": i18n.text(lang, "funding.spent_per_person"), "label": i18n.text(lang, "funding.unit")},
    )
    bars.update_traces(textposition="outside", textangle=0, cliponaxis=False)
    bars.update_layout(height=160 + 40 * len(people), yaxis_categoryorder="total ascending", margin=dict(r=60))
    return bars
