"""The page's explorer, clicked in Chromium, shows the numbers `kzcn exposure --format json` gives.

A 20,000-message dataset is made and reported as a user would (`kzcn
generate`, `kzcn exposure --format html`); then, for each combination of
quasi-identifiers and levels, the test ticks and picks the controls
(`data-qi`, `data-level`) and reads the numbers (`data-metric`), and runs
`kzcn exposure --qi ... --format json` on the same file. A birth date kept to
the month, year or 5-year band has no `--qi` path of its own: those
combinations are compared with the JSON's ladder row for that level.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from browser import chrome

if TYPE_CHECKING:
    from collections.abc import Iterator

    from selenium.webdriver.chrome.webdriver import WebDriver

# A real browser over a 20,000-message report.
pytestmark = pytest.mark.slow

MESSAGES = 20_000


def _kzcn(*args: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "kzcn", *args], capture_output=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("explorer") / "messages.jsonl"
    _kzcn("generate", "-n", str(MESSAGES), "--seed", "18", "-o", str(path), "-q")
    return path


@pytest.fixture(scope="module")
def page(dataset: Path) -> Path:
    path = dataset.with_name("report.html")
    _kzcn("exposure", str(dataset), "--format", "html", "--out", str(path))
    return path


@pytest.fixture(scope="module")
def driver(page: Path) -> Iterator[WebDriver]:
    with chrome() as session:
        session.get(page.as_uri())
        yield session


@cache
def _json(dataset: Path, qi: str) -> dict[str, Any]:
    out = _kzcn("exposure", str(dataset), "--qi", qi, "--format", "json").stdout
    data: dict[str, Any] = orjson.loads(out)
    return data


def _choose(driver: WebDriver, choice: dict[str, str]) -> None:
    """Tick exactly the QIs of `choice` and pick their levels, by clicking."""
    for box in driver.find_elements("css selector", "#explorer input[type=checkbox][data-qi]"):
        qi = box.get_attribute("data-qi")
        assert qi is not None
        if box.is_selected() != (qi in choice):
            box.click()
        level = choice.get(qi, "value")
        radios = driver.find_elements(
            "css selector", f'#explorer input[type=radio][data-qi="{qi}"][data-level="{level}"]'
        )
        if qi in choice and radios and not radios[0].is_selected():
            radios[0].click()


def _shown(driver: WebDriver) -> dict[str, float]:
    values = {}
    for name in ("unique_share", "k", "classes", "l_distinct"):
        out = driver.find_element("css selector", f'#explorer [data-metric="{name}"]')
        value = out.get_attribute("data-value")
        assert value is not None
        values[name] = float(value)
    return values


# (explorer choice, --qi, ladder level or None: the JSON's main risk and l)
CASES = [
    (
        {"date_of_birth": "full", "sex": "value", "place_of_birth": "locality"},
        "date_of_birth,sex,place_of_birth.locality",
        None,
    ),
    ({"sex": "value", "citizenship": "value"}, "sex,citizenship", None),
    (
        {"date_of_birth": "full", "place_of_birth": "country"},
        "date_of_birth,place_of_birth.country",
        None,
    ),
    (
        {"sex": "value", "place_of_birth": "region", "citizenship": "value"},
        "sex,place_of_birth.region,citizenship",
        None,
    ),
    (
        {"date_of_birth": "year", "sex": "value", "place_of_birth": "region"},
        "date_of_birth,sex,place_of_birth.locality",
        ("year", "region"),
    ),
    (
        {"date_of_birth": "5-year band", "sex": "value", "place_of_birth": "country"},
        "date_of_birth,sex,place_of_birth.locality",
        ("5-year band", "country"),
    ),
    (
        {"date_of_birth": "month", "sex": "value", "place_of_birth": "locality"},
        "date_of_birth,sex,place_of_birth.locality",
        ("month", "locality"),
    ),
]


@pytest.mark.parametrize(("choice", "qi", "ladder"), CASES, ids=str)
def test_explorer_equals_the_json_report(
    driver: WebDriver,
    dataset: Path,
    choice: dict[str, str],
    qi: str,
    ladder: tuple[str, str] | None,
) -> None:
    _choose(driver, choice)
    shown = _shown(driver)
    data = _json(dataset, qi)
    if ladder is None:
        risk = data["risk"]
        expected = {
            "unique_share": risk["sample_uniqueness"],
            "k": risk["k"],
            "classes": risk["classes"],
            "l_distinct": data["diversity"]["distinct_l"],
        }
    else:
        row = next(r for r in data["ladder"] if (r["date_level"], r["place_level"]) == ladder)
        expected = {
            "unique_share": row["sample_uniqueness"],
            "k": row["k"],
            "classes": row["classes"],
        }
        shown.pop("l_distinct")
    assert shown == pytest.approx(expected, rel=1e-12)


def test_the_page_holds_codes_not_values(page: Path, dataset: Path) -> None:
    """No birth date, locality or nationality of the data appears in the page."""
    html = page.read_text("utf-8")
    data = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', html)
    assert data
    payload = orjson.loads(data.group(1))
    assert set(payload) >= {"n", "columns", "sensitive"}
    first = dataset.read_bytes().splitlines()[0]
    person = orjson.loads(first)["subject"]
    for value in (person["date_of_birth"], person["place_of_birth"]["locality"]["latin"]):
        assert value not in html
    # Each column is a packed array of small integers, one per person.
    column = payload["columns"]["date_of_birth:full"]
    assert len(base64.b64decode(column["data"])) == payload["n"] * column["width"]
