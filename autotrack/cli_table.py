"""The CLI's tables: rich's look, drawn in one pass where the table fits the console.

rich's `Table` measures and lays out every cell through its general renderer
(~1 ms per row of `runs list`: 0.1 s for 100 rows, a quarter of the command).
Where every cell is one line and the whole table fits the console at its
natural widths (the usual case, and piped output is 200 wide), the lines are
built here from the same parts rich uses (`render_str` for each cell's
markup, the box's own edges and its ASCII substitute), so the output is the
same, character for character and style for style (tests compare them).
Anything else (a cell with a newline, a table wider than the console, a
title longer than the table) is handed to rich's `Table` as before.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Table"]

_WHOLE = ("Run ID", "ID", "Key", "Path")  # id-like columns never wrap, so ids can be copied whole
_MIN_WIDTH = {"Run ID": 32}


class Table:
    """Rows of strings (rich markup allowed) under a title and column headers."""

    def __init__(self, title: str, *columns: str) -> None:
        self.title = title
        self.columns = columns
        self.rows: list[tuple[Any, ...]] = []

    def add_row(self, *cells: Any) -> None:
        self.rows.append(cells)

    def rich_table(self):
        """The same table as rich's `Table` (the way it is drawn when it does not fit)."""
        from rich.table import Table as RichTable

        table = RichTable(title=self.title, title_justify="left", title_style="bold", show_lines=False)
        for column in self.columns:
            table.add_column(column, overflow="fold", no_wrap=column in _WHOLE, min_width=_MIN_WIDTH.get(column))
        for row in self.rows:
            table.add_row(*row)
        return table

    def __rich_console__(self, console, options):
        lines = self._lines(console, options)
        if lines is None:
            yield self.rich_table()
        else:
            yield from lines

    def _lines(self, console, options) -> list | None:
        from rich import box
        from rich.segment import Segment

        render = console.render_str
        count = len(self.columns)
        rendered: dict[str, Any] = {}  # cells repeat (statuses, experiment ids): their markup is read once
        rows = []
        for row in self.rows:
            if len(row) > count:
                return None
            cells = []
            for cell in (*row, *("",) * (count - len(row))):
                if cell is None:
                    cell = ""
                elif not isinstance(cell, str):
                    return None
                text = rendered.get(cell)
                if text is None:
                    text = rendered[cell] = render(cell)
                    if "\n" in text.plain or "\t" in text.plain:
                        return None
                cells.append(text)
            rows.append(cells)
        header_style = console.get_style("table.header")
        headers = [render(column, style=header_style) for column in self.columns]
        widths = [max(_MIN_WIDTH.get(column, 0), header.cell_len) for column, header in zip(self.columns, headers)]
        for cells in rows:
            for index, text in enumerate(cells):
                if text.cell_len > widths[index]:
                    widths[index] = text.cell_len
        widths = [max(width + 2, 1) for width in widths]  # one space of padding either side
        table_width = sum(widths) + count + 1
        title = render(self.title, style="bold", highlight=False)
        if table_width > options.max_width or title.cell_len > table_width or "\n" in title.plain:
            return None
        edges = box.HEAVY_HEAD.substitute(options, safe=console.safe_box)
        get_style = console.get_style
        line = Segment.line()
        out: list = []

        def segments(text) -> list:
            drawn = text.render(console)
            return list(Segment.apply_style(drawn, get_style(text.style))) if text.style else list(drawn)

        def draw(cells, style, left: str, vertical: str, right: str) -> None:
            """One row; unstyled stretches (borders, padding, plain cells) go out as one segment."""
            plain = [left]
            for index, (text, width) in enumerate(zip(cells, widths)):
                if index:
                    plain.append(vertical)
                fill = " " * (width - 1 - text.cell_len)
                if style is None and not text.style and not text.spans:
                    plain += (" ", text.plain, fill)
                    continue
                out.append(Segment("".join(plain)))
                plain = []
                out.extend((Segment(" ", style), *segments(text), Segment(fill, style)))
            plain.append(right)
            out.append(Segment("".join(plain)))
            out.append(line)

        if self.title:
            out += (*segments(title), Segment(" " * (table_width - title.cell_len), get_style(title.style)), line)
        out += (Segment(edges.get_top(widths)), line)
        draw(headers, header_style, edges.head_left, edges.head_vertical, edges.head_right)
        out += (Segment(edges.get_row(widths, "head", edge=True)), line)
        for index, cells in enumerate(rows):
            if index == len(rows) - 1:
                draw(cells, None, edges.foot_left, edges.foot_vertical, edges.foot_right)
            else:
                draw(cells, None, edges.mid_left, edges.mid_vertical, edges.mid_right)
        out += (Segment(edges.get_bottom(widths)), line)
        return out
