"""The `autotrack` command line: experiments and runs as readable tables.

Errors that come from the user's input (an unknown id, a bad filter) print
one line and exit with status 1; usage mistakes exit with click's status 2.
"""

from __future__ import annotations

import sys

import click

from autotrack import __version__
from autotrack.cli_common import _brief, _client, _console, _duration, _Group, _number, _table, _time

__all__ = ["main"]


# commands of their own modules, imported when they run or the help lists them
_LAZY = {"models": "autotrack.cli_models:models", "server": "autotrack.cli_server:server",
         "ui": "autotrack.cli_server:ui"}


@click.group(cls=_Group, lazy=_LAZY, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--tracking-uri", envvar="AUTOTRACK_TRACKING_URI", default=None, metavar="URI",
              help="Store to read: a folder (default ./autotrack-runs), sqlite:///file.db or postgresql://...")
@click.version_option(__version__, prog_name="autotrack")  # not package metadata: reading it costs ~20 ms
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
@_brief
def experiments_list(ctx: click.Context, show_all: bool) -> None:
    """Experiments with their ids, run counts and artifact locations."""
    from autotrack.entities import ViewType

    client = _client(ctx)
    table = _table("Experiments", "ID", "Name", "Runs", "Stage", "Created", "Artifact location")
    found = client.search_experiments(ViewType.ALL if show_all else ViewType.ACTIVE_ONLY)
    counts = _run_counts(client, [experiment.experiment_id for experiment in found])
    for experiment in found:
        count = counts[experiment.experiment_id]
        table.add_row(experiment.experiment_id, experiment.name, str(count), experiment.lifecycle_stage,
                      _time(experiment.creation_time), experiment.artifact_location)
    _console().print(table)


def _run_counts(client, experiment_ids: list[str]) -> dict[str, int]:
    """Counted by the database where the store can (SQL), else by listing the runs."""
    count_runs = getattr(client.store, "count_runs", None)
    if count_runs is not None:
        return count_runs(experiment_ids)
    return {i: len(client.search_runs([i], max_results=100_000)) for i in experiment_ids}


@cli.group(cls=_Group, lazy={"diff": "autotrack.cli_runs_context:runs_diff"})
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
@_brief
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
    color = {"FINISHED": "green", "FAILED": "red", "KILLED": "red", "RUNNING": "yellow", "PRUNED": "cyan"}.get(status, "white")
    return f"[{color}]{status}[/{color}]"


@runs.command("show")
@click.argument("run_id")
@click.pass_context
@_brief
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
        ("Tags", {k: v for k, v in run.data.tags.items() if not k.startswith("autotrack.context.")}, str),
    ):
        table = _table(title, "Key", "Value")
        for key in sorted(items):
            table.add_row(key, render(items[key]))
        console.print(table if items else f"[bold]{title}[/bold]: none")
    from autotrack.cli_inputs import print_inputs
    from autotrack.cli_runs_context import print_context

    print_inputs(client, run, console)
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
    print_context(client, run, console)


