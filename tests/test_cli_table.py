"""The CLI's tables draw what rich's Table draws, character for character and style for style."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.style import Style

from autotrack.cli_table import Table


def _styled(console: Console, renderable, options=None) -> list[tuple[str, Style]]:
    """Each character drawn with its style, however the drawing is cut into segments."""
    drawn = []
    for segment in console.render(renderable, options or console.options):
        style = segment.style or Style.null()
        drawn.extend((character, style) for character in segment.text)
    return drawn


def _runs_table() -> Table:
    table = Table("Runs (3)", "Run ID", "Name", "Exp", "Status", "m0")
    table.add_row("0195f3a2b1c34d5e8f9a0b1c2d3e4f50", "x[y] é 漢字", "1", "[green]FINISHED[/green]", "0.5")
    table.add_row("abcd", None, "1", "[red]FAILED[/red]")  # a missing cell and a short row
    table.add_row("abcd" * 10, "[bold green]★ name[/bold green]", "12", "[red]FAILED[/red]", ":smile:")
    return table


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("make", [_runs_table, lambda: Table("Nothing", "ID", "Name"),
                                  lambda: Table("A title much longer than its table", "Key", "Value")])
def test_same_drawing_as_richs_table(terminal, make):
    table = make()
    console = Console(file=io.StringIO(), highlight=False, soft_wrap=False, width=200, force_terminal=terminal,
                      color_system="truecolor" if terminal else None)
    assert _styled(console, table) == _styled(console, table.rich_table())
    if make is _runs_table:
        assert table._lines(console, console.options) is not None  # drawn here, not by rich
    text = "".join(character for character, _ in _styled(console, table))
    assert "┃ Run ID" in text or "Nothing" in text or "A title" in text


def test_ascii_only_output_gets_richs_ascii_box():
    table = _runs_table()
    console = Console(file=io.StringIO(), highlight=False, soft_wrap=False, width=200)
    options = console.options.copy()
    options.encoding = "ascii"
    drawn = _styled(console, table, options)
    assert drawn == _styled(console, table.rich_table(), options)
    assert "┃" not in "".join(character for character, _ in drawn)


def test_what_does_not_fit_is_left_to_rich():
    """Too wide for the console, or a cell of several lines: rich wraps and folds as before."""
    narrow = Console(file=io.StringIO(), highlight=False, soft_wrap=False, width=40)
    table = _runs_table()
    assert table._lines(narrow, narrow.options) is None
    assert _styled(narrow, table) == _styled(narrow, table.rich_table())
    wide = Console(file=io.StringIO(), highlight=False, soft_wrap=False, width=200)
    lines = Table("Params", "Key", "Value")
    lines.add_row("a", "first\nsecond")
    assert lines._lines(wide, wide.options) is None
    assert _styled(wide, lines) == _styled(wide, lines.rich_table())
