"""No personal value leaves the validator unless `--show-values` asks for it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from kzcn.cli import app
from kzcn.flat import column_order, flatten

# Distinctive personal values, each placed where validation fails on it or near it.
SECRETS = {
    "surname_latin": "ZHAKSYLYKОV",  # a Cyrillic О: homoglyph
    "surname_cyrillic": "Жаксылыков",
    "given_latin": "erlan",  # lower case
    "patronymic_cyrillic": "Smithовна",  # nested: patronymic is an object or null
    "document_number": "QX98765X",  # bad CHN passport number
    "personal_number": "99999999999",  # bad resident ID format
    "authority": "Тайная канцелярия №7",  # too long below, the text itself is personal-ish
    "legal": "Z" * 250,  # too long
    "unknown_key_value": "secret-extra-value",
    "date": "1979-02-30",
}


def _record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (EXAMPLES / "valid" / "entry_stay_exit_violation.json").read_text("utf-8")
    )
    subject = data["subject"]
    subject["surname"] = {
        "cyrillic": SECRETS["surname_cyrillic"],
        "latin": SECRETS["surname_latin"],
    }
    subject["given_names"]["latin"] = SECRETS["given_latin"]
    subject["patronymic"] = {"cyrillic": SECRETS["patronymic_cyrillic"], "latin": "SMITHOVNA"}
    subject["documents"][0]["number"] = SECRETS["document_number"]
    subject["documents"][0]["issuing_authority"] = SECRETS["authority"] * 10
    subject["personal_number"] = SECRETS["personal_number"]
    subject["date_of_birth"] = SECRETS["date"]
    data["legal_provision"] = SECRETS["legal"]
    data["nickname"] = SECRETS["unknown_key_value"]
    return data


def _inputs(folder: Path) -> list[Path]:
    record = _record()
    bad_kind = {**record, "kind": SECRETS["surname_cyrillic"]}
    jsonl = folder / "records.jsonl"
    jsonl.write_bytes(orjson.dumps(record) + b"\n" + orjson.dumps(bad_kind) + b"\n")
    array = folder / "records.json"
    array.write_text(json.dumps([record, bad_kind], ensure_ascii=False, indent=1), "utf-8")
    rows = [flatten(record), flatten(bad_kind)]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=column_order(rows))
    writer.writeheader()
    writer.writerows(rows)
    table = folder / "records.csv"
    table.write_text(text.getvalue(), "utf-8")
    return [jsonl, array, table]


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(app, ["validate", *args])
    assert result.exit_code == 1, result.output
    return result.output


@pytest.mark.parametrize("engine", ["model", "schema"])
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_no_personal_value_in_any_report(tmp_path: Path, engine: str, output_format: str) -> None:
    for path in _inputs(tmp_path):
        out = _run([str(path), "--engine", engine, "--format", output_format])
        assert "name." in out or "structure." in out  # it did report, about those fields
        leaked = [name for name, value in SECRETS.items() if value in out]
        assert leaked == [], f"{path.name}: {leaked}"


def test_show_values_does_show_them(tmp_path: Path) -> None:
    jsonl = _inputs(tmp_path)[0]
    out = _run([str(jsonl), "--show-values"])
    assert SECRETS["surname_latin"] in out
    assert SECRETS["document_number"] in out
    out = _run([str(jsonl), "--show-values", "--format", "json", "--engine", "schema"])
    values = {p.get("value") for p in json.loads(out)["problems"]}
    assert SECRETS["surname_latin"] in values
