"""Every property, kind and rule says what it rests on, and its sources resolve."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cli_runner import invoke_command
from conftest import example_files
from kzcn.errors import CATALOGUE
from kzcn.exposure import compute_exposure, render_markdown
from kzcn.messages import MESSAGE_KINDS
from kzcn.provenance import ENUM_SOURCE_KEY, SOURCE_KEY, data_protection, rule_source
from kzcn.schema import SCHEMA_NAMES, build_schema
from kzcn.sources import BASES, source_registry


def _registry_ids() -> set[str]:
    """The ids as a user sees them: `kzcn sources --format json`."""
    code, out = invoke_command("sources", ["--format", "json"])
    assert code == 0
    return {s["id"] for s in json.loads(out)["sources"]}


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, prop in schema.get("properties", {}).items():
        yield f"#/{name}", prop
    for model, body in schema.get("$defs", {}).items():
        for name, prop in body.get("properties", {}).items():
            yield f"{model}.{name}", prop


def _problems_of(where: str, source: Any, ids: set[str]) -> list[str]:
    if not isinstance(source, dict):
        return [f"{where}: no {SOURCE_KEY}"]
    found = []
    if source.get("basis") not in BASES:
        found.append(f"{where}: basis {source.get('basis')!r}")
    refs = source.get("refs") or []
    if not refs or not set(refs) <= ids:
        found.append(f"{where}: refs {refs} do not resolve")
    # The basis is that of at least one source it cites (an assumption cites kzcn_design).
    elif source["basis"] not in {source_registry()[r].kind for r in refs}:
        found.append(f"{where}: no {source['basis']} source among {refs}")
    return found


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_property_has_a_resolving_source(name: str) -> None:
    ids = _registry_ids()
    problems = [
        p
        for where, prop in _properties(build_schema(name))
        for p in _problems_of(where, prop.get(SOURCE_KEY), ids)
    ]
    assert problems == []


def test_every_kind_has_a_resolving_source() -> None:
    ids, defs = _registry_ids(), build_schema("message")["$defs"]
    kinds = {
        body["properties"]["kind"]["const"]: body
        for body in defs.values()
        if "kind" in body.get("properties", {})
    }
    assert set(kinds) == set(MESSAGE_KINDS)
    problems = [
        p for kind, body in kinds.items() for p in _problems_of(kind, body.get(SOURCE_KEY), ids)
    ]
    assert problems == []


def test_every_rule_has_a_resolving_source() -> None:
    ids = _registry_ids()
    problems = [
        p for code in CATALOGUE for p in _problems_of(code, rule_source(code).as_json(), ids)
    ]
    assert problems == []


def test_a_field_without_provenance_is_caught() -> None:
    ids = _registry_ids()
    assert _problems_of("x", None, ids) == [f"x: no {SOURCE_KEY}"]
    assert _problems_of("x", {"basis": "agreement", "refs": ["nowhere"]}, ids)
    assert _problems_of("x", {"basis": "agreement", "refs": ["ghroona"]}, ids)


def test_registry_entries_are_well_formed() -> None:
    registry = source_registry()
    assert {s.kind for s in registry.values()} <= set(BASES)
    assert all(
        s.title and s.supports and s.language in {"en", "ru", "kk", "zh"} for s in registry.values()
    )


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "ghroona [press_report, en, 2023]"),
        ("md", "| id | kind | title | address | date | language | supports |"),
        ("json", '"id": "katyk_170737"'),
    ],
)
def test_sources_command_formats(fmt: str, expected: str) -> None:
    code, out = invoke_command("sources", ["--format", fmt])
    assert code == 0
    assert expected in out


def test_sources_command_rejects_an_unknown_format() -> None:
    code, out = invoke_command("sources", ["--format", "xml"])
    assert (code, out) == (2, "kzcn: error: unknown format 'xml'; choose from text, md, json\n")


def test_rules_resting_on_reports_say_so() -> None:
    second_hand = [
        c for c, e in CATALOGUE.items() if e.source.basis in {"press_report", "official_statement"}
    ]
    assert "message.channel" in second_hand
    unmarked = [
        c
        for c in second_hand
        if not any(w in CATALOGUE[c].description for w in ("press", "statement"))
    ]
    assert unmarked == []


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_kind_says_what_is_known_of_its_data_protection(kind: str) -> None:
    ids = _registry_ids()
    metadata = data_protection(kind).as_json()
    assert set(metadata) == {"purpose", "recipients", "onward_transfer", "retention"}
    for answer in metadata.values():
        assert answer["text"]
        if answer["basis"] == "not_found":
            assert answer["refs"] == []
        else:
            assert _problems_of(kind, answer, ids) == []
    # Nothing public says how long the data is kept or whether it may be passed on.
    assert metadata["retention"]["basis"] == metadata["onward_transfer"]["basis"] == "not_found"


def _enum_of(prop: dict[str, Any]) -> set[str]:
    for node in (prop, *prop.get("anyOf", ()), prop.get("items", {})):
        if "enum" in node:
            return set(node["enum"])
    return set()


def test_enum_value_sources_name_real_values_and_resolve() -> None:
    ids, schema = _registry_ids(), build_schema("message")
    seen = 0
    for where, prop in _properties(schema):
        values = prop.get(ENUM_SOURCE_KEY)
        if values is None:
            continue
        seen += 1
        assert set(values) == _enum_of(prop), where
        assert [p for v, s in values.items() for p in _problems_of(f"{where}={v}", s, ids)] == []
    assert seen >= 6


def test_the_exposure_flows_say_what_is_known_of_data_protection() -> None:
    messages = [json.loads(p.read_text("utf-8")) for p in example_files("valid")]
    markdown = render_markdown(compute_exposure(messages), lang="ru")
    assert "передача третьим лицам: не найдено; срок хранения: не найдено" in markdown
