"""Colours and symbols, set once: Okabe–Ito palette (safe for the common colour-vision deficiencies),
and traffic lights that always carry a symbol and a word as well as a colour."""
from __future__ import annotations

from rehabdash.kernel.contract import STATION_KINDS
from rehabdash.kernel.indicators import Status

# Okabe & Ito (2008), "Color Universal Design": distinguishable with protanopia, deuteranopia, tritanopia.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

STATUS_COLORS = {Status.GREEN: "#009E73", Status.AMBER: "#E69F00", Status.RED: "#D55E00"}
STATUS_SYMBOLS = {Status.GREEN: "✔", Status.AMBER: "▲", Status.RED: "✖"}
# Plotly marker shapes matching the symbols, so chart points read without colour too.
STATUS_MARKERS = {Status.GREEN: "circle", Status.AMBER: "triangle-up", Status.RED: "x"}

# Facility status on charts: pattern as well as colour (built solid, planned hatched).
FACILITY_STATUS_COLORS = {"built": "#0072B2", "planned_near": "#E69F00", "planned_far": "#999999"}
FACILITY_STATUS_PATTERNS = {"built": "", "planned_near": "/", "planned_far": "."}

# Kinds of device service point: a colour here, and a shape wherever they are drawn (maps.devices).
STATION_KIND_COLORS = dict(zip(STATION_KINDS, (PALETTE[5], PALETTE[0], PALETTE[2])))
