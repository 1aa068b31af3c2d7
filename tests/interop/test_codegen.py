"""Code generators on the committed schema: datamodel-code-generator and json-schema-to-typescript.

Both generate one type per kind definition (`$defs/<Kind>`, the target of the
root's `if kind ... then $ref`); neither follows `if`/`then` itself, so the
generated root is `{kind: ...}` only and a consumer takes the kind's type.
The generated types must accept every valid example, and refuse a wrong type.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from interop_tools import NODE_DIR, SCHEMA_DIR, examples, need_executable, need_node_package, schema

from kzcn.schema import kind_refs


def _definition(message: dict[str, Any]) -> str:
    return kind_refs(schema("message"))[message["kind"]].rsplit("/", 1)[-1]


def _valid_messages() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in examples("valid")]


def test_datamodel_codegen_models_accept_every_valid_example(tmp_path: Path) -> None:
    tool = need_executable("datamodel-codegen")
    out = tmp_path / "generated_models.py"
    subprocess.run(
        [
            tool,
            "--input",
            str(SCHEMA_DIR / "message.schema.json"),
            "--input-file-type",
            "jsonschema",
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--formatters",
            "ruff-format",
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    spec = importlib.util.spec_from_file_location("generated_models", out)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generated_models"] = module
    spec.loader.exec_module(module)
    for message in _valid_messages():
        getattr(module, _definition(message)).model_validate(message)
    wrong = {**_valid_messages()[0], "sent_on": 5}
    with pytest.raises(ValueError, match="sent_on"):
        getattr(module, _definition(wrong)).model_validate(wrong)


def _tsc(tmp_path: Path, messages: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    need_node_package("json-schema-to-typescript")
    tsc = need_node_package("typescript") / "bin" / "tsc"
    types = tmp_path / "types"
    subprocess.run(
        [
            "node",
            str(NODE_DIR / "ts_types.mjs"),
            str(SCHEMA_DIR / "message.schema.json"),
            str(types),
        ],
        check=True,
        timeout=300,
    )
    lines = []
    for index, message in enumerate(messages):
        name = _definition(message)
        lines.append(f'import type {{ {name} as T{index} }} from "./types/{name}";')
        lines.append(f"export const m{index}: T{index} = {json.dumps(message)};")
    (tmp_path / "examples.ts").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return subprocess.run(
        [
            "node",
            str(tsc),
            "--strict",
            "--noEmit",
            "--target",
            "es2020",
            "--moduleResolution",
            "node",
            str(tmp_path / "examples.ts"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_typescript_types_take_every_valid_example_under_strict(tmp_path: Path) -> None:
    done = _tsc(tmp_path, _valid_messages())
    assert done.returncode == 0, done.stdout


def test_typescript_types_refuse_a_wrong_type(tmp_path: Path) -> None:
    wrong = {**_valid_messages()[0], "sent_on": 5}
    done = _tsc(tmp_path, [wrong])
    assert done.returncode != 0
    assert "sent_on" in done.stdout or "number" in done.stdout


def _with_extra(message: dict[str, Any], *where: str) -> dict[str, Any]:
    """`message` with a property no schema names, at the top or inside the object at `where`."""
    changed: dict[str, Any] = json.loads(json.dumps(message))
    node = changed
    for key in where:
        node = node[key]
    node["not_in_the_schema"] = 1
    return changed


def test_no_kind_type_takes_any_property(tmp_path: Path) -> None:
    # Every object is closed: no index signature anywhere in the kinds' types.
    _tsc(tmp_path, _valid_messages()[:1])
    generated = sorted((tmp_path / "types").glob("*.ts"))
    assert len(generated) == len(kind_refs(schema("message")))
    assert [p.name for p in generated if "[k: string]" in p.read_text("utf-8")] == []


@pytest.mark.parametrize("where", [(), ("sender",)], ids=["top", "nested"])
def test_typescript_types_refuse_an_extra_property_on_every_kind(
    tmp_path: Path, where: tuple[str, ...]
) -> None:
    one_a_kind = list({m["kind"]: m for m in _valid_messages()}.values())
    assert len(one_a_kind) == len(kind_refs(schema("message")))
    done = _tsc(tmp_path, [_with_extra(m, *where) for m in one_a_kind])
    assert done.returncode != 0
    # `_tsc` writes an import and a typed constant a message: message i is on line 2 * i + 2.
    refused = {
        int(line) for line in re.findall(r"examples\.ts\((\d+),\d+\): error TS2353", done.stdout)
    }
    assert refused == {2 * i + 2 for i in range(len(one_a_kind))}, done.stdout
