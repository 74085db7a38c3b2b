"""Streamlit helpers shared by app.py and the pages (the only library layer, besides the query cache
and the login gate, that speaks to Streamlit). Pages use them as `ui.<name>`: this package exports
what app.py and the pages use, nothing else; each lives in a submodule by what it is for:

- `text`: UI text in the session's language; data values made literal for Markdown
- `sidebar`: the sidebar filters bound to the URL, and `Filters` with its query runner
- `widgets`: figure cards, charts with their data as a table, tables through their column spec
- `meeting`: meeting mode for the projector (type size, scope switcher, map height)
- `printing`: the print layout (A4 landscape, scope, date and sample notice on every sheet)
- `wall`: the wall screen (大屏): its canvas, sections in turn, tiles, following a new snapshot
- `exports`: the deck, workbook and bulletin buttons, built on click and cached by view
- `chrome`: contrast styles and the account box
- `progress`: long work (reading, checking, publishing an upload) with its progress bar
- `board` (used as `ui.board`, not re-exported): the map page's styles, toggles, click handler, card
- `drill`: drill-down and roll-up from a map click, a table row or the breadcrumb
- `uploader`: the file upload box with its types, its limit and its words in the session's language
"""
from __future__ import annotations

from rehabdash.ui.text import (  # noqa: F401
    lang,
    t,
    t_md,
    md,
    md_frame,
    label,
)
from rehabdash.ui.sidebar import (  # noqa: F401
    available_snapshots,
    bound_selectbox,
    snapshot_label,
    sidebar_filters,
    filters,
    page_header,
)
from rehabdash.ui.widgets import (  # noqa: F401
    lit_table,
    plotly_chart,
    chart_with_data,
    table_with_download,
    built_on_click,
    year_on_year,
    figure_card,
    status_text,
    status_words,
    table,
    chart_with_table,
    measure_card,
)
from rehabdash.ui.meeting import (  # noqa: F401
    in_meeting,
    map_height,
    meeting_banner,
    meeting_of,
    ranking_of,
    screens,
)
from rehabdash.ui.wall import (  # noqa: F401
    in_wall,
)
from rehabdash.ui.printing import (  # noqa: F401
    print_styles,
)
from rehabdash.ui.exports import (  # noqa: F401
    export_buttons,
)
from rehabdash.ui.chrome import (  # noqa: F401
    accessibility_styles,
    account_box,
)
from rehabdash.ui.drill import (  # noqa: F401
    drill_down_select,
)
from rehabdash.ui.reporting import (  # noqa: F401
    progress_section,
)
from rehabdash.ui.uploader import (  # noqa: F401
    upload_box,
    upload_limit,
)
from rehabdash.ui.progress import (  # noqa: F401
    announce_after_rerun,
    announced,
    with_progress,
    remembered,
)
