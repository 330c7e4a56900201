"""What every `autotrack` command shares: one-line errors, tables, times and numbers."""

from __future__ import annotations

import datetime as dt
import sys

import click

from autotrack.exceptions import AutotrackException


class _Group(click.Group):
    """Turns autotrack's own errors into one line on stderr and exit code 1.

    `lazy` maps command names to "module:attribute": the module is imported
    only when that command runs or its group's help is shown, so commands
    that do not need it start faster (`runs list` does not import run context).
    """

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, name: str):
        target = self._lazy.pop(name, None)
        if target is not None:
            import importlib

            module, attribute = target.split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AutotrackException as error:
            message = str(error).strip()
            click.echo(f"Error: {message}", err=True)
            ctx.exit(1)


_program = False  # main() sets it: this process is the `autotrack` program, and ends when its command does


def _brief(command):
    """A command that reads, prints and ends: garbage collection waits until it is done.

    Nearly all it makes (imported modules, rows, the table) lives until the process exits, so the
    collections its allocations trigger (~30 in `runs list`, 20-40 ms) find nothing. As the program,
    it then freezes the heap (as autotrack does at exit), or the first collection after the pause
    would walk all it made (~20 ms). Not for commands that run on (sweeps, servers)."""
    import functools

    @functools.wraps(command)
    def run(*args, **kwargs):
        import gc

        from autotrack import gc_pause

        with gc_pause.paused():
            try:
                return command(*args, **kwargs)
            finally:
                if _program:
                    gc.freeze()

    return run


def _console():
    """A terminal's own width; piped output gets wide lines rather than wrapped ids."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def _table(title: str, *columns: str):
    """A table whose id-like columns never wrap, so ids can be copied whole (rich's look, drawn faster)."""
    from autotrack.cli_table import Table

    return Table(title, *columns)


def _time(ms: int | None) -> str:
    if not ms:
        return "-"
    return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def _duration(start: int | None, end: int | None) -> str:
    if not start or not end:
        return "-"
    seconds = (end - start) / 1000
    return f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}min"


def _number(value: float) -> str:
    return f"{value:.6g}"


def _client(ctx: click.Context):
    """A client of the store named by --tracking-uri; commands that only read refuse to create one."""
    from autotrack.client import Client
    from autotrack.tracking_uri import get_tracking_uri, require_existing_store

    require_existing_store(ctx.obj or get_tracking_uri())
    return Client(ctx.obj)
