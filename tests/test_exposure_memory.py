"""The report in bounded steps (issue 20): tables released early, DuckDB under a memory limit.

The lean path (no per-record output, no persons kept) drops each table once
it is counted; the full path keeps them all, as the report did before. Both
must give the same JSON report, byte for byte, read by DuckDB or by Python.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from cli_runner import invoke_command
from kzcn.exposure import _read, compute_exposure, render_json
from kzcn.synth import generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("memory") / "generated.jsonl"
    path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in generate(4_000, seed=5)))
    return path


def _report(path: Path, **options: Any) -> str:
    result = compute_exposure(path, **options)
    return render_json(replace(result, per_record=None, persons=None))


@pytest.mark.parametrize("native_min_bytes", [0, 2**62], ids=["duckdb", "python"])
def test_the_lean_path_gives_the_report_of_the_full_one(
    generated: Path, native_min_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_read, "NATIVE_MIN_BYTES", native_min_bytes)
    lean = _report(generated)
    full = _report(generated, per_record=True, keep_persons=True)
    assert lean == full
    assert orjson.loads(lean)["input"]["recurring_persons"] > 0
    assert _report(generated, memory_limit="64MB") == lean


def test_the_memory_limit_reaches_duckdb(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_read, "NATIVE_MIN_BYTES", 0)
    seen: list[dict[str, Any]] = []
    connect = duckdb.connect

    def spy(database: str, **options: Any) -> duckdb.DuckDBPyConnection:
        seen.append(options.get("config", {}))
        return connect(database, **options)

    monkeypatch.setattr(duckdb, "connect", spy)
    compute_exposure(generated, memory_limit=" 300MiB ")
    compute_exposure(generated)
    assert [c.get("memory_limit") for c in seen] == ["300MiB", None]


@pytest.mark.parametrize("limit", ["3XB", "", "GB", "-1GB", "2 GB of RAM"])
def test_a_memory_limit_that_is_no_size_is_refused(generated: Path, limit: str) -> None:
    with pytest.raises(ValueError, match="memory limit must be a size"):
        compute_exposure(generated, memory_limit=limit)


@pytest.mark.parametrize(("limit", "code"), [("512MiB", 0), ("1.5GB", 0), ("lots", 2)])
def test_cli_memory_limit(generated: Path, limit: str, code: int) -> None:
    status, out = invoke_command(
        "exposure", [str(generated), "--memory-limit", limit, "--format", "json"]
    )
    assert status == code
    if code:
        assert "memory limit must be a size" in out
    else:
        assert orjson.loads(out)["input"]["messages"] == 4_000
