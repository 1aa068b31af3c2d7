"""End anchors as the schema and the Python engines read them (one scanner for both)."""

from __future__ import annotations

import re

import pytest

from kzcn._patterns import guard_end_anchors, python_end_anchors

CASES = [
    # pattern, guarded for the schema, as Python's re reads ECMA's `$`
    (r"^[A-Z]+$", r"^[A-Z]+$(?!\n)", r"^[A-Z]+\Z"),
    (r"^a$(?!\n)", r"^a$(?!\n)", r"^a\Z(?!\n)"),
    (r"^[$]x$", r"^[$]x$(?!\n)", r"^[$]x\Z"),
    (r"^\$$", r"^\$$(?!\n)", r"^\$\Z"),
    (r"^[^\]$]$", r"^[^\]$]$(?!\n)", r"^[^\]$]\Z"),
    (r"^(a$|b$)", r"^(a$(?!\n)|b$(?!\n))", r"^(a\Z|b\Z)"),
    (r"no anchor", r"no anchor", r"no anchor"),
]


@pytest.mark.parametrize(("pattern", "guarded", "python"), CASES)
def test_end_anchors(pattern: str, guarded: str, python: str) -> None:
    assert guard_end_anchors(pattern) == guarded
    assert guard_end_anchors(guarded) == guarded  # guarding twice changes nothing
    assert python_end_anchors(pattern) == python


@pytest.mark.parametrize("pattern", [c[0] for c in CASES if "$" in c[0]])
def test_neither_form_matches_before_a_final_newline(pattern: str) -> None:
    for form in (guard_end_anchors(pattern), python_end_anchors(pattern)):
        assert all(not re.search(form, text + "\n") for text in ("A", "a", "$x", "$", "b"))
