"""`autotrack models serve`: a model behind MLflow's scoring protocol, on Starlette + uvicorn.

`POST /invocations` takes the payloads MLflow's servers take (`dataframe_split`,
`dataframe_records`, `instances`, `inputs`, or CSV with `Content-Type:
text/csv`) and answers `{"predictions": [...]}`. Input the model cannot take
(malformed JSON, a signature violation, values the model refuses) answers 400
with `{"error_code": "BAD_REQUEST", "message": ...}`; the server keeps going.
`parse_payload` is shared with `autotrack models predict`, so a file that
predicts locally also serves.

Limits keep one request from taking the server down: a body over
`--max-body-size` (default 32 MiB) answers 413 before it is read, JSON nested
deeper than 400 levels answers 400 before it is parsed (Python's parser would
recurse until `RecursionError`), and bodies are parsed and predicted on a
worker thread, so `/ping` keeps answering while a large request is worked on.
"""

from __future__ import annotations

import io
import json
import os
import re
from typing import Any

from autotrack.exceptions import InvalidInput
from autotrack.optional import require

__all__ = ["BadPayload", "check_nesting", "create_app", "parse_payload", "parse_size", "predictions_json", "serve"]

MODEL_URI_ENV = "AUTOTRACK_SERVE_MODEL_URI"
MAX_BODY_SIZE_ENV = "AUTOTRACK_SERVE_MAX_BODY_SIZE"
DEFAULT_MAX_BODY_SIZE = 32 * 1024**2
MAX_NESTING = 400
_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024, "M": 1024**2, "MB": 1024**2, "MIB": 1024**2,
          "G": 1024**3, "GB": 1024**3, "GIB": 1024**3}
_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_EXAMPLE = '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5]]}}'


class BadPayload(InvalidInput):
    """A request body that is not one of the scoring formats."""


def parse_payload(body: bytes | str, content_type: str, signature: Any = None) -> Any:
    """The model input in a request body: a DataFrame, a numpy array or a dict of arrays."""
    import pandas as pd

    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media == "text/csv":
        try:
            return pd.read_csv(io.BytesIO(body if isinstance(body, bytes) else body.encode()))
        except Exception as error:
            raise BadPayload(f"The CSV body could not be read: {error}") from None
    if media != "application/json":
        raise BadPayload(f"Unsupported Content-Type '{content_type}': send application/json or text/csv.")
    check_nesting(body)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadPayload(f"The body is not valid JSON ({error}). Example: {_EXAMPLE}") from None
    except RecursionError:  # nesting under MAX_NESTING cannot get here; a smaller stack could
        raise BadPayload(f"The JSON body is nested too deeply to parse (limit {MAX_NESTING} levels).") from None
    if not isinstance(payload, dict) or len([k for k in payload if k in _FORMATS]) != 1:
        raise BadPayload(f"The JSON body must be an object with exactly one of {', '.join(_FORMATS)}. "
                         f"Example: {_EXAMPLE}")
    unknown = [key for key in payload if key not in (*_FORMATS, "params")]
    if unknown:
        raise BadPayload(f"Unknown key(s) {unknown} in the body; allowed: {', '.join(_FORMATS)}, params.")
    (key, value), = ((k, v) for k, v in payload.items() if k in _FORMATS)
    data = _read_json_input(key, value, signature)
    return _json_integers(data, signature) if isinstance(data, pd.DataFrame) else data


def check_nesting(body: bytes | str, limit: int = MAX_NESTING) -> None:
    """Refuse JSON nested deeper than `limit` before parsing it: the parser recurses once per level.

    Only brackets outside strings count. The scan is a few C-speed passes (escapes and then
    everything but brackets and quotes removed, numpy for the rest): 45-210 ms for ~30 MB,
    a third or less of `json.loads` on the same body."""
    import numpy as np

    data = body.encode() if isinstance(body, str) else bytes(body)
    if data.count(b"[") + data.count(b"{") <= limit:
        return  # cannot be deeper than it has brackets
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")  # escaped backslashes, then escaped quotes
    codes = np.frombuffer(data.translate(None, _NOT_STRUCTURE), dtype=np.uint8)  # brackets and quotes
    quotes = codes == ord('"')
    if quotes.any():  # keep the brackets with an even number of quotes before them: outside strings
        codes = codes[~quotes & ((np.cumsum(quotes, dtype=np.int32) & 1) == 0)]
    opens = ((codes == ord("[")) | (codes == ord("{"))).astype(np.int32)
    depth = int(np.cumsum(2 * opens - 1).max()) if len(codes) else 0
    if depth > limit:
        raise BadPayload(f"The JSON body is nested {depth} levels deep; the limit is {limit}. "
                         f"Scoring inputs need at most a few levels: {_EXAMPLE}")


