"""FastAPI with `kzcn.Message` as a request body (examples/fastapi_app.py), via its TestClient."""

from __future__ import annotations

import importlib
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from interop_tools import ROOT, examples, need_module, string_leaves

# starlette's TestClient warns that httpx is deprecated for it; the warning is theirs.
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@cache
def _client() -> Any:
    need_module("fastapi")
    need_module("httpx")
    from fastapi.testclient import TestClient  # noqa: PLC0415 - optional dependency

    sys.path.insert(0, str(ROOT / "examples"))
    app = importlib.import_module("fastapi_app").app  # the example, as its readers run it
    return TestClient(app)


ENUM_WORD = re.compile(r"[a-z_]+")


def _post(path: Path) -> Any:
    return _client().post(
        "/messages", content=path.read_bytes(), headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize("path", examples("valid"), ids=lambda p: p.stem)
def test_every_valid_example_is_taken(path: Path) -> None:
    response = _post(path)
    assert response.status_code == 200
    message = json.loads(path.read_text("utf-8"))
    assert response.json() == {"kind": message["kind"], "message_id": message["message_id"]}


@pytest.mark.parametrize("path", examples("invalid"), ids=lambda p: p.stem)
def test_every_invalid_example_is_422_with_our_codes_and_no_value(path: Path) -> None:
    response = _post(path)
    assert response.status_code == 422
    expected = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    wanted = sorted((p["code"], p["path"]) for p in expected["problems"])
    assert sorted((p["code"], p["path"]) for p in response.json()["problems"]) == wanted
    text = response.text
    record = json.loads(path.read_text("utf-8"))
    # Enum words (`entry_ban`) are also field names in paths; nothing typed in may appear.
    typed = {s for s in string_leaves(record) if len(s) >= 4 and not ENUM_WORD.fullmatch(s)}
    assert not {s for s in typed if s in text}


def test_a_date_as_a_number_is_refused_with_our_code() -> None:
    message = json.loads((ROOT / "examples" / "valid" / "suspension_notice.json").read_bytes())
    message["decided_on"] = 1700006400
    response = _client().post("/messages", json=message)
    assert response.status_code == 422
    assert response.json()["problems"][0]["code"] == "date.invalid"
    assert "1700006400" not in response.text


def test_the_openapi_document_is_valid() -> None:
    validator = need_module("openapi_spec_validator")
    document = _client().get("/openapi.json").json()
    validator.validate(document)
    assert "/messages" in document["paths"]
