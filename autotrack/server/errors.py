"""MLflow's error format: `{"error_code": ..., "message": ...}` with the matching HTTP status.

The server turns autotrack's exceptions into these; `HttpStore` turns them
back, so a caller sees the same `NotFound` / `InvalidInput` over HTTP as on
a local store.
"""

from __future__ import annotations

from typing import Any, Mapping

from autotrack.exceptions import AutotrackException, InvalidInput, NotFound

__all__ = ["ApiError", "STATUS", "error_body", "exception_from_error", "required"]

_VALUE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError, UnicodeError)

# MLflow's error codes and the statuses its server answers them with.
STATUS = {
    "INVALID_PARAMETER_VALUE": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "BAD_REQUEST": 400,
    "MALFORMED_REQUEST": 400,
    "INVALID_STATE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "REQUEST_LIMIT_EXCEEDED": 413,
    "INTERNAL_ERROR": 500,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
}


class ApiError(Exception):
    """An error answer with one of MLflow's error codes."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.status = STATUS.get(code, 400)
        self.message = message


def error_body(error: BaseException) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for an exception raised while answering a request."""
    if isinstance(error, ApiError):
        return error.status, {"error_code": error.code, "message": error.message}
    if isinstance(error, NotFound):
        return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": str(error)}
    if isinstance(error, InvalidInput):
        code = "RESOURCE_ALREADY_EXISTS" if "already exists" in str(error) else "INVALID_PARAMETER_VALUE"
        body = {"error_code": code, "message": str(error)}
        if type(error).__name__ == "InvalidFilter":
            body["autotrack_error"] = "InvalidFilter"  # lets HttpStore raise the same class
            body["position"] = getattr(error, "position", 0)
        return 400, body
    if isinstance(error, AutotrackException):
        return 400, {"error_code": "BAD_REQUEST", "message": str(error)}
    if isinstance(error, _VALUE_ERRORS) or isinstance(getattr(error, "orig", None), _VALUE_ERRORS) \
            or type(error).__name__ == "DataError":
        # A field of the wrong type or range that no handler checked by name (a dict for a filter, a
        # number past int64, a NUL in a string the database refuses): the request is wrong, not the server.
        return 400, {"error_code": "INVALID_PARAMETER_VALUE",
                     "message": f"Invalid request: {type(error).__name__}: {str(error)[:500]}"}
    return 500, {"error_code": "INTERNAL_ERROR", "message": f"{type(error).__name__}: {error}"}


def exception_from_error(status: int, body: Mapping[str, Any], what: str) -> Exception:
    """The exception a local store would have raised for this error answer."""
    message = str(body.get("message") or f"HTTP {status}")
    code = body.get("error_code", "")
    if body.get("autotrack_error") == "InvalidFilter":
        from autotrack.store.filter import InvalidFilter

        error = InvalidFilter.__new__(InvalidFilter)
        InvalidInput.__init__(error, message)
        error.position = int(body.get("position") or 0)
        return error
    if code == "RESOURCE_DOES_NOT_EXIST" or (status == 404 and code != "ENDPOINT_NOT_FOUND"):
        return NotFound(message)
    if status in (400, 409, 413) or code in ("INVALID_PARAMETER_VALUE", "RESOURCE_ALREADY_EXISTS"):
        return InvalidInput(message)
    return AutotrackException(f"The tracking server answered {what} with HTTP {status} {code}: {message}")


def required(body: Mapping[str, Any], name: str) -> Any:
    """A request field that must be there, or MLflow's 400 naming it."""
    value = body.get(name)
    if value is None:  # an empty string is the store's to judge (it names what a valid value looks like)
        raise ApiError("INVALID_PARAMETER_VALUE", f"Missing value for required parameter '{name}'.")
    return value
