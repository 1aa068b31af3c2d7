"""A FastAPI service that takes a kzcn message as its request body.

Run it with `uvicorn examples.fastapi_app:app` (`pip install "kzcn[interop]"`
brings FastAPI); `tests/interop/test_fastapi.py` drives it with FastAPI's
TestClient. `kzcn.Message` is an ordinary body type: FastAPI reads the JSON
and validates the dict in pydantic's Python mode, which the models take
(ISO text dates, lists for arrays, as `json.loads` gives them).

One thing needs a handler: FastAPI's own 422 lists pydantic's errors with
their `input`, which for a message is a name, a document number or the whole
record, whatever `hide_input_in_errors` says (that setting governs the text
of the exception, not `errors()`). `kzcn_validation_errors` replaces that
response with kzcn's: for each problem its code, its JSONPath and the
catalogue's message, never a value from the record. Copy it with the line
that installs it into your own app.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

import kzcn
from kzcn.validation.problems import code_for_pydantic_type, json_path

app = FastAPI(title="kzcn message intake", version=kzcn.__version__)


@app.exception_handler(RequestValidationError)
async def kzcn_validation_errors(request: Request, error: RequestValidationError) -> JSONResponse:
    """A 422 with kzcn's codes, paths and messages, and no value from the request.

    The body is validated again by kzcn (the same codes as `kzcn validate`);
    FastAPI's own error list, which carries input values, is dropped. For an
    error outside the body only the code and the place are kept.
    """
    problems: list[dict[str, Any]]
    if any(detail["loc"][:1] == ("body",) for detail in error.errors()):
        result = kzcn.validate_message(await request.body())
        problems = [
            {"code": p.code, "path": p.path, "message": p.message}
            for p in result.problems
            if p.severity == "error"
        ]
    else:
        problems = [
            {"code": code_for_pydantic_type(detail["type"]), "path": json_path(detail["loc"][1:])}
            for detail in error.errors()
        ]
    return JSONResponse(status_code=422, content={"problems": problems})


@app.post("/messages")
def receive(message: kzcn.Message) -> dict[str, str]:
    """Take one message; answer with its kind and identifier (what a log may keep)."""
    return {"kind": message.kind, "message_id": message.message_id}
