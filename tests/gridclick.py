"""Clicking a cell of a Streamlit dataframe in a browser test. The grid (glide-data-grid) draws on a
canvas; its accessible table names each cell's column and row (id glide-cell-<column>-<row>, the row
marker being column 0), and the column's left and right edges are the separator lines drawn on the
canvas: one-pixel lines that run through every row."""
from __future__ import annotations

import io

from PIL import Image

ROW_HEIGHT = 35  # Streamlit's default row (and header) height in pixels


def _separators(image: Image.Image, rows: int) -> list[int]:
    """x of the one-pixel vertical lines that run through the first `rows` rows: at (nearly) every
    height the pixel differs from both its neighbours (a checkbox's border is only a few pixels tall,
    a letter's stroke breaks off; a selected cell's frame may cover a row's stretch of the line)."""
    ys = range(ROW_HEIGHT + 3, min(ROW_HEIGHT * (rows + 1), image.height) - 1)  # below the header's line
    pixel = image.getpixel

    def line_at(x: int) -> bool:
        hits = sum(pixel((x, y)) != pixel((x - 1, y)) and pixel((x, y)) != pixel((x + 1, y)) for y in ys)
        return hits >= 0.8 * len(ys)

    return [x for x in range(1, image.width - 1) if line_at(x)]


def click_cell(page, grid, text: str) -> None:
    """Click the middle of the cell whose text is exactly `text` in `grid` (a stDataFrame locator)."""
    cell = grid.locator("td[id^='glide-cell-']").filter(has_text=text)
    ids = [i for i, t in zip(cell.evaluate_all("els => els.map(e => e.id)"), cell.all_inner_texts())
           if t.strip() == text]
    assert ids, f"no cell {text!r}"
    column, row = (int(n) for n in ids[0].split("-")[2:])
    canvas = grid.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    rows = min(int(grid.locator("table[role='grid']").get_attribute("aria-rowcount") or 2) - 1, 8)
    edges = [0, *_separators(image, max(rows, 1)), image.width]
    left, right = edges[column], edges[column + 1]
    x = box["x"] + (left + right) / 2 * box["width"] / image.width
    y = box["y"] + (ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2) * box["height"] / image.height
    page.mouse.click(x, y)
