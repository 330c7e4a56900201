"""`autotrack server`: the tracking server, with MLflow's flag names."""

from __future__ import annotations

import click

from autotrack.cli_server_auth import tokens, users

__all__ = ["server", "ui"]


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --auth (or --insecure-no-auth).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--backend-store-uri", default="./autotrack-runs", show_default=True, metavar="URI",
              help="The store the server owns: a folder, sqlite:///file.db or postgresql://...")
@click.option("--artifacts-destination", default=None, metavar="PATH",
              help="Folder for run artifacts (default: the store's artifact root).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help="Server processes.")
@click.option("--insecure-no-auth", is_flag=True, help="Allow a non-loopback --host without authentication.")
@click.option("--auth", is_flag=True,
              help="Users, tokens and per-experiment / per-model permissions on every route (see `server users`).")
@click.option("--auth-default-permission", default="READ", show_default=True,
              type=click.Choice(["READ", "EDIT", "MANAGE", "NO_PERMISSIONS"], case_sensitive=False),
              help="With --auth: what a user may do with experiments and models nobody granted them.")
@click.pass_context
def server(ctx: click.Context, host: str, port: int, backend_store_uri: str, artifacts_destination: str | None,
           workers: int, insecure_no_auth: bool, auth: bool, auth_default_permission: str) -> None:
    """Serve a store over MLflow's REST API: point clients at http://HOST:PORT."""
    if ctx.invoked_subcommand is not None:
        return
    from autotrack.server import serve

    serve(host, port, backend_store_uri, artifacts_destination, workers, insecure_no_auth, auth,
          auth_default_permission.upper())


server.add_command(users)
server.add_command(tokens)


@click.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--backend-store-uri", default=None, metavar="URI",
              help="The store to show (default: --tracking-uri, else ./autotrack-runs).")
@click.pass_context
def ui(ctx: click.Context, port: int, backend_store_uri: str | None) -> None:
    """Open the web UI over a local store, on http://127.0.0.1:PORT (the same UI `autotrack server` serves at /)."""
    from autotrack.server import serve

    store = backend_store_uri or ctx.obj or "./autotrack-runs"
    if store.startswith(("http://", "https://")):
        raise click.UsageError(f"{store} is a tracking server: it already serves the UI, open {store} in a browser.")
    click.echo(f"autotrack UI: open http://127.0.0.1:{port} in a browser (Ctrl-C stops it)", err=True)
    serve("127.0.0.1", port, store)
