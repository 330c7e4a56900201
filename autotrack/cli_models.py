"""`autotrack models ...`: the registry as tables, local predictions, and serving."""

from __future__ import annotations

import json
from pathlib import Path

import click

from autotrack.cli_common import _client, _console, _table, _time

__all__ = ["models"]


@click.group()
def models() -> None:
    """Registered models: list, show, predict, serve."""


@models.command("list")
@click.option("--filter", "filter_string", default="", help="e.g. \"name LIKE 'churn%'\" or \"tags.team = 'ml'\"")
@click.pass_context
def models_list(ctx: click.Context, filter_string: str) -> None:
    """Registered models with their latest version and aliases."""
    found = _client(ctx).search_registered_models(filter_string, max_results=10_000)
    table = _table(f"Registered models ({len(found)})", "Name", "Latest", "Aliases", "Updated", "Description")
    for model in found:
        latest = str(model.latest_versions[0].version) if model.latest_versions else "-"
        aliases = ", ".join(f"{alias}→{version}" for alias, version in sorted(model.aliases.items()))
        table.add_row(model.name, latest, aliases, _time(model.last_updated_timestamp), model.description)
    _console().print(table)


@models.command("show")
@click.argument("name")
@click.pass_context
def models_show(ctx: click.Context, name: str) -> None:
    """One registered model: its versions, where each came from, aliases and tags."""
    client = _client(ctx)
    model = client.get_registered_model(name)
    console = _console()
    console.print(f"[bold]{model.name}[/bold]  {model.description}".rstrip())
    if model.tags:
        console.print("tags: " + ", ".join(f"{k}={v}" for k, v in sorted(model.tags.items())))
    versions = client.search_model_versions(f"name = '{name}'", max_results=100_000)
    table = _table(f"Versions ({len(versions)})", "Version", "Aliases", "Created", "Run ID", "Source", "Description")
    for version in versions:
        table.add_row(str(version.version), ", ".join(version.aliases), _time(version.creation_timestamp),
                      version.run_id or "-", version.source, version.description)
    console.print(table)


@models.command("predict")
@click.option("--model-uri", "-m", required=True, help="runs:/<id>/model, models:/<name>/<version>, models:/<name>@<alias> or a folder.")
@click.option("--input-path", "-i", required=True, type=click.Path(exists=True, dir_okay=False),
              help="A .csv file, or a .json file in any /invocations format (dataframe_split, instances, ...).")
@click.option("--output-path", "-o", default=None, type=click.Path(dir_okay=False),
              help="Where to write {\"predictions\": [...]} (default: standard output).")
@click.pass_context
def models_predict(ctx: click.Context, model_uri: str, input_path: str, output_path: str | None) -> None:
    """Predict on a file with the model, exactly as the server would answer."""
    from autotrack import pyfunc
    from autotrack.serving import parse_payload, predictions_json
    from autotrack.tracking_uri import set_tracking_uri

    if ctx.obj:
        set_tracking_uri(ctx.obj)
    _store_must_exist(model_uri)
    model = pyfunc.load_model(model_uri)
    content_type = "text/csv" if input_path.lower().endswith(".csv") else "application/json"
    data = parse_payload(Path(input_path).read_bytes(), content_type, model.signature)
    text = json.dumps({"predictions": predictions_json(model.predict(data))})
    if output_path:
        Path(output_path).write_text(text + "\n")
        click.echo(f"wrote {output_path}", err=True)
    else:
        click.echo(text)


@models.command("serve")
@click.option("--model-uri", "-m", required=True, help="runs:/<id>/model, models:/<name>/<version>, models:/<name>@<alias> or a folder.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=5001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(1), help="Server processes.")
@click.option("--max-body-size", envvar="AUTOTRACK_SERVE_MAX_BODY_SIZE", default="32M", show_default=True,
              callback=lambda ctx, param, value: _size(value), metavar="SIZE",
              help="Largest request body (bytes, or K/M/G); larger ones answer 413.")
@click.pass_context
def models_serve(ctx: click.Context, model_uri: str, host: str, port: int, workers: int, max_body_size: int) -> None:
    """Serve the model over HTTP: POST /invocations, GET /ping, /health, /version."""
    import os

    from autotrack.optional import require
    from autotrack.serving import serve

    require("uvicorn", "server", "Serving")  # a missing extra is the first thing to say, before the model's store
    if ctx.obj:
        os.environ["AUTOTRACK_TRACKING_URI"] = ctx.obj  # worker processes resolve models:/ URIs too
    _store_must_exist(model_uri)
    serve(model_uri, host=host, port=port, workers=workers, max_body_size=max_body_size)


def _store_must_exist(model_uri: str) -> None:
    """A runs:/ or models:/ URI is read from the tracking store: a mistyped one must not create a store."""
    from autotrack.tracking_uri import get_tracking_uri, require_existing_store

    if model_uri.startswith(("runs:/", "models:/")):
        require_existing_store(get_tracking_uri())


def _size(value: str) -> int:
    from autotrack.exceptions import InvalidInput
    from autotrack.serving import parse_size

    try:
        return parse_size(value)
    except InvalidInput as error:
        raise click.BadParameter(str(error)) from None