class _SweepGroup(_Group):
    """`autotrack sweep FILE.yaml ...` runs a sweep; `autotrack sweep show ID` shows one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _checked_workers(value: int | None) -> int | None:
    """--parallelism has the range of the YAML's parallelism (sweeps/_limits.py)."""
    from autotrack.sweeps._limits import workers

    try:
        return workers(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@cli.group(cls=_SweepGroup)
def sweep() -> None:
    """Run a sweep from a YAML spec (autotrack sweep sweep.yaml), or show one (autotrack sweep show ID)."""


@sweep.command("run", hidden=True)
@click.argument("spec_file", type=click.Path(dir_okay=False))
@click.option("--n-trials", type=click.IntRange(1), help="Override run_cap.")
@click.option("--parallelism", type=int, callback=lambda ctx, param, value: _checked_workers(value),
              help="Override parallelism (workers; -1: one per CPU core).")
@click.option("--executor", type=click.Choice(["local", "thread", "inline", "ray"]), help="Override executor.")
@click.option("--resume", "resume_id", metavar="PARENT_RUN_ID", help="Continue an interrupted sweep.")
@click.option("--dry-run", is_flag=True, help="Validate the spec and print the plan; run nothing.")
@click.pass_context
def sweep_run(ctx: click.Context, spec_file: str, n_trials: int | None, parallelism: int | None,
              executor: str | None, resume_id: str | None, dry_run: bool) -> None:
    import os

    from autotrack.sweeps._spec import InvalidSweepSpec, load_spec

    try:
        spec = load_spec(spec_file)
    except InvalidSweepSpec as error:
        click.echo(f"Error: {error}", err=True)
        ctx.exit(2)
    plan = {"name": spec.name, "trials": n_trials or spec.run_cap, "method": spec.method,
            "metric": f"{spec.metric.name} ({spec.metric.goal})", "parallelism": parallelism or spec.parallelism,
            "executor": executor or spec.executor, "parameters": ", ".join(spec.parameters)}
    if dry_run:
        table = _table("Sweep plan (dry run: nothing was run)", "Key", "Value")
        for key, value in plan.items():
            table.add_row(key, str(value))
        _console().print(table)
        return
    import autotrack
    from autotrack.sweeps._program import ProgramObjective
    from autotrack.sweeps._spec import METHODS, resolve_function

    if ctx.obj:
        autotrack.set_tracking_uri(ctx.obj)
    if spec.program:
        workers = plan["parallelism"] if (plan["parallelism"] or 0) > 0 else os.cpu_count() or 1  # -1: every core
        objective = ProgramObjective(spec.program, spec.metric.name, spec.trial_timeout,
                                     threads=max(1, (os.cpu_count() or 1) // workers))
        if plan["executor"] == "local":
            plan["executor"] = "thread"  # each trial is its own process already: threads only wait for them
    else:
        objective = resolve_function(spec.function, os.path.dirname(os.path.abspath(spec_file)))
    import warnings

    from autotrack.sweeps._engine import SweepFailedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SweepFailedWarning)  # said once below, as the exit status
        result = autotrack.sweep(
            objective, spec.space(), n_trials=plan["trials"], metric=spec.metric.name,
            mode="min" if spec.metric.goal == "minimize" else "max", algo=METHODS[spec.method],
            executor=plan["executor"], n_jobs=plan["parallelism"],
            pruner=spec.early_terminate.type if spec.early_terminate else None,
            min_resource=spec.early_terminate.min_iter if spec.early_terminate else 1,
            trial_timeout=spec.trial_timeout, seed=spec.seed, name=spec.name, experiment=spec.experiment,
            resume=resume_id,
        )
    _print_trials(result.parent_run_id, ctx)
    if result.state == "FAILED":
        click.echo(f"Error: sweep {result.parent_run_id}: {result.summary}", err=True)
        ctx.exit(1)


@sweep.command("show")
@click.argument("parent_run_id")
@click.pass_context
@_brief
def sweep_show(ctx: click.Context, parent_run_id: str) -> None:
    """The trials of a sweep sorted by its metric, the best one highlighted."""
    _print_trials(parent_run_id, ctx)


def _print_trials(parent_run_id: str, ctx: click.Context) -> None:
    from autotrack.exceptions import InvalidInput
    from autotrack.system_tags import SWEEP, SWEEP_BEST_RUN, TRIAL_STATE

    client = _client(ctx)
    parent = client.get_run(parent_run_id)
    if parent.data.tags.get(SWEEP) != "parent":
        raise InvalidInput(f"Run '{parent_run_id}' is not a sweep (no autotrack.sweep tag).")
    metric = parent.data.params.get("metric", "objective").split(",")[0]
    maximize = parent.data.params.get("mode", "minimize").startswith("max")
    from autotrack.sweeps._engine import trial_runs

    trials = trial_runs(client, parent.info.experiment_id, parent_run_id,
                        [f"metrics.`{metric}` {'DESC' if maximize else 'ASC'}"])
    best = parent.data.tags.get(SWEEP_BEST_RUN)
    keys = sorted({k for t in trials for k in t.data.params})
    table = _table(f"Sweep {parent.info.run_name} ({parent_run_id}): {len(trials)} trials, "
                   f"{'max' if maximize else 'min'} {metric}", "Trial", "Run ID", "State", metric, *keys)
    for trial in trials:
        state = trial.data.tags.get(TRIAL_STATE) or trial.info.status
        value = trial.data.metrics.get(metric)
        cells = [trial.data.tags.get(SWEEP, ""), trial.info.run_id, _status(state),
                 "" if value is None else _number(value), *(trial.data.params.get(k, "") for k in keys)]
        if trial.info.run_id == best:
            cells = [f"[bold green]{c}[/bold green]" if i != 2 else c for i, c in enumerate(cells)]
            cells[0] = "★ " + cells[0]
        table.add_row(*cells)
    _console().print(table)
    if best:
        click.echo(f"best: {best} ({metric} = {_number(parent.data.metrics.get(f'best_{metric}', float('nan')))})")


def main(argv: list[str] | None = None) -> None:
    from autotrack import cli_common

    cli_common._program = True
    cli.main(args=argv, prog_name="autotrack")


if __name__ == "__main__":
    main(sys.argv[1:])
