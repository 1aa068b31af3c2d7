"""Generic JSON Schema validators on the committed schema: ajv, check-jsonschema, jsonschema.

ajv 8 (draft 2020-12, ajv-formats) compiles both schemas with its defaults and
with `strict: true`, our `x-kzcn-*` annotations declared as a vocabulary (the
only thing strict mode asks of keywords it does not know), and agrees with
`kzcn validate --engine schema` line by line. Generic validators report the
failing field of the message's own kind, never `$` with the whole record.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from interop_tools import (
    NODE_DIR,
    ROOT,
    SCHEMA_DIR,
    examples,
    need_executable,
    need_node_package,
    schema,
)

from cli_runner import kzcn_process

AJV = NODE_DIR / "ajv_check.mjs"


def _ajv(schema_name: str, lines: str, *flags: str) -> list[str]:
    need_node_package("ajv")
    need_node_package("ajv-formats")
    done = subprocess.run(
        ["node", str(AJV), str(SCHEMA_DIR / f"{schema_name}.schema.json"), *flags],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.split("\n")[:-1]


def _one_line(path: Path) -> str:
    return json.dumps(json.loads(path.read_text("utf-8")), ensure_ascii=False) + "\n"


@pytest.mark.parametrize("mode", [(), ("--strict",)], ids=["default", "strict"])
@pytest.mark.parametrize("name", ["message", "person"])
def test_ajv_compiles_the_schema(name: str, mode: tuple[str, ...]) -> None:
    assert _ajv(name, "{}\n", *mode) == ["0"]


def test_ajv_strict_takes_every_valid_example() -> None:
    lines = "".join(_one_line(p) for p in examples("valid"))
    assert _ajv("message", lines, "--strict") == ["1"] * len(examples("valid"))


def _generated(tmp: Path) -> Path:
    out = tmp / "messages.jsonl"
    kzcn_process(
        "generate", "-n", "2000", "--seed", "17", "-q", "--invalid-rate", "0.5",
        "--labels", str(tmp / "labels.jsonl"), "-o", str(out),
        check=True,
    )  # fmt: skip
    return out


def test_ajv_strict_agrees_with_the_schema_engine_on_2000_lines(tmp_path: Path) -> None:
    data = _generated(tmp_path)
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "kzcn",
            "validate",
            str(data),
            "--engine",
            "schema",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    faulty = {p["line"] for p in json.loads(report.stdout)["problems"] if p["severity"] == "error"}
    verdicts = _ajv("message", data.read_text("utf-8"), "--strict")
    assert len(verdicts) == 2000
    assert {n for n, v in enumerate(verdicts, start=1) if v == "0"} == faulty
    assert 400 < len(faulty) < 1600  # half are corrupted; some only beyond a schema's reach


def test_check_jsonschema_takes_every_valid_example() -> None:
    tool = need_executable("check-jsonschema")
    paths = [str(p) for p in examples("valid")]
    done = subprocess.run(
        [tool, "--schemafile", str(SCHEMA_DIR / "message.schema.json"), *paths],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_jsonschema_names_the_field_not_the_record() -> None:
    tool = need_executable("check-jsonschema")
    path = ROOT / "examples" / "invalid" / "lowercase_latin.json"
    record = json.loads(path.read_text("utf-8"))
    done = subprocess.run(
        [tool, "--schemafile", str(SCHEMA_DIR / "message.schema.json"), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert "$.subject.surname.latin" in done.stdout
    assert record["subject"]["given_names"]["latin"] not in done.stdout
    assert record["subject"]["documents"][0]["number"] not in done.stdout


def _schema_rejected() -> list[Path]:
    return [
        p
        for p in examples("invalid")
        if json.loads(p.with_suffix(".expected.json").read_text("utf-8"))["schema"] == "reject"
    ]


@pytest.mark.parametrize("path", _schema_rejected(), ids=lambda p: p.stem)
def test_best_match_points_at_an_expected_field(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(
        schema("message"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    best = jsonschema.exceptions.best_match(validator.iter_errors(json.loads(path.read_bytes())))
    assert best is not None
    expected = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))["problems"]
    # kzcn names a missing or unknown key's own path; JSON Schema names the object holding it.
    wanted = {p["path"] for p in expected}
    if best.validator in ("required", "additionalProperties"):
        wanted = {w.rsplit(".", 1)[0] for w in wanted}
    assert best.json_path in wanted
