"""Charts of the overview (调度会), from dispatch results."""
from __future__ import annotations

import pandas as pd
import plotly.express as px

from rehabdash.charts import by_inputs
from rehabdash.kernel import formatting as fmt
from rehabdash.kernel import i18n


@by_inputs
def service_rates(rates: pd.DataFrame, lang: str, scope_label: str):
    """Service rate of each unit one level down (dispatch.service_rates), lowest first.

    Rates sit close to 100 %: dots on a non-zero axis show the differences honestly, bars would not."""
    ranked = rates.sort_values("rate")
    figure = px.scatter(
        ranked, x="rate", y="subunit_name", text=ranked["rate"].map(fmt.rate),
        title=i18n.text(lang, "overview.subunits_chart", scope=scope_label),
        labels={"subunit_name": i18n.text(lang, "overview.subunit"), "rate": i18n.text(lang, "overview.rate_col")},
    )
    figure.update_traces(textposition="middle right", marker_size=12)
    figure.update_xaxes(tickformat=".1%")
    figure.update_layout(height=min(120 + 32 * len(ranked), 460))
    return figure
