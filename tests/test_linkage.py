"""The linkage lesson: the public list, and how many exchanged people it names."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import orjson
import polars as pl
import pytest

from kzcn.exposure.linkage import LinkageError, compute_linkage
from kzcn.synth.outside import OUTSIDE_COLUMNS, outside_profiles, write_outside_list


def _persons(*rows: tuple[str, str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"date_of_birth": d, "sex": s, "place_locality": town} for d, s, town in rows],
        schema={"date_of_birth": pl.String, "sex": pl.String, "place_locality": pl.String},
    )


def _list(tmp_path: Path, *rows: tuple[str, str, str]) -> Path:
    path = tmp_path / "public.csv"
    lines = ["name,date_of_birth,sex,home_town", *(f"X,{d},{s},{t}" for d, s, t in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


A, B, C = ("1990-01-01", "F", "AKTOBE"), ("1985-05-05", "M", "YUMIN"), ("1970-07-07", "F", "TURAN")


@pytest.mark.parametrize(
    ("dataset", "public", "matched", "named", "highest", "success"),
    [
        # A alone on both sides: named. B twice in the list: found, not named.
        ([A, B, C], [A, B, B], 2, 1, 1.0, (1 + 1 / 2) / 3),
        # A twice in the exchange, once in the list: ARX takes F = max(F, f) = 2.
        ([A, A, B], [A, C], 2, 0, 1 / 2, (2 / 2) / 3),
        # Nobody in the list: nothing linkable.
        ([A, B], [C], 0, 0, 0.0, 0.0),
        # Case and spaces in the list do not hide a match; a missing town never matches.
        ([A, (B[0], B[1], None)], [(A[0], " f ", "aktobe "), (B[0], B[1], "")], 1, 1, 1.0, 1 / 2),
    ],
)
def test_linkage_counts_and_journalist_risk(  # noqa: PLR0913, PLR0917 - one row of the table
    tmp_path: Path,
    dataset: list[tuple[str, str, str | None]],
    public: list[tuple[str, str, str]],
    matched: int,
    named: int,
    highest: float,
    success: float,
) -> None:
    result = compute_linkage(_persons(*dataset), _list(tmp_path, *public), 0.2)
    assert (result.people, result.profiles) == (len(dataset), len(public))
    assert (result.matched, result.reidentified) == (matched, named)
    assert result.journalist_highest == pytest.approx(highest)
    assert result.journalist_success == pytest.approx(success)


def test_a_list_without_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,born\nX,1990\n", encoding="utf-8")
    with pytest.raises(LinkageError, match="no column date_of_birth, sex, home_town"):
        compute_linkage(_persons(A), path, 0.2)


def test_outside_list_is_seeded_and_mixes_insiders_with_strangers() -> None:
    first = io.BytesIO()
    count = write_outside_list(first, 400, seed=5, overlap=0.5)
    again = io.BytesIO()
    write_outside_list(again, 400, seed=5, overlap=0.5)
    assert first.getvalue() == again.getvalue()
    rows = list(csv.DictReader(io.StringIO(first.getvalue().decode())))
    assert len(rows) == count > 0
    assert tuple(rows[0]) == OUTSIDE_COLUMNS
    assert outside_profiles(400, seed=5, overlap=0.0) == []
    with pytest.raises(ValueError, match="between 0 and 1"):
        outside_profiles(10, overlap=1.5)


def _kzcn(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kzcn", *args],
        capture_output=True,
        check=False,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.slow  # generate and exposure as processes
def test_generate_and_link_as_a_user_types(tmp_path: Path) -> None:
    made = _kzcn(
        "generate", "-n", "3000", "--seed", "4", "-o", "m.jsonl",
        "--outside-list", "public.csv", "--outside-share", "0.4", cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    done = _kzcn("exposure", "m.jsonl", "--linkage", "public.csv", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    linkage = orjson.loads(done.stdout)["linkage"]
    # About 40% of the people have a profile, and nearly all of them are alone on the
    # three details in a dataset this size, so about 40% are named.
    assert 0.3 < linkage["reidentified_share"] < 0.5
    assert linkage["reidentified"] <= linkage["matched"] <= linkage["people"]
    page = _kzcn("exposure", "m.jsonl", "--linkage", "public.csv", "--format", "html",
                 "--lang", "kk", "--out", "r.html", cwd=tmp_path)  # fmt: skip
    assert page.returncode == 0, page.stderr
    html = (tmp_path / "r.html").read_text("utf-8")
    assert 'id="linkage-headline"' in html
    assert f"{linkage['reidentified']:,}".replace(",", "\u00a0") in html
    bad = _kzcn("exposure", "m.jsonl", "--linkage", "m.jsonl", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith(b"kzcn: error: m.jsonl: cannot be read as CSV")
