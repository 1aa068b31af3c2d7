"""Using kzcn from another Python project: validate, build, export, test.

Run it from the repository root: `python examples/use_in_your_project.py`.
Everything here is synthetic.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings

import kzcn
from kzcn.strategies import message_models

HERE = Path(__file__).resolve().parent


def validate_incoming(text: str) -> list[str]:
    """What a receiving service does: validate, and log codes and paths, never values."""
    result = kzcn.validate_message(text)
    return [f"{problem.path}: {problem.code}" for problem in result.problems]


def build_by_hand() -> kzcn.PersonRecord:
    """A record built in code; the models check it as it is made."""
    return kzcn.PersonRecord(
        surname=kzcn.BiscriptName(cyrillic="Қасымова", latin="KASYMOVA"),
        given_names=kzcn.BiscriptName(cyrillic="Айгүл", latin="AIGUL"),
        sex="F",
        date_of_birth=date(1990, 7, 2),
        place_of_birth=kzcn.Place(country="KAZ"),
        citizenship="KAZ",
        ethnic_nationality="kazakh",
        documents=[
            kzcn.IdentityDocument(
                document_type="identity_card",
                issuing_state="KAZ",
                number="012345678",
                date_of_issue=date(2020, 1, 10),
                date_of_expiry=date(2030, 1, 9),
                issuing_authority="МВД РК",
            )
        ],
    )


def export_schema(directory: Path) -> list[Path]:
    """The JSON Schema files, for consumers in other languages."""
    return kzcn.write_schema_files(directory)


@settings(max_examples=25, deadline=None)
@given(message_models())
def test_my_consumer_accepts_every_valid_message(message: kzcn.Message) -> None:
    """A property test of *your* code, fed by kzcn's strategies."""
    assert message.synthetic is True


def main() -> None:
    """Run the four uses and show what they give."""
    good = (HERE / "valid" / "citizenship_acquisition.json").read_text("utf-8")
    bad = (HERE / "invalid" / "latin_cyrillic_homoglyph.json").read_text("utf-8")
    print("valid message problems:", validate_incoming(good))
    print("homoglyph message problems:", validate_incoming(bad))
    person = build_by_hand()
    print("built by hand:", person.surname.latin, person.date_of_birth.isoformat())
    with tempfile.TemporaryDirectory() as tmp:
        written = export_schema(Path(tmp))
        ids = [json.loads(path.read_text("utf-8"))["$id"] for path in written]
        print("schema files:", ids)
    test_my_consumer_accepts_every_valid_message()
    print("property test: passed")


if __name__ == "__main__":
    main()
