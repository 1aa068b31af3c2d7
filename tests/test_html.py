"""The HTML report: self-contained, translated, escaped, readable in Chromium at 390 and 1280 px."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from browser import chrome, set_width
from exposure_fixtures import build_messages
from kzcn.authorities import Language
from kzcn.dictionary import LANGUAGES
from kzcn.exposure import ExposureResult, compute_exposure, render_html, render_markdown
from kzcn.exposure.explorer import explorer_for
from kzcn.exposure.result import KindFlow

if TYPE_CHECKING:
    from collections.abc import Iterator

    from selenium.webdriver.chrome.webdriver import WebDriver

#: Latin-script words a translated page may hold: names of laws and tools, and
#: the letters the metrics are called by.
ALLOWED_LATIN = {"ARX", "GDPR", "PIPL", "JSON", "JavaScript", "V", "k", "l", "kzcn", "demo"}


@pytest.fixture(scope="module")
def result() -> ExposureResult:
    return compute_exposure(list(build_messages(1200, seed=31)), keep_persons=True)


@pytest.fixture(scope="module")
def pages(result: ExposureResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("html")
    found: dict[str, Path] = {}
    for lang in LANGUAGES:
        path = folder / f"report.{lang}.html"
        path.write_text(render_html(result, lang, explorer_for(result)), encoding="utf-8")
        found[lang] = path
    return found


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    with chrome() as session:
        yield session


class _Text(HTMLParser):
    """Visible text and spoken attributes, without code, scripts and styles."""

    SKIP = frozenset({"code", "script", "style"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1
        self.parts += [v or "" for k, v in attrs if k in {"aria-label", "data-label", "title"}]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def _latin_words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return set(re.findall(r"[A-Za-z]+", " ".join(parser.parts))) - ALLOWED_LATIN


@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_is_self_contained_and_in_its_language(pages: dict[str, Path], lang: str) -> None:
    text = pages[lang].read_text("utf-8")
    assert f'<html lang="{lang}">' in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "@import" not in text
    assert "default-src 'none'" in text
    # The one executable script is the explorer's, allowed by its hash.
    assert len(re.findall(r"<script>", text)) == 1
    assert "script-src 'sha256-" in text
    for chart in ("chart-histogram", "chart-subsets", "chart-ladder"):
        assert f'id="{chart}"' in text


@pytest.mark.parametrize("lang", ["ru", "kk", "zh"])
def test_translated_page_has_no_english_outside_codes(pages: dict[str, Path], lang: str) -> None:
    assert _latin_words(pages[lang].read_text("utf-8")) == set()


def test_english_page_is_caught_by_the_english_check(pages: dict[str, Path]) -> None:
    """The check above would notice English: the English page is full of it."""
    assert {"Privacy", "exposure", "report"} <= _latin_words(pages["en"].read_text("utf-8"))


def _hostile(result: ExposureResult) -> ExposureResult:
    evil = "<script>alert(1)</script>\n# | `x` **y**"
    flows = (KindFlow("citizenship_acquisition", "KAZ", evil, "CHN", evil, 3),)
    return replace(result, input=replace(result.input, source=evil), kind_flows=flows)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_everything_printed_is_escaped(result: ExposureResult, lang: Language) -> None:
    hostile = _hostile(result)
    html = render_html(hostile, lang)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = render_markdown(hostile, lang)
    assert "<script" not in markdown
    assert "\n# |" not in markdown
    # Every table row is still one line: the newline did not split it.
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert all(line.endswith("|") for line in rows)
    assert any("&lt;script&gt;alert" in line for line in rows)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_sideways_scrolling_on_a_phone(
    driver: WebDriver, pages: dict[str, Path], lang: str
) -> None:
    driver.get(pages[lang].as_uri())
    set_width(driver, 390, mobile=True)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390


def test_charts_are_drawn_at_desktop_width(
    driver: WebDriver, pages: dict[str, Path], result: ExposureResult
) -> None:
    driver.get(pages["en"].as_uri())
    set_width(driver, 1280, mobile=False)
    heights = driver.execute_script(
        "return [...document.querySelectorAll('#chart-histogram .bar')]"
        ".map(b => b.getBoundingClientRect().height)"
    )
    assert len(heights) == 9
    assert heights[0] > 100  # most people are alone: the first bar is the tallest
    widths = driver.execute_script(
        "return [...document.querySelectorAll('#chart-subsets .bar')]"
        ".map(b => b.getBoundingClientRect().width)"
    )
    assert len(widths) == len(result.subsets)
    assert max(widths) > 200
    assert len(driver.find_elements("css selector", "#chart-ladder td.cell")) == 12
    explorer = driver.execute_script(
        "return [...document.querySelectorAll('#explorer-histogram .bar')]"
        ".map(b => b.getBoundingClientRect().height)"
    )
    assert max(explorer) > 100


def test_print_gives_a4_pages(driver: WebDriver, pages: dict[str, Path]) -> None:
    driver.get(pages["en"].as_uri())
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})
    import base64  # noqa: PLC0415

    data = base64.b64decode(pdf["data"])
    # A4 is 595 x 842 points; the explorer is left out of the handout.
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox [0 0 594" in data
