"""The reports' words: complete in four languages, numbers in each locale, escaped Markdown."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from cli_runner import invoke_command
from exposure_fixtures import write_jsonl
from kzcn.authorities import Language
from kzcn.dictionary import LANGUAGES, labels
from kzcn.exposure._format import words
from kzcn.exposure.report_text import md_code, md_text
from test_html import ALLOWED_LATIN


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["ru", "kk", "zh"])
def test_every_report_word_is_translated_with_the_same_placeholders(lang: Language) -> None:
    english = labels("en").raw["report"]
    other = labels(lang).raw["report"]
    assert set(other) == set(english)
    wrong = {k for k in english if _placeholders(other[k]) != _placeholders(english[k])}
    assert wrong == set()
    # A translation is not the English left in place (codes and symbols aside).
    same = {k for k in english if other[k] == english[k] and any(c.isalpha() for c in other[k])}
    assert same <= {"term.k", "term.l", "skipped", "list_separator", "path_separator"}


@pytest.mark.parametrize(
    ("lang", "count", "percent", "ratio"),
    [
        ("en", "1,234,567", "98.41%", "0.5000"),
        ("ru", "1\u00a0234\u00a0567", "98,41\u00a0%", "0,5000"),
        ("kk", "1\u00a0234\u00a0567", "98,41%", "0,5000"),
        ("zh", "1,234,567", "98.41%", "0.5000"),
    ],
)
def test_numbers_are_formatted_for_the_locale(
    lang: Language, count: str, percent: str, ratio: str
) -> None:
    w = words(lang)
    assert (w.count(1_234_567), w.percent(0.98412), w.ratio(0.5)) == (count, percent, ratio)
    assert w.count(None) == "-"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a\nb\r\nc", "a b c"),
        ("x | y", "x \\| y"),
        ("*bold* _it_ `code` [link]", "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\]"),
        ("# heading", "\\# heading"),
        ("AT&T", "AT&amp;T"),
        ("Дата рождения", "Дата рождения"),
    ],
)
def test_markdown_text_is_literal(raw: str, escaped: str) -> None:
    assert md_text(raw) == escaped


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("place_of_birth.locality", "`place_of_birth.locality`"),
        ("subject.documents[].number", "`subject.documents[].number`"),
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("a`b", "a\\`b"),
    ],
)
def test_markdown_codes_only_hold_plain_codes(raw: str, shown: str) -> None:
    assert md_code(raw) == shown


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("i18n") / "[bold]m[red].jsonl", 300, seed=8)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_terminal_report_is_in_the_language_and_prints_names_literally(
    dataset: Path, lang: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(dataset.parent)  # a short name, so the table does not wrap it
    code, out = invoke_command("exposure", [dataset.name, "--lang", lang], None)
    assert code == 0
    w = words(lang)
    for key in ("title", "risk.title", "glossary.title", "method.title"):
        assert w.t(key) in out
    # Nothing is cut short (Chinese has no spaces to wrap at).
    assert "…" not in out
    # Rich markup in a file name is printed as it is, not interpreted.
    assert "[bold]m[red].jsonl" in out.replace("\n", "")


def test_markdown_report_in_chinese(dataset: Path) -> None:
    code, out = invoke_command("exposure", [str(dataset), "--lang", "zh", "--format", "md"], None)
    assert code == 0
    assert out.startswith("# 隐私暴露报告\n")
    # A plain path goes in a code span, where brackets are literal.
    assert f"`{dataset}`" in out
    # Outside code spans, no English: the same allow-list as the HTML page's.
    prose = re.sub(r"`[^`]*`", " ", out)
    assert set(re.findall(r"[A-Za-z]+", prose)) - ALLOWED_LATIN == set()
