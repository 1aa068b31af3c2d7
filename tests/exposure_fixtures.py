"""A small seeded builder of message datasets for the exposure tests and benchmark.

It varies the subject fields of the example messages (`examples/valid/`) with a
seeded `random.Random`, so the exposure tests do not depend on the synthetic
generator (`kzcn.synth`, built in parallel). Records are model-valid: the MRZ
and personal number are left out (both optional) so no check digit has to be
computed, document numbers follow the real formats, and dates agree.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "valid"

#: (country, region cyrillic, region latin, locality cyrillic, locality latin, admin code)
PLACES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("KAZ", "Алматы", "ALMATY", "Алматы", "ALMATY", "750000000"),
    ("KAZ", "Астана", "ASTANA", "Астана", "ASTANA", "710000000"),
    ("KAZ", "Алматинская область", "ALMATY REGION", "Жаркент", "ZHARKENT", "195620100"),
    ("KAZ", "Алматинская область", "ALMATY REGION", "Талгар", "TALGAR", "196220100"),
    (
        "KAZ",
        "Восточно-Казахстанская область",
        "EAST KAZAKHSTAN REGION",
        "Зайсан",
        "ZAISAN",
        "634820100",
    ),
    ("KAZ", "Шымкент", "SHYMKENT", "Шымкент", "SHYMKENT", "790000000"),
    ("KAZ", "Карагандинская область", "KARAGANDA REGION", "Караганда", "KARAGANDA", "351010000"),
    (
        "CHN",
        "Или-Казахский автономный округ",
        "ILI KAZAKH AUTONOMOUS PREFECTURE",
        "Кульджа",
        "YINING",
        "654002",
    ),
    (
        "CHN",
        "Или-Казахский автономный округ",
        "ILI KAZAKH AUTONOMOUS PREFECTURE",
        "Хоргос",
        "HUOCHENG",
        "654023",
    ),
    (
        "CHN",
        "Или-Казахский автономный округ",
        "ILI KAZAKH AUTONOMOUS PREFECTURE",
        "Чапчал",
        "QAPQAL",
        "654022",
    ),
    ("CHN", "Урумчи", "URUMQI", "Урумчи", "URUMQI", "650102"),
    ("CHN", "Алтайский округ", "ALTAY PREFECTURE", "Алтай", "ALTAY", "654301"),
    ("CHN", "Тарбагатайский округ", "TACHENG PREFECTURE", "Чугучак", "TACHENG", "654201"),
)
ETHNIC = ("kazakh", "uyghur", "han", "hui", "kyrgyz", "dungan", "russian", "uzbek", "tatar")
ETHNIC_WEIGHTS = (55, 15, 12, 2, 2, 2, 8, 2, 2)
SURNAMES = (("Нурлан", "NURLAN"), ("Ахметов", "AKHMETOV"), ("Ли", "LI"), ("Иванова", "IVANOVA"))
GIVEN = (("Халим", "KHALIM"), ("Айгерим", "AIGERIM"), ("Вэй", "WEI"), ("Анна", "ANNA"))

PERSON_KINDS = (
    "citizenship_acquisition",
    "prior_citizenship_change",
    "citizenship_status_reply",
    "entry_stay_exit_violation",
)
KIND_WEIGHTS = (50, 15, 10, 20, 3, 2)
ALL_KINDS = (*PERSON_KINDS, "visa_free_statistics", "suspension_notice")


def load_examples() -> dict[str, bytes]:
    """The example message of every kind as compact JSON, subject left out, keyed by kind.

    Kept as bytes: `orjson.loads` of a template is much faster than `copy.deepcopy`.
    """
    out: dict[str, bytes] = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        message = orjson.loads(path.read_bytes())
        message.pop("subject", None)
        out[message["kind"]] = orjson.dumps(message)
    return out


def _document_number(rng: random.Random, state: str, issued: date) -> str:
    if state == "KAZ":
        return "N" + "".join(rng.choices("0123456789", k=8))
    letter = rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
    digits = "".join(rng.choices("0123456789", k=7))
    # E + a letter from 5 April 2017, E + 8 digits before (the same draws either way).
    return "E" + (letter if issued >= date(2017, 4, 5) else "0") + digits


def _person(rng: random.Random, citizenship: str) -> dict[str, Any]:
    """A subject with seeded demographic values and one passport."""
    age_days = rng.randint(18 * 365, 80 * 365)
    born = date(2024, 1, 1) - timedelta(days=age_days)
    place = rng.choice(PLACES)
    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
    issued = max(born + timedelta(days=16 * 365), date(2015, 1, 1)) + timedelta(
        days=rng.randint(0, 900)
    )
    return {
        "surname": {"cyrillic": surname[0], "latin": surname[1]},
        "given_names": {"cyrillic": given[0], "latin": given[1]},
        "patronymic": None,
        "name_national": None,
        "sex": rng.choice("FM"),
        "date_of_birth": born.isoformat(),
        "place_of_birth": {
            "country": place[0],
            "region": {"cyrillic": place[1], "latin": place[2]},
            "locality": {"cyrillic": place[3], "latin": place[4]},
            "admin_code": place[5],
        },
        "citizenship": citizenship,
        "ethnic_nationality": rng.choices(ETHNIC, ETHNIC_WEIGHTS)[0],
        "personal_number": None,
        "documents": [
            {
                "document_type": "passport",
                "issuing_state": citizenship,
                "series": None,
                "number": _document_number(rng, citizenship, issued),
                "date_of_issue": issued.isoformat(),
                "date_of_expiry": (issued + timedelta(days=3650)).isoformat(),
                "issuing_authority": "MIA" if citizenship == "KAZ" else "NIA",
                "mrz": None,
            }
        ],
        "photo": None,
    }


_AUTHORITY = {"KAZ": "KAZ_MIA", "CHN": "CHN_NIA"}
# Through the diplomatic channel: China's foreign ministry is a competent authority;
# Kazakhstan's only carries the message.
_DIPLOMATIC_AUTHORITY = {"KAZ": "KAZ_MIA", "CHN": "CHN_MFA"}
_MFA = {"KAZ": "KAZ_MFA", "CHN": "CHN_MFA"}
_OTHER = {"KAZ": "CHN", "CHN": "KAZ"}


def _envelope(message: dict[str, Any], rng: random.Random, sender: str) -> None:
    diplomatic = message["channel"] == "diplomatic"
    authority = _DIPLOMATIC_AUTHORITY if diplomatic else _AUTHORITY
    message["message_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    message["sender"] = {"state": sender, "authority": authority[sender]}
    receiver = _OTHER[sender]
    message["recipient"] = {"state": receiver, "authority": authority[receiver]}
    message["carrier"] = _MFA[sender] if diplomatic else None


def _fit_crossings(message: dict[str, Any]) -> None:
    number = message["subject"]["documents"][0]["number"]
    for crossing in message.get("crossings", []):
        crossing["document_number"] = number


def build_messages(count: int, seed: int, *, repeat_rate: float = 0.05) -> Iterator[dict[str, Any]]:
    """`count` messages of all six kinds; about `repeat_rate` of subjects recur.

    A recurring subject is an earlier person sent again (same documents), as a
    status reply about someone on an earlier list would be.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    examples = load_examples()
    people: list[dict[str, Any]] = []
    for _ in range(count):
        kind = rng.choices(ALL_KINDS, KIND_WEIGHTS)[0]
        message = orjson.loads(examples[kind])
        sender = rng.choice(("KAZ", "KAZ", "CHN")) if kind in PERSON_KINDS else "KAZ"
        _envelope(message, rng, sender)
        if kind in PERSON_KINDS:
            # Whose citizen the subject is follows the kind's rule (`kzcn.messages`).
            citizenship = (
                sender if kind.startswith(("citizenship_acq", "prior")) else _OTHER[sender]
            )
            if kind.startswith(("citizenship_acq", "prior")):
                message["former_citizenship"]["state"] = _OTHER[sender]
            recurring = (
                [p for p in people[-50:] if p["citizenship"] == citizenship]
                if rng.random() < repeat_rate
                else []
            )
            if recurring:
                person = rng.choice(recurring)
            else:
                person = _person(rng, citizenship)
                people.append(person)
            message["subject"] = person
            _fit_crossings(message)
        yield message


def write_jsonl(path: Path, count: int, seed: int, **options: Any) -> Path:
    """Write `count` messages as JSONL to `path` and return it."""
    with path.open("wb") as out:
        for message in build_messages(count, seed, **options):
            out.write(orjson.dumps(message))
            out.write(b"\n")
    return path
