"""MLflow's auth plugin endpoints: users, and permissions per experiment and per registered model.

Same paths and fields as MLflow (`/api/2.0/mlflow/users/create`, `.../experiments/permissions/get`,
...), so its `AuthServiceClient` and scripts written for it work. Managing users is for admins (a user
may read itself and change its own password); managing a resource's permissions needs MANAGE on it.
"""

from __future__ import annotations

from typing import Any, Callable

from autotrack.server.auth_policy import MANAGE, Policy
from autotrack.server.auth_store import LEVELS, User, check_permission_name
from autotrack.server.errors import ApiError, required

__all__ = ["ROUTES", "Forbidden"]


class Forbidden(Exception):
    """The signed-in user may not do this (answered 403 with the same body as any refusal)."""


def _admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden()


def _self_or_admin(user: User, username: str) -> None:
    if not user.is_admin and user.username != username:
        raise Forbidden()


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def create_user(policy: Policy, user: User, body: dict) -> dict:
    _admin(user)
    created = policy.auth.create_user(str(required(body, "username")), str(required(body, "password")),
                                      _bool(body.get("is_admin")))
    return {"user": created.to_json()}


def get_user(policy: Policy, user: User, body: dict) -> dict:
    username = str(required(body, "username"))
    _self_or_admin(user, username)
    found = policy.auth.get_user(username)
    return {"user": {**found.to_json(), "experiment_permissions": _rows(policy, "experiment", found),
                     "registered_model_permissions": _rows(policy, "registered_model", found)}}


def _rows(policy: Policy, kind: str, user: User) -> list[dict]:
    key = "experiment_id" if kind == "experiment" else "name"
    return [{key: resource, "user_id": user.id, "permission": permission}
            for resource, permission in sorted(policy.auth.permissions_of(kind, user.id).items())]


def update_password(policy: Policy, user: User, body: dict) -> dict:
    username = str(required(body, "username"))
    _self_or_admin(user, username)
    policy.auth.update_password(username, str(required(body, "password")))
    return {}


def update_admin(policy: Policy, user: User, body: dict) -> dict:
    _admin(user)
    policy.auth.set_admin(str(required(body, "username")), _bool(required(body, "is_admin")))
    return {}


def delete_user(policy: Policy, user: User, body: dict) -> dict:
    _admin(user)
    policy.auth.delete_user(str(required(body, "username")))
    return {}


def _permission_handler(kind: str, action: str) -> Callable[[Policy, User, dict], dict]:
    key = "experiment_id" if kind == "experiment" else "name"

    def handler(policy: Policy, user: User, body: dict) -> dict:
        resource = str(required(body, key))
        if policy.level(user, kind, resource) < MANAGE:
            raise Forbidden()
        target = policy.auth.get_user(str(required(body, "username")))
        if action in ("create", "update"):
            permission = check_permission_name(str(required(body, "permission")))
            policy.auth.set_permission(kind, resource, target.id, permission, mode=action)
            return {f"{kind}_permission": {key: resource, "user_id": target.id, "permission": permission}}
        if action == "delete":
            policy.auth.delete_permission(kind, resource, target.id)
            return {}
        own = policy.auth.permission(kind, resource, target.id)
        if own is None:
            raise ApiError("RESOURCE_DOES_NOT_EXIST", f"No {kind} permission for '{target.username}' on '{resource}'"
                           f" (the default, {_default_name(policy)}, applies).")
        return {f"{kind}_permission": {key: resource, "user_id": target.id, "permission": own}}

    return handler


def _default_name(policy: Policy) -> str:
    return next(name for name, level in LEVELS.items() if level == policy.default)


_USERS = "/api/2.0/mlflow/users"
ROUTES: dict[tuple[str, str], Callable[[Policy, User, dict], dict]] = {
    (f"{_USERS}/create", "POST"): create_user,
    (f"{_USERS}/get", "GET"): get_user,
    (f"{_USERS}/update-password", "PATCH"): update_password,
    (f"{_USERS}/update-admin", "PATCH"): update_admin,
    (f"{_USERS}/delete", "DELETE"): delete_user,
}
for _kind, _prefix in (("experiment", "/api/2.0/mlflow/experiments/permissions"),
                       ("registered_model", "/api/2.0/mlflow/registered-models/permissions")):
    for _action, _method in (("create", "POST"), ("get", "GET"), ("update", "PATCH"), ("delete", "DELETE")):
        ROUTES[(f"{_prefix}/{_action}", _method)] = _permission_handler(_kind, _action)
