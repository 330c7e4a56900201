"""Users, API tokens and permissions of `autotrack server --auth`, kept in the server's own database.

Passwords are hashed with scrypt (standard library, a random salt per user) and compared in constant
time; an unknown user costs the same hash, so timing does not tell which names exist. Tokens are 256
random bits shown once; only their SHA-256 is stored (they are not guessable, so a slow hash buys
nothing and a fast one lets a request find its token by index). The tables come from migration 0005.

Permissions follow MLflow's auth plugin: READ < EDIT < MANAGE, and NO_PERMISSIONS; a user's own row
for an experiment or registered model wins, else the server's default applies; admins may do anything.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from autotrack.exceptions import InvalidInput, NotFound

__all__ = ["LEVELS", "AuthStore", "User", "hash_password", "verify_password"]

# What each permission allows, as a level: reading needs 1, changing 2, deleting and managing 3.
LEVELS = {"NO_PERMISSIONS": 0, "READ": 1, "EDIT": 2, "MANAGE": 3}
MIN_PASSWORD = 8
_SCRYPT = dict(n=2**14, r=8, p=1)  # ~16 MiB and tens of ms per check: cached per credential by the middleware
TOKEN_PREFIX = "atk_"

_meta = sa.MetaData()
users = sa.Table(
    "auth_users", _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(256), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(512), nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
)
tokens = sa.Table(
    "auth_tokens", _meta,
    sa.Column("token_id", sa.String(16), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("description", sa.String(256)),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
)
_PERMISSION_TABLES = {
    "experiment": sa.Table(
        "auth_experiment_permissions", _meta,
        sa.Column("experiment_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("permission", sa.String(32), nullable=False),
    ),
    "registered_model": sa.Table(
        "auth_registered_model_permissions", _meta,
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("permission", sa.String(32), nullable=False),
    ),
}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    is_admin: bool

    def to_json(self) -> dict:
        return {"id": self.id, "username": self.username, "is_admin": self.is_admin}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


@functools.cache
def _dummy_hash() -> str:
    """Checked against for unknown users: the same time as a real one. Made on first use, not at import
    (scrypt: ~50 ms that every server start paid, with --auth or without)."""
    return hash_password(secrets.token_hex(8))


def check_permission_name(permission: str) -> str:
    name = str(permission or "").upper()
    if name not in LEVELS:
        raise InvalidInput(f"Unknown permission '{permission}': use one of {', '.join(LEVELS)}.")
    return name


def _check_username(username: str) -> str:
    name = str(username or "").strip()
    if not name or ":" in name or len(name) > 256:
        raise InvalidInput("A username must be 1-256 characters without ':' (HTTP basic auth separates on it).")
    return name


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"A password must have at least {MIN_PASSWORD} characters.")
    return password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthStore:
    """Auth rows in the tables of `store` (a `SqlStore`), through its own transactions.

    Thread-safe as the store is: every method is one short transaction.
    """

    def __init__(self, store):
        self._store = store  # its `_read`/`_write` handle SQLite's locking and PostgreSQL alike

    # -- users -------------------------------------------------------------
    def create_user(self, username: str, password: str, is_admin: bool = False) -> User:
        username, password = _check_username(username), _check_password(password)
        hashed = hash_password(password)
        with self._store._write() as conn:
            if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
                raise InvalidInput(f"User '{username}' already exists.")
            conn.execute(users.insert().values(username=username, password_hash=hashed, is_admin=bool(is_admin),
                                               creation_time=int(time.time() * 1000)))
        return self.get_user(username)

    def get_user(self, username: str) -> User:
        with self._store._read() as conn:
            row = conn.execute(sa.select(users.c.id, users.c.username, users.c.is_admin)
                               .where(users.c.username == str(username))).first()
        if row is None:
            raise NotFound(f"User '{username}' does not exist.")
        return User(row.id, row.username, bool(row.is_admin))

    def user_by_id(self, user_id: int) -> User | None:
        with self._store._read() as conn:
            row = conn.execute(sa.select(users.c.id, users.c.username, users.c.is_admin)
                               .where(users.c.id == user_id)).first()
        return None if row is None else User(row.id, row.username, bool(row.is_admin))

    def user_row(self, user_id: int) -> tuple[User, str] | None:
        """The user and its current password hash (a remembered login is valid while the hash is unchanged)."""
        with self._store._read() as conn:
            row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
        return None if row is None else (User(row.id, row.username, bool(row.is_admin)), row.password_hash)

    def list_users(self) -> list[User]:
        with self._store._read() as conn:
            rows = conn.execute(sa.select(users.c.id, users.c.username, users.c.is_admin).order_by(users.c.username))
            return [User(r.id, r.username, bool(r.is_admin)) for r in rows]

    def count_users(self) -> int:
        with self._store._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() or 0)

    def update_password(self, username: str, password: str) -> None:
        hashed = hash_password(_check_password(password))
        self._update_user(username, password_hash=hashed)

    def set_admin(self, username: str, is_admin: bool) -> None:
        self._update_user(username, is_admin=bool(is_admin))

    def _update_user(self, username: str, **values) -> None:
        with self._store._write() as conn:
            if not conn.execute(users.update().where(users.c.username == str(username)).values(**values)).rowcount:
                raise NotFound(f"User '{username}' does not exist.")

    def delete_user(self, username: str) -> None:
        user = self.get_user(username)
        with self._store._write() as conn:  # no cascade on SQLite without PRAGMA foreign_keys: by hand
            for table in (tokens, *_PERMISSION_TABLES.values()):
                conn.execute(table.delete().where(table.c.user_id == user.id))
            conn.execute(users.delete().where(users.c.id == user.id))

    def authenticate_password(self, username: str, password: str) -> User | None:
        with self._store._read() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
        valid = verify_password(password, row.password_hash if row is not None else _dummy_hash())
        return User(row.id, row.username, bool(row.is_admin)) if valid and row is not None else None

    # -- tokens ------------------------------------------------------------
    def create_token(self, username: str, description: str = "") -> tuple[str, str]:
        """(token id, token): the token itself is never stored, so this is the only time it is seen."""
        user = self.get_user(username)
        token_id = secrets.token_hex(6)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        with self._store._write() as conn:
            conn.execute(tokens.insert().values(token_id=token_id, token_hash=_token_hash(token), user_id=user.id,
                                                description=description[:256],
                                                creation_time=int(time.time() * 1000)))
        return token_id, token

    def authenticate_token(self, token: str) -> User | None:
        with self._store._read() as conn:
            row = conn.execute(sa.select(tokens.c.user_id, tokens.c.token_hash)
                               .where(tokens.c.token_hash == _token_hash(token))).first()
        if row is None or not hmac.compare_digest(row.token_hash, _token_hash(token)):
            return None
        return self.user_by_id(row.user_id)

    def list_tokens(self, username: str | None = None) -> list[dict]:
        query = (sa.select(tokens.c.token_id, tokens.c.description, tokens.c.creation_time, users.c.username)
                 .join(users, users.c.id == tokens.c.user_id).order_by(tokens.c.creation_time))
        if username:
            query = query.where(users.c.username == username)
        with self._store._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def delete_token(self, token_id: str) -> None:
        with self._store._write() as conn:
            if not conn.execute(tokens.delete().where(tokens.c.token_id == str(token_id))).rowcount:
                raise NotFound(f"No token with id '{token_id}' (see `autotrack server tokens list`).")

    # -- permissions -------------------------------------------------------
    @staticmethod
    def _table(kind: str) -> tuple[sa.Table, sa.Column]:
        table = _PERMISSION_TABLES[kind]
        return table, list(table.c)[0]

    def permission(self, kind: str, resource: str, user_id: int) -> str | None:
        """The user's own permission row for a resource, None when there is none (the default applies)."""
        table, key = self._table(kind)
        with self._store._read() as conn:
            return conn.execute(sa.select(table.c.permission)
                                .where(key == str(resource), table.c.user_id == user_id)).scalar()

    def permissions_of(self, kind: str, user_id: int) -> dict[str, str]:
        """Every resource the user has a row for: {resource: permission}."""
        table, key = self._table(kind)
        with self._store._read() as conn:
            return {str(r[0]): r[1] for r in conn.execute(sa.select(key, table.c.permission)
                                                          .where(table.c.user_id == user_id))}

    def set_permission(self, kind: str, resource: str, user_id: int, permission: str, mode: str = "put") -> None:
        """mode: "create" (must not exist), "update" (must exist) or "put" (either)."""
        permission = check_permission_name(permission)
        table, key = self._table(kind)
        where = (key == str(resource), table.c.user_id == user_id)
        with self._store._write() as conn:
            exists = conn.execute(sa.select(table.c.permission).where(*where)).first() is not None
            if mode == "create" and exists:
                raise InvalidInput(f"A {kind} permission for this user on '{resource}' already exists; update it.")
            if mode == "update" and not exists:
                raise NotFound(f"No {kind} permission for this user on '{resource}'; create it first.")
            if exists:
                conn.execute(table.update().where(*where).values(permission=permission))
            else:
                conn.execute(table.insert().values({key.name: str(resource), "user_id": user_id,
                                                    "permission": permission}))

    def delete_permission(self, kind: str, resource: str, user_id: int) -> None:
        table, key = self._table(kind)
        with self._store._write() as conn:
            if not conn.execute(table.delete().where(key == str(resource), table.c.user_id == user_id)).rowcount:
                raise NotFound(f"No {kind} permission for this user on '{resource}'.")

    def rename_resource(self, kind: str, old: str, new: str) -> None:
        """Permissions follow a renamed registered model."""
        table, key = self._table(kind)
        with self._store._write() as conn:
            conn.execute(table.update().where(key == str(old)).values({key.name: str(new)}))

    def forget_resource(self, kind: str, resource: str) -> None:
        """A deleted model's grants go with it: a new model of that name starts from the default."""
        table, key = self._table(kind)
        with self._store._write() as conn:
            conn.execute(table.delete().where(key == str(resource)))
