"""Labels and descriptions exist in all four languages, and `kzcn fields` prints them."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pytest
from typer.testing import CliRunner

from kzcn.authorities import Language
from kzcn.cli import app
from kzcn.cli._common import UsageError
from kzcn.dictionary import LANGUAGES, dictionary_data, field_dictionary, labels
from kzcn.messages import MESSAGE_KINDS
from kzcn.privacy import LEGAL_CATEGORIES

ROLES = ("direct_identifier", "quasi_identifier", "sensitive", "other", "none")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_label_or_description_is_missing(language: str) -> None:
    raw = labels(language).raw
    book = field_dictionary()
    missing = []
    for owner in book.owners():
        entry = raw["fields"].get(owner, {})
        if not entry.get("label"):
            missing.append(f"label {owner}")
        if language != "en" and not entry.get("description"):
            missing.append(f"description {owner}")
    for owner, values in book.enums().items():
        for value in values:
            if value.startswith(("KAZ_", "CHN_")):
                continue  # authority names come from kzcn.authorities
            if not raw["values"].get(owner, {}).get(value):
                missing.append(f"value {owner}={value}")
    missing += [f"kind {k}" for k in MESSAGE_KINDS if not raw["kinds"].get(k)]
    missing += [f"role {r}" for r in ROLES if not raw["roles"].get(r)]
    missing += [f"category {c}" for c in LEGAL_CATEGORIES if not raw["categories"].get(c)]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_stale_labels(language: str) -> None:
    raw = labels(language).raw
    assert set(raw["fields"]) == set(field_dictionary().owners())


def test_labels_are_translated_not_copied() -> None:
    en, ru, kk, zh = (
        labels(lang).field_label("PersonRecord.ethnic_nationality") for lang in LANGUAGES
    )
    assert len({en, ru, kk, zh}) == 4
    assert labels("zh").value_label("PersonRecord.ethnic_nationality", "kazakh") == "哈萨克族"
    assert (
        labels("ru")
        .value_label("PartyAuthority.authority", "CHN_NIA")
        .startswith("Государственное")
    )


def test_english_descriptions_are_the_models() -> None:
    data = dictionary_data("en")
    by_path = {f["path"]: f for f in data["fields"]}
    assert by_path["subject.date_of_birth"]["description"] == "Date of birth; not in the future."


def fields_cli(args: Sequence[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fields", *args])
    if isinstance(result.exception, UsageError):
        return 2, str(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


@pytest.mark.parametrize("language", LANGUAGES)
def test_fields_json(language: str) -> None:
    code, out = fields_cli(["--lang", language, "--format", "json"])
    assert code == 0
    data = orjson.loads(out)
    assert data["language"] == language
    assert len(data["fields"]) == len(field_dictionary().fields)
    photo = next(f for f in data["fields"] if f["path"] == "subject.photo")
    assert {c["article"] for c in photo["categories"]} >= {"Art. 28", "Art. 1(1)"}


def test_fields_markdown_and_text() -> None:
    code, out = fields_cli(["--lang", "ru", "--format", "md"])
    assert code == 0
    assert "| `subject.ethnic_nationality` | Национальность |" in out
    code, out = fields_cli(["--format", "text"])
    assert code == 0
    assert "Data dictionary" in out
    assert "subject.sex" in out


@pytest.mark.parametrize("args", [["--lang", "fr"], ["--format", "pdf"]])
def test_fields_usage_errors(args: list[str]) -> None:
    code, out = fields_cli(args)
    assert code == 2
    assert "choose from" in out


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_field_says_its_basis_and_every_kind_its_data_protection(language: Language) -> None:
    data = dictionary_data(language)
    bases = labels(language).raw["bases"]
    assert {f["basis"] for f in data["fields"]} <= set(bases) - {"not_found"}
    assert all(f["refs"] and f["basis_label"] == bases[f["basis"]] for f in data["fields"])
    for kind in data["kinds"]:
        assert kind["data_protection"]["retention"]["basis_label"] == bases["not_found"]
    result = CliRunner().invoke(app, ["fields", "--format", "md", "--lang", language])
    header = next(line for line in result.output.splitlines() if line.startswith("| "))
    assert header.rstrip(" |").endswith(labels(language).text("basis"))
    assert labels(language).text("data_protection") in result.output