_NOT_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"'))


def parse_size(text: str | int) -> int:
    """Bytes in a size such as `32MB`, `512k` or `1048576` (K, M, G are powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(text))
    unit = _UNITS.get(match.group(2).upper()) if match else None
    if unit is None or float(match.group(1)) * unit < 1:
        raise InvalidInput(f"Body size '{text}' is not a size: use bytes or a number with K, M or G "
                           "(powers of 1024), e.g. 32M, at least 1 byte.")
    return int(float(match.group(1)) * unit)


def _read_json_input(key: str, value: Any, signature: Any) -> Any:
    import pandas as pd

    try:
        if key == "dataframe_split":
            if not isinstance(value, dict) or "data" not in value:
                raise BadPayload('dataframe_split needs {"columns": [...], "data": [[...], ...]}.')
            return pd.DataFrame(value["data"], columns=value.get("columns"), index=value.get("index"))
        if key == "dataframe_records":
            if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
                raise BadPayload('dataframe_records needs a list of row objects: [{"a": 1, "b": 2.5}, ...].')
            return pd.DataFrame.from_records(value)
        if isinstance(value, dict):  # named inputs: one list per column or tensor
            return _named_inputs(value, signature)
        if not isinstance(value, list):
            raise BadPayload(f"{key} needs a list of rows (or an object of named columns), got {type(value).__name__}.")
        if value and all(isinstance(row, dict) for row in value):
            return pd.DataFrame.from_records(value)
        return _tensor(value, signature)
    except BadPayload:
        raise
    except (ValueError, TypeError, AssertionError) as error:
        raise BadPayload(f"{key} could not be read as a table or array: {error}") from None


def _json_integers(frame: Any, signature: Any) -> Any:
    """Integer columns sent as whole floats (`2.0`, as numpy-built payloads write them) read as integers.

    JSON numbers carry no type, so reading them as the signature's integer type is the parse, not a
    conversion; a value with a fraction stays a float and the signature check refuses it."""
    import numpy as np

    inputs = getattr(signature, "inputs", None)
    if inputs is None or inputs.is_tensor_spec():
        return frame
    for spec in inputs.inputs:
        if spec.type not in ("integer", "long") or spec.name not in frame.columns:
            continue
        values = frame[spec.name].to_numpy()
        if values.dtype.kind == "f" and np.isfinite(values).all() and (values == np.round(values)).all() \
                and (np.abs(values) < 2**53).all():
            frame[spec.name] = values.astype(np.int64)
    return frame


def _tensor(value: list, signature: Any) -> Any:
    """A JSON array as the dtype the signature asks for (JSON has no dtypes: this is the parse, not a cast)."""
    import numpy as np

    array = np.asarray(value)
    if array.dtype == object:
        raise BadPayload("The rows of the array have different lengths or mixed types.")
    spec = _tensor_spec(signature)
    if spec is not None and array.dtype.kind in "biuf" and np.dtype(spec.dtype).kind in "biuf":
        converted = array.astype(spec.dtype)
        if np.dtype(spec.dtype).kind in "iu" and not np.array_equal(converted, array):
            raise BadPayload(f"The input holds values that are not {spec.dtype}.")
        return converted
    return array


def _named_inputs(value: dict, signature: Any) -> Any:
    import pandas as pd

    if _tensor_spec(signature) is not None:
        raise BadPayload("This model takes one tensor: send inputs as an array, not an object.")
    try:
        return pd.DataFrame({name: column if isinstance(column, list) else [column] for name, column in value.items()})
    except ValueError as error:
        raise BadPayload(f"The named inputs could not be read as columns: {error}") from None


def _tensor_spec(signature: Any) -> Any:
    inputs = getattr(signature, "inputs", None)
    return inputs.inputs[0] if inputs is not None and inputs.is_tensor_spec() else None


def predictions_json(predictions: Any) -> list:
    """Model output as JSON-ready lists (a DataFrame as records, arrays as nested lists)."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        return json.loads(predictions.to_json(orient="records"))
    if isinstance(predictions, pd.Series):
        predictions = predictions.to_numpy()
    if isinstance(predictions, np.ndarray):
        if predictions.dtype.kind == "f" and not np.isfinite(predictions).all():
            return json.loads(pd.Series(list(predictions)).to_json(orient="values"))
        return predictions.tolist()
    return list(predictions)


