"""The `autotrack` command line: experiments and runs as readable tables.

Errors that come from the user's input (an unknown id, a bad filter) print
one line and exit with status 1; usage mistakes exit with click's status 2.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from autotrack.exceptions import AutotrackException

__all__ = ["main"]


class _Group(click.Group):
    """Turns autotrack's own errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AutotrackException as error:
            message = str(error).strip()
            click.echo(f"Error: {message}", err=True)
            ctx.exit(1)


def _console():
    """A terminal's own width; piped output gets wide lines rather than wrapped ids."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def _table(title: str, *columns: str):
    """A table whose id-like columns never wrap, so ids can be copied whole."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", show_lines=False)
    for column in columns:
        keep_whole = column in ("Run ID", "ID", "Key", "Path")
        table.add_column(column, overflow="fold", no_wrap=keep_whole, min_width=32 if column == "Run ID" else None)
    return table


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
    from autotrack.client import Client

    return Client(ctx.obj)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--tracking-uri", envvar="AUTOTRACK_TRACKING_URI", default=None, metavar="URI",
              help="Store to read: a folder (default ./autotrack-runs), sqlite:///file.db or postgresql://...")
@click.version_option(package_name="autotrack")
@click.pass_context
def cli(ctx: click.Context, tracking_uri: str | None) -> None:
    """autotrack: experiment tracking and hyperparameter sweeps."""
    ctx.obj = tracking_uri


@cli.group()
def experiments() -> None:
    """List experiments."""


@experiments.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include deleted experiments.")
@click.pass_context
def experiments_list(ctx: click.Context, show_all: bool) -> None:
    """Experiments with their ids, run counts and artifact locations."""
    from autotrack.entities import ViewType

    client = _client(ctx)
    table = _table("Experiments", "ID", "Name", "Runs", "Stage", "Created", "Artifact location")
    for experiment in client.search_experiments(ViewType.ALL if show_all else ViewType.ACTIVE_ONLY):
        count = len(client.search_runs([experiment.experiment_id], max_results=100_000))
        table.add_row(experiment.experiment_id, experiment.name, str(count), experiment.lifecycle_stage,
                      _time(experiment.creation_time), experiment.artifact_location)
    _console().print(table)


@cli.group()
def runs() -> None:
    """List and inspect runs."""


def _experiment_ids(client, experiment: str | None) -> list[str]:
    from autotrack.exceptions import NotFound

    if experiment is None:
        return [e.experiment_id for e in client.search_experiments()]
    found = client.get_experiment_by_name(experiment)
    if found is not None:
        return [found.experiment_id]
    if experiment.isdigit():
        return [client.get_experiment(experiment).experiment_id]
    raise NotFound(f"No experiment named or numbered '{experiment}'. See `autotrack experiments list`.")


@runs.command("list")
@click.option("--experiment", "-e", default=None, help="Experiment name or id (default: all active ones).")
@click.option("--filter", "filter_string", default="", help="e.g. \"metrics.rmse < 1 and params.model = 'rf'\"")
@click.option("--order-by", multiple=True, help="e.g. 'metrics.rmse ASC' (repeatable).")
@click.option("--max-results", default=50, show_default=True, type=click.IntRange(1))
@click.pass_context
def runs_list(ctx: click.Context, experiment: str | None, filter_string: str, order_by: tuple, max_results: int) -> None:
    """Runs with their status and latest metrics, newest first."""
    client = _client(ctx)
    found = client.search_runs(_experiment_ids(client, experiment), filter_string, max_results=max_results,
                               order_by=list(order_by) or None)
    metric_keys = sorted({key for run in found for key in run.data.metrics})[:6]
    table = _table(f"Runs ({len(found)})", "Run ID", "Name", "Exp", "Status", "Started", "Duration",
                   *metric_keys)
    for run in found:
        info = run.info
        table.add_row(info.run_id, info.run_name, info.experiment_id, _status(info.status), _time(info.start_time),
                      _duration(info.start_time, info.end_time),
                      *(_number(run.data.metrics[k]) if k in run.data.metrics else "" for k in metric_keys))
    _console().print(table)


def _status(status: str) -> str:
    color = {"FINISHED": "green", "FAILED": "red", "KILLED": "red", "RUNNING": "yellow"}.get(status, "white")
    return f"[{color}]{status}[/{color}]"


@runs.command("show")
@click.argument("run_id")
@click.pass_context
def runs_show(ctx: click.Context, run_id: str) -> None:
    """One run: its info, params, latest metrics, tags and artifacts."""
    client = _client(ctx)
    run = client.get_run(run_id)
    info = run.info
    console = _console()
    summary = _table(f"Run {info.run_id}", "Field", "Value")
    for field, value in (
        ("Name", info.run_name),
        ("Experiment", info.experiment_id),
        ("Status", _status(info.status)),
        ("Started", _time(info.start_time)),
        ("Ended", _time(info.end_time)),
        ("Duration", _duration(info.start_time, info.end_time)),
        ("User", info.user_id),
        ("Artifacts", info.artifact_uri),
    ):
        summary.add_row(field, value)
    console.print(summary)
    for title, items, render in (
        ("Params", run.data.params, str),
        ("Metrics (latest)", run.data.metrics, _number),
        ("Tags", run.data.tags, str),
    ):
        table = _table(title, "Key", "Value")
        for key in sorted(items):
            table.add_row(key, render(items[key]))
        console.print(table if items else f"[bold]{title}[/bold]: none")
    artifacts = _table("Artifacts", "Path", "Size")
    pending, count = [None], 0
    while pending:
        for entry in client.list_artifacts(run_id, pending.pop()):
            if entry.is_dir:
                pending.append(entry.path)
            else:
                count += 1
                artifacts.add_row(entry.path, f"{entry.file_size:,} B")
    console.print(artifacts if count else "[bold]Artifacts[/bold]: none")


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="autotrack")


if __name__ == "__main__":
    main(sys.argv[1:])
