"""Names in two scripts: every diagnosis has its own code."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import ValidationError

from kzcn.types import BiscriptName, Script, name_problem


@pytest.mark.parametrize(
    ("value", "script", "code"),
    [
        ("NURLAN", "latin", None),
        ("O'NEIL", "latin", None),
        ("ABU-BAKR SIDDIQ", "latin", None),
        ("Нұрлан", "cyrillic", None),
        ("Серікқызы", "cyrillic", None),
        ("Ёлкин-Щеглов", "cyrillic", None),
        ("ІҢҒӘӨҰҮҺ", "cyrillic", None),
        ("NURLАN", "latin", "name.homoglyph"),  # Cyrillic А
        ("NURLAN", "cyrillic", "name.wrong_script"),  # no Cyrillic letter at all
        ("Нурлaн", "cyrillic", "name.homoglyph"),  # Latin a
        ("ҚАЗАҚ", "latin", "name.wrong_script"),  # a whole Cyrillic name in the Latin field
        ("ЖУНУС", "latin", "name.wrong_script"),
        ("Нурлан HAN", "cyrillic", "name.homoglyph"),  # H, A look like Н, А among Cyrillic
        ("ЖЖ", "latin", "name.wrong_script"),
        ("NUR木", "latin", "name.wrong_script"),
        ("Нурwан", "cyrillic", "name.wrong_script"),
        ("NUR\u200bLAN", "latin", "name.invisible_character"),
        ("\u202eNURLAN", "latin", "name.invisible_character"),
        ("NURLAN\ufeff", "latin", "name.invisible_character"),
        ("НУР\u2060ЛАН", "cyrillic", "name.invisible_character"),
        (unicodedata.normalize("NFD", "Йорш"), "cyrillic", "name.not_nfc"),
        (" NURLAN", "latin", "name.whitespace"),
        ("NURLAN ", "latin", "name.whitespace"),
        ("NUR  LAN", "latin", "name.whitespace"),
        ("NURLAN\n", "latin", "name.whitespace"),
        ("NUR\tLAN", "latin", "name.whitespace"),
        ("Nurlan", "latin", "name.lowercase"),
        ("NURLAN2", "latin", "name.invalid_character"),
        ("NUR--LAN", "latin", "name.invalid_character"),
        ("-NURLAN", "latin", "name.invalid_character"),
        ("ÉMILE", "latin", "name.invalid_character"),
        ("Нур'лан", "cyrillic", "name.invalid_character"),  # no apostrophe in Cyrillic
    ],
)
def test_name_problem_table(value: str, script: Script, code: str | None) -> None:
    assert name_problem(value, script) == code


@pytest.mark.parametrize(("field", "value"), [("cyrillic", ""), ("latin", "A" * 65)])
def test_name_length_limits(field: str, value: str) -> None:
    data = {"cyrillic": "Нұрлан", "latin": "NURLAN", field: value}
    with pytest.raises(ValidationError) as caught:
        BiscriptName.model_validate(data)
    assert [e["type"] for e in caught.value.errors()] == [
        "string_too_short" if not value else "string_too_long"
    ]


def test_name_error_never_echoes_the_value() -> None:
    with pytest.raises(ValidationError) as caught:
        BiscriptName(cyrillic="Нұрлан", latin="SECRETNАME")
    assert "SECRET" not in str(caught.value)
    assert caught.value.errors()[0]["type"] == "name.homoglyph"