def create_app(model_uri: str | None = None, max_body_size: int | None = None):
    """The ASGI app for one model; with no argument the URI comes from $AUTOTRACK_SERVE_MODEL_URI (workers).

    `max_body_size` (bytes) defaults to $AUTOTRACK_SERVE_MAX_BODY_SIZE, else 32 MiB."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from autotrack import __version__, pyfunc

    uri = model_uri or os.environ.get(MODEL_URI_ENV)
    if not uri:
        raise InvalidInput(f"No model to serve: pass a model URI or set {MODEL_URI_ENV}.")
    limit = max_body_size or parse_size(os.environ.get(MAX_BODY_SIZE_ENV) or DEFAULT_MAX_BODY_SIZE)
    model = pyfunc.load_model(uri)
    signature = model.signature
    one_at_a_time: list = []  # the anyio limiter, made on the event loop's first request

    def bad_request(message: str) -> JSONResponse:
        return JSONResponse({"error_code": "BAD_REQUEST", "message": message}, status_code=400)

    def answer(body: bytes, content_type: str) -> Response:
        """Parse and predict, on a worker thread: the event loop stays free for /ping."""
        try:
            data = parse_payload(body, content_type, signature)
            predictions = model.predict(data)
        except InvalidInput as error:
            return bad_request(str(error))
        except (ValueError, TypeError, KeyError, IndexError) as error:  # the model itself refused the input
            return bad_request(f"The model could not predict on this input: {type(error).__name__}: {error}")
        except RecursionError:
            return bad_request(f"The input is nested too deeply for the model (JSON limit: {MAX_NESTING} levels).")
        try:
            content = json.dumps({"predictions": predictions_json(predictions)}, allow_nan=True)
        except (TypeError, ValueError) as error:
            return JSONResponse({"error_code": "INTERNAL_ERROR", "message": f"Unserializable output: {error}"}, 500)
        return Response(content, media_type="application/json")

    async def invocations(request: Request) -> Response:
        import anyio.to_thread

        body = await _body_within(request, limit)
        if body is None:
            return JSONResponse({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": (
                f"The request body is larger than this server's limit of {limit:,} bytes: send fewer rows per "
                f"request, or start the server with --max-body-size (or ${MAX_BODY_SIZE_ENV}).")}, status_code=413)
        if not one_at_a_time:
            one_at_a_time.append(anyio.CapacityLimiter(1))  # predictions in order, as on the loop before
        content_type = request.headers.get("content-type", "application/json")
        return await anyio.to_thread.run_sync(answer, body, content_type, limiter=one_at_a_time[0])

    async def ping(_: Request) -> Response:
        return PlainTextResponse("\n")

    async def version(_: Request) -> Response:
        return PlainTextResponse(__version__)

    return Starlette(routes=[
        Route("/invocations", invocations, methods=["POST"]),
        Route("/ping", ping, methods=["GET"]),
        Route("/health", ping, methods=["GET"]),
        Route("/version", version, methods=["GET"]),
    ])


async def _body_within(request: Any, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed `limit` bytes (before reading it all)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():  # chunked bodies have no length: count as they come
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def serve(model_uri: str, host: str = "127.0.0.1", port: int = 5001, workers: int = 1,
          max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
    """Serve until interrupted. The model is loaded before the port opens, so a bad URI fails at once."""
    uvicorn = require("uvicorn", "server", "Serving")
    import sys

    if max_body_size < 1:
        raise InvalidInput(f"max_body_size must be at least 1 byte, got {max_body_size}.")
    os.environ[MODEL_URI_ENV] = model_uri
    os.environ[MAX_BODY_SIZE_ENV] = str(max_body_size)  # worker processes read both
    options: dict[str, Any] = dict(host=host, port=port, log_level="warning", access_log=False)
    app = create_app(model_uri, max_body_size)  # with workers too: a bad model fails here, once, not in every worker
    print(f"Serving {model_uri} on http://{host}:{port}/invocations with {workers} worker(s); Ctrl-C stops.",
          file=sys.stderr, flush=True)
    if workers > 1:
        uvicorn.run("autotrack.serving:create_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(app, **options)
