"""`autotrack server users ...` and `autotrack server tokens ...`: the accounts of `autotrack server --auth`.

They write the server's database directly (run them where the server runs, with its
`--backend-store-uri`); a running server sees the change at its next request.
"""

from __future__ import annotations

import sys

import click

__all__ = ["tokens", "users"]

_STORE = click.option("--backend-store-uri", default="./autotrack-runs", show_default=True, metavar="URI",
                      help="The server's store (the same --backend-store-uri as `autotrack server`).")


def _auth(backend_store_uri: str):
    from autotrack.server.auth_store import AuthStore
    from autotrack.server.state import ServerState
    from autotrack.tracking_uri import absolute_uri

    return AuthStore(ServerState.open(absolute_uri(backend_store_uri)).store)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def users() -> None:
    """Users who may sign in to `autotrack server --auth` (passwords stored as scrypt hashes)."""


@users.command("create")
@click.argument("name")
@click.option("--admin", is_flag=True, help="May do anything, including managing users and permissions.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@_STORE
def create_user(name: str, admin: bool, password_stdin: bool, backend_store_uri: str) -> None:
    """Create user NAME (the password is prompted for, or read with --password-stdin)."""
    user = _auth(backend_store_uri).create_user(name, _password(password_stdin), admin)
    click.echo(f"Created {'admin ' if user.is_admin else ''}user '{user.username}'.")


@users.command("list")
@_STORE
def list_users(backend_store_uri: str) -> None:
    """List users."""
    for user in _auth(backend_store_uri).list_users():
        click.echo(f"{user.username}{'  (admin)' if user.is_admin else ''}")


@users.command("delete")
@click.argument("name")
@_STORE
def delete_user(name: str, backend_store_uri: str) -> None:
    """Delete user NAME with its tokens and permissions."""
    _auth(backend_store_uri).delete_user(name)
    click.echo(f"Deleted user '{name}'.")


@users.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@_STORE
def set_password(name: str, password_stdin: bool, backend_store_uri: str) -> None:
    """Change NAME's password."""
    _auth(backend_store_uri).update_password(name, _password(password_stdin))
    click.echo(f"Changed the password of '{name}'.")


@click.group()
def tokens() -> None:
    """API tokens: a client sends one as AUTOTRACK_TRACKING_TOKEN (or MLFLOW_TRACKING_TOKEN)."""


@tokens.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the token is for (shown by `tokens list`).")
@_STORE
def create_token(name: str, description: str, backend_store_uri: str) -> None:
    """Create a token for user NAME and print it: it is shown this once, only its hash is kept."""
    token_id, token = _auth(backend_store_uri).create_token(name, description)
    click.echo(f"Token {token_id} for '{name}' (shown once; set it as AUTOTRACK_TRACKING_TOKEN):", err=True)
    click.echo(token)


@tokens.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens.")
@_STORE
def list_tokens(username: str | None, backend_store_uri: str) -> None:
    """List tokens (their ids, never the tokens)."""
    import datetime

    for row in _auth(backend_store_uri).list_tokens(username):
        created = datetime.datetime.fromtimestamp(row["creation_time"] / 1000).isoformat(timespec="seconds")
        click.echo(f"{row['token_id']}  {row['username']}  {created}  {row['description'] or ''}".rstrip())


@tokens.command("delete")
@click.argument("token_id")
@_STORE
def delete_token(token_id: str, backend_store_uri: str) -> None:
    """Revoke the token TOKEN_ID (from `tokens list`)."""
    _auth(backend_store_uri).delete_token(token_id)
    click.echo(f"Deleted token {token_id}.")
