"""The exposure metrics against direct computations of their definitions, and the edge cases."""

from __future__ import annotations

import io
import math
import sys
from collections import Counter
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path, PosixPath
from typing import Any

import orjson
import pytest

from exposure_fixtures import build_messages, write_jsonl
from kzcn.exposure import (
    DEFAULT_QI,
    QuasiIdentifierError,
    _analyse,
    _read,
    compute_exposure,
    render_json,
    render_markdown,
)

# --- an independent reference: plain Python over the messages ---------------------


def _doc_keys(subject: dict[str, Any]) -> list[str]:
    return [
        f"{d['issuing_state']}|{d['document_type']}|{d['number']}" for d in subject["documents"]
    ]


def reference_people(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One subject per distinct person (shared document, union-find), first occurrence."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    subjects: list[dict[str, Any]] = []
    for message in messages:
        subject = message.get("subject")
        if subject is None:
            continue
        index = len(subjects)
        subjects.append(subject)
        parent[index] = index
        for key in _doc_keys(subject):
            if key in owner:
                a, b = find(owner[key]), find(index)
                parent[max(a, b)] = min(a, b)
            else:
                owner[key] = index
    return [subjects[i] for i in sorted({find(i) for i in parent})]


def key(subject: dict[str, Any], path: str) -> str | None:
    """The grouping key of `path`, as documented in `kzcn.exposure._qi`."""
    place = subject["place_of_birth"]
    latin = {k: (place.get(k) or {}).get("latin") for k in ("region", "locality")}
    if path == "place_of_birth.locality":
        if latin["locality"] is None:
            return None
        return f"{place['country']}/{latin['region'] or '?'}/{latin['locality']}"
    if path == "place_of_birth.region":
        return None if latin["region"] is None else f"{place['country']}/{latin['region']}"
    if path == "place_of_birth.country":
        return str(place["country"])
    value = subject.get(path)
    return None if value is None else str(value)


def sizes(people: list[dict[str, Any]], qi: Iterable[str]) -> Counter[tuple[Any, ...]]:
    fields = list(qi)
    return Counter(tuple(key(p, f) for f in fields) for p in people)


def arx_prosecutor(counts: Counter[tuple[Any, ...]], threshold: float) -> dict[str, float]:
    """ARX RiskModelSampleSummary, prosecutor: rA, rB, rC."""
    n = sum(counts.values())
    return {
        "highest": 1 / min(counts.values()),
        "at_risk": sum(f for f in counts.values() if 1 / f > threshold) / n,
        "average": len(counts) / n,
    }


def entropy_l(people: list[dict[str, Any]], qi: list[str], sa: str) -> tuple[int, float]:
    groups: dict[tuple[Any, ...], Counter[Any]] = {}
    for p in people:
        groups.setdefault(tuple(key(p, f) for f in qi), Counter())[key(p, sa)] += 1
    distinct = min(len(c) for c in groups.values())
    entropies = []
    for c in groups.values():
        s = sum(c.values())
        entropies.append(math.exp(-sum(v / s * math.log(v / s) for v in c.values())))
    return distinct, min(entropies)


@pytest.fixture(scope="module")
def messages() -> list[dict[str, Any]]:
    return list(build_messages(3000, seed=11, repeat_rate=0.1))


QI_SETS = [
    list(DEFAULT_QI),
    ["sex", "citizenship"],
    ["place_of_birth.region", "sex"],
    ["date_of_birth", "place_of_birth.country"],
    ["ethnic_nationality", "place_of_birth.locality"],
]


class TestAgainstDefinitions:
    @pytest.mark.parametrize("qi", QI_SETS, ids="+".join)
    def test_classes_k_and_arx_risks(self, messages: list[dict[str, Any]], qi: list[str]) -> None:
        """k, classes, uniqueness and the three prosecutor risks equal ARX's formulas."""
        result = compute_exposure(messages, qi=qi, threshold=0.2)
        people = reference_people(messages)
        counts = sizes(people, qi)
        arx = arx_prosecutor(counts, 0.2)
        assert result.risk.records == len(people) == result.input.persons
        assert result.risk.classes == len(counts)
        assert result.risk.k == min(counts.values())
        assert result.risk.unique_records == sum(1 for f in counts.values() if f == 1)
        assert result.risk.prosecutor_highest == pytest.approx(arx["highest"])
        assert result.risk.records_at_risk == pytest.approx(arx["at_risk"])
        assert result.risk.prosecutor_average == pytest.approx(arx["average"])
        assert result.risk.marketer == pytest.approx(arx["average"])
        exact = Counter(counts.values())
        assert dict(result.risk.class_sizes) == dict(exact)
        assert sum(b.records for b in result.risk.histogram) == len(people)

    @pytest.mark.parametrize("qi", QI_SETS, ids="+".join)
    def test_l_diversity(self, messages: list[dict[str, Any]], qi: list[str]) -> None:
        """Distinct l and entropy l (a float) equal the definitions."""
        result = compute_exposure(messages, qi=qi)
        sa = result.settings.sensitive
        distinct, entropy = entropy_l(reference_people(messages), qi, sa)
        assert result.diversity.distinct_l == distinct
        assert result.diversity.entropy_l == pytest.approx(max(entropy, 1.0), abs=1e-9)

    def test_subsets_and_ladder(self, messages: list[dict[str, Any]]) -> None:
        """Every subset up to 4 of 5 candidates (30) and the 12-step ladder are right."""
        result = compute_exposure(messages)
        people = reference_people(messages)
        assert len(result.subsets) == 30
        for row in result.subsets:
            counts = sizes(people, row.fields)
            unique = sum(1 for f in counts.values() if f == 1)
            assert (row.classes, row.k, row.unique_records) == (
                len(counts),
                min(counts.values()),
                unique,
            ), row.fields
        assert [(r.date_level, r.place_level) for r in result.ladder][:4] == [
            ("full", "locality"),
            ("full", "region"),
            ("full", "country"),
            ("month", "locality"),
        ]
        assert len(result.ladder) == 12
        uniqueness = [r.sample_uniqueness for r in result.ladder]
        assert uniqueness[0] == result.risk.sample_uniqueness
        assert uniqueness[-1] <= uniqueness[0]
        year_region = next(
            r for r in result.ladder if (r.date_level, r.place_level) == ("year", "region")
        )
        expected = Counter(
            (
                p["sex"],
                p["date_of_birth"][:4],
                key(p, "place_of_birth.region"),
            )
            for p in people
        )
        assert year_region.classes == len(expected)

    def test_dense_counting_equals_grouping(
        self, messages: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Class sizes counted densely (small key spaces) equal those of the group-by."""
        from kzcn.exposure import _engine  # noqa: PLC0415 - the switch under test

        dense = compute_exposure(messages, per_record=True)
        monkeypatch.setattr(_engine, "_MAX_DENSE", 0)
        grouped = compute_exposure(messages, per_record=True)
        assert dense.per_record is not None
        assert grouped.per_record is not None
        assert (dense.risk, dense.subsets, dense.ladder) == (
            grouped.risk,
            grouped.subsets,
            grouped.ladder,
        )
        assert dense.per_record.equals(grouped.per_record)

    def test_subsets_are_sorted_most_identifying_first(
        self, messages: list[dict[str, Any]]
    ) -> None:
        result = compute_exposure(messages)
        shares = [row.sample_uniqueness for row in result.subsets]
        assert shares == sorted(shares, reverse=True)


class TestPersonsAndFlows:
    def test_people_sharing_a_document_are_one_person(self) -> None:
        """Transitive: A shares a passport with B, B an ID card with C, so A = B = C."""
        base = next(m for m in build_messages(40, seed=3) if "subject" in m)
        first = orjson.loads(orjson.dumps(base))
        second = orjson.loads(orjson.dumps(base))
        card = {
            **base["subject"]["documents"][0],
            "document_type": "identity_card",
            "number": "123456789",
        }
        second["subject"]["documents"].append(card)
        third = orjson.loads(orjson.dumps(base))
        third["subject"]["documents"] = [card]
        third["subject"]["sex"] = "F" if base["subject"]["sex"] == "M" else "M"
        result = compute_exposure([first, second, third], per_record=True)
        assert result.input.persons == 1
        assert result.input.messages_with_subject == 3
        assert result.per_record is not None
        assert result.per_record["class_size"].to_list() == [1, 1, 1]

    def test_messages_without_subject_count_in_flows_only(self) -> None:
        messages = [m for m in build_messages(200, seed=5) if "subject" not in m]
        assert messages
        result = compute_exposure(messages)
        assert result.input.persons == 0
        assert result.input.messages_without_subject == len(messages)
        assert sum(f.messages for f in result.kind_flows) == len(messages)
        assert result.risk.k is None

    def test_field_flows_count_people_not_messages(self, messages: list[dict[str, Any]]) -> None:
        result = compute_exposure(messages)
        flows = {f.path: f for f in result.field_flows}
        people = reference_people(messages)
        assert flows["subject.date_of_birth"].people == len(people)
        assert flows["subject.date_of_birth"].messages == sum(1 for m in messages if "subject" in m)
        assert flows["subject.photo"].people == 0
        violations = [m for m in messages if m["kind"] == "entry_stay_exit_violation"]
        assert flows["crossings[].crossing_point"].messages == len(violations)
        assert flows["former_citizenship.evidence"].messages == sum(
            1 for m in messages if m.get("former_citizenship", {}).get("evidence")
        )
        assert "in_reply_to" not in flows

    def test_kind_flows_by_authority(self, messages: list[dict[str, Any]]) -> None:
        result = compute_exposure(messages)
        expected = Counter(
            (m["kind"], m["sender"]["authority"], m["recipient"]["authority"]) for m in messages
        )
        got = {
            (f.kind, f.sender_authority, f.recipient_authority): f.messages
            for f in result.kind_flows
        }
        assert got == dict(expected)


class TestEdgeCases:
    def test_empty_file(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.jsonl"
        path.write_bytes(b"")
        result = compute_exposure(path)
        assert result.input.lines == 0
        assert result.risk.records == 0
        assert result.risk.k is None
        assert result.diversity.distinct_l is None
        assert all(row.k is None for row in result.subsets)
        assert "No people" in render_markdown(result) or result.risk.records == 0

    def test_one_record(self) -> None:
        message = next(m for m in build_messages(10, seed=1) if "subject" in m)
        result = compute_exposure([message])
        assert (result.risk.records, result.risk.classes, result.risk.k) == (1, 1, 1)
        assert result.risk.sample_uniqueness == 1.0
        assert result.diversity.distinct_l == 1
        assert result.diversity.entropy_l == 1.0

    def test_every_record_identical_but_documents(self) -> None:
        base = next(m for m in build_messages(10, seed=2) if "subject" in m)
        copies = []
        for number in range(50):
            copy = orjson.loads(orjson.dumps(base))
            copy["subject"]["documents"][0]["number"] = f"N{number:08d}"
            copies.append(copy)
        result = compute_exposure(copies, threshold=0.2)
        assert (result.risk.records, result.risk.classes, result.risk.k) == (50, 1, 50)
        assert result.risk.sample_uniqueness == 0.0
        assert result.risk.records_at_risk == 0.0
        assert result.risk.prosecutor_highest == pytest.approx(1 / 50)

    def test_missing_values_are_a_value_of_their_own(self) -> None:
        """Two people without a locality share a class; one with it is apart."""
        people = [m for m in build_messages(60, seed=9) if "subject" in m][:3]
        for m in people:
            m["subject"].update(sex="F", date_of_birth="1980-01-01", ethnic_nationality="kazakh")
            m["subject"]["place_of_birth"]["locality"] = None
            m["subject"]["place_of_birth"]["region"]["latin"] = "R"
            m["subject"]["place_of_birth"]["country"] = "KAZ"
        people[2]["subject"]["place_of_birth"]["locality"] = {"cyrillic": "А", "latin": "A"}
        result = compute_exposure(people)
        assert sorted(dict(result.risk.class_sizes).items()) == [(1, 1), (2, 1)]

    @pytest.mark.parametrize("qi", ["nope", "date_of_birth,documents", "documents[].number"])
    def test_unknown_or_list_path_is_an_error(self, qi: str) -> None:
        with pytest.raises(QuasiIdentifierError):
            compute_exposure([], qi=qi)

    def test_bad_threshold(self) -> None:
        with pytest.raises(ValueError, match="threshold"):
            compute_exposure([], threshold=1.5)

    def test_unreadable_lines_are_skipped_and_counted(self, tmp_path: Path) -> None:
        good = [orjson.dumps(m) for m in build_messages(5, seed=4)]
        lines = [
            good[0],
            b"{not json",
            b"[1, 2]",
            b'{"kind": "nope"}',
            b'{"kind": "citizenship_acquisition"}',
            b"",
            *good[1:],
        ]
        path = write_lines(tmp_path / "mixed.jsonl", lines)
        result = compute_exposure(path, per_record=True)
        assert result.input.lines == len(lines)
        assert result.input.messages == len(good)
        assert result.input.skipped == {
            "input.blank_line": 1,
            "structure.missing_field": 1,
            "input.not_object": 1,
            "input.not_json": 1,
            "structure.unknown_kind": 1,
        }
        assert result.per_record is not None
        assert result.per_record["line"].to_list() == list(range(1, len(lines) + 1))

    @pytest.mark.parametrize("ending", [b"\n", b"\r\n", b""])
    def test_line_ends_blank_lines_and_no_final_newline(
        self, tmp_path: Path, ending: bytes
    ) -> None:
        """CRLF, blank and whitespace lines, and a last line without a newline."""
        good = [orjson.dumps(m) for m in build_messages(6, seed=5)]
        lines = [good[0], b"", b"", *good[1:4], b"   ", *good[4:]]
        path = tmp_path / "blocks.jsonl"
        path.write_bytes(b"\r\n".join(lines) if ending == b"\r\n" else b"\n".join(lines))
        path.write_bytes(path.read_bytes() + ending)
        result = compute_exposure(path, workers=1, per_record=True)
        assert result.input.lines == len(lines)
        assert result.input.skipped == {"input.blank_line": 3}
        assert result.per_record is not None
        people = result.per_record.filter(result.per_record["status"] == "person")
        assert people["line"].to_list() == [1, 4, 5, 6, 8, 9]

    def test_validate_skips_what_the_models_reject(self) -> None:
        messages = list(build_messages(20, seed=8))
        broken = orjson.loads(orjson.dumps(next(m for m in messages if "subject" in m)))
        broken["subject"]["sex"] = "X"
        result = compute_exposure([*messages, broken], validate=True)
        assert result.input.skipped == {"invalid": 1}
        # The default screen checks the sex too; --include-invalid keeps it, counted.
        assert compute_exposure([*messages, broken]).input.skipped == {"invalid": 1}
        kept = compute_exposure([*messages, broken], include_invalid=True).input
        assert (kept.skipped, kept.invalid, kept.invalid_included) == ({}, 1, True)


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


class TestInputs:
    def test_file_forms_agree(self, tmp_path: Path) -> None:
        """JSONL, a JSON array, parallel workers and in-memory records give one result."""
        jsonl = write_jsonl(tmp_path / "m.jsonl", 800, seed=2)
        records = [orjson.loads(line) for line in jsonl.read_bytes().splitlines()]
        array = tmp_path / "m.json"
        array.write_bytes(orjson.dumps(records))
        results = [
            compute_exposure(jsonl, workers=1, per_record=True),
            compute_exposure(jsonl, workers=2, per_record=True),
            compute_exposure(array, per_record=True),
            compute_exposure(records, per_record=True),
            compute_exposure(jsonl.read_bytes(), per_record=True),
        ]
        first = results[0]
        for other in results[1:]:
            assert other.risk == first.risk
            assert other.subsets == first.subsets
            assert other.field_flows == first.field_flows
            assert other.per_record is not None
            assert first.per_record is not None
            assert other.per_record.equals(first.per_record)

    @pytest.mark.parametrize("spool_bytes", [1 << 40, 4096])
    def test_stdin_is_read_whole_or_spooled_to_a_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spool_bytes: int
    ) -> None:
        """A large standard input goes through a temporary file (and the native reader)."""
        jsonl = write_jsonl(tmp_path / "m.jsonl", 300, seed=6)
        monkeypatch.setattr(_analyse, "STDIN_SPOOL_BYTES", spool_bytes)
        monkeypatch.setattr(_read, "NATIVE_MIN_BYTES", 0)
        read_from: list[object] = []
        original = _read.read_source

        def spy(source: Path | bytes, *args: Any, **kwargs: Any) -> Any:
            read_from.append(type(source))
            return original(source, *args, **kwargs)

        monkeypatch.setattr(_analyse, "read_source", spy)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(jsonl.read_bytes())))
        piped = compute_exposure("-", per_record=True)
        assert read_from == [bytes if spool_bytes > jsonl.stat().st_size else PosixPath]
        direct = compute_exposure(jsonl, per_record=True)
        assert piped.input.source == "-"
        assert piped.risk == direct.risk
        assert piped.subsets == direct.subsets
        assert piped.per_record is not None
        assert direct.per_record is not None
        assert piped.per_record.equals(direct.per_record)

    def test_models_are_accepted(self) -> None:
        from kzcn.messages import MessageAdapter  # noqa: PLC0415 - only this test needs it

        models = [MessageAdapter.validate_json(orjson.dumps(m)) for m in build_messages(30, seed=6)]
        dicts = list(build_messages(30, seed=6))
        assert compute_exposure(models).risk == compute_exposure(dicts).risk


class TestPerRecordAndReports:
    def test_per_record_never_echoes_values(self, messages: list[dict[str, Any]]) -> None:
        result = compute_exposure(messages, per_record=True)
        assert result.per_record is not None
        text = result.per_record.write_ndjson()
        for m in messages[:200]:
            subject = m.get("subject")
            if subject:
                assert subject["date_of_birth"] not in text
                assert subject["documents"][0]["number"] not in text
                assert subject["place_of_birth"]["locality"]["latin"] not in text

    def test_minimal_unique_subsets_are_minimal(self, messages: list[dict[str, Any]]) -> None:
        result = compute_exposure(messages, per_record=True)
        assert result.per_record is not None
        people = reference_people(messages)
        candidates = result.settings.candidates
        counts = {s: sizes(people, s) for n in range(1, 5) for s in combinations(candidates, n)}
        rows = result.per_record.filter(result.per_record["status"] == "person")
        by_line = {r["line"]: r for r in rows.iter_rows(named=True)}
        first_lines = [i + 1 for i, m in enumerate(messages) if "subject" in m][:50]
        for line in first_lines:
            subject = messages[line - 1]["subject"]
            unique = [s for s, c in counts.items() if c[tuple(key(subject, f) for f in s)] == 1]
            minimal = [s for s in unique if not any(set(t) < set(s) for t in unique)]
            row = by_line[line]
            if any(p is subject for p in people):
                assert row["unique_subset_count"] == len(unique)
                assert sorted(row["minimal_unique_subsets"]) == sorted("+".join(s) for s in minimal)

    def test_markdown_and_json_hold_the_same_numbers(self, messages: list[dict[str, Any]]) -> None:
        result = compute_exposure(messages)
        data = orjson.loads(render_json(result))
        markdown = render_markdown(result)
        assert data["format"] == "kzcn-exposure/1"
        assert data == result.to_dict()
        assert f"{data['risk']['sample_uniqueness'] * 100:.2f}%" in markdown
        assert f"{data['risk']['classes']:,}" in markdown
        for row in data["subsets"][:5]:
            assert f"{row['sample_uniqueness'] * 100:.2f}%" in markdown
        assert set(data) == {
            "format",
            "settings",
            "input",
            "flows",
            "risk",
            "diversity",
            "subsets",
            "ladder",
        }
