"""The stay calculator: hand-worked cases and a naive day-by-day reference."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzcn.stays import Breach, Crossing, StayReport, compute_stays

D = date.fromisoformat


def _stay(entered: str, exited: str | None) -> list[Crossing]:
    found = [Crossing("entry", D(entered))]
    return found + ([Crossing("exit", D(exited))] if exited else [])


def _history(*stays: tuple[str, str | None]) -> list[Crossing]:
    return [crossing for entered, exited in stays for crossing in _stay(entered, exited)]


# Hand-worked: (history, as_of, expected breaches as (rule, first day in breach),
# expected days used on as_of, the last stay's last permitted day).
CASES = [
    # 29, 30 and 31 days counting both ends: 1 Mar .. 29/30/31 Mar.
    (_history(("2024-03-01", "2024-03-29")), None, [], 29, "2024-03-30"),
    (_history(("2024-03-01", "2024-03-30")), None, [], 30, "2024-03-30"),
    (
        _history(("2024-03-01", "2024-03-31")),
        None,
        [("single_stay", "2024-03-31")],
        31,
        "2024-03-30",
    ),
    # One day: in and out on the same day is one day of stay.
    (_history(("2024-05-05", "2024-05-05")), None, [], 1, "2024-06-03"),
    # 3 x 29 = 87 days inside 180: allowed; a fourth stay may last 3 days only.
    (
        _history(
            ("2024-01-01", "2024-01-29"),
            ("2024-02-10", "2024-03-09"),
            ("2024-03-20", "2024-04-17"),
            ("2024-04-20", "2024-04-22"),
        ),
        None,
        [],
        90,
        "2024-04-22",
    ),
    (
        _history(
            ("2024-01-01", "2024-01-29"),
            ("2024-02-10", "2024-03-09"),
            ("2024-03-20", "2024-04-17"),
            ("2024-04-20", "2024-04-23"),
        ),
        None,
        [("cumulative", "2024-04-23")],
        91,
        "2024-04-22",
    ),
    # Leap year: 2024-02-29 is a day; 2024-02-15 .. 2024-03-15 is 30 days.
    (_history(("2024-02-15", "2024-03-15")), None, [], 30, "2024-03-15"),
    (
        _history(("2023-02-15", "2023-03-17")),
        None,
        [("single_stay", "2023-03-17")],
        31,
        "2023-03-16",
    ),
    # Straddling the window: 30 + 30 + 30 days. The fourth stay enters on 29 Jun, when
    # the window (2 Jan .. 29 Jun) holds 29 + 60 + 1 = 90; each further day drops one day
    # of the first stay as it adds one, so 90 are used on every day (on 5 Jul: 8 Jan ..
    # 5 Jul holds 23 + 60 + 7) and the 30-day rule, not the 90, ends it on 28 Jul.
    (
        _history(
            ("2024-01-01", "2024-01-30"),
            ("2024-02-15", "2024-03-15"),
            ("2024-04-01", "2024-04-30"),
            ("2024-06-29", "2024-07-05"),
        ),
        None,
        [],
        90,
        "2024-07-28",
    ),
    # The fourth stay enters on day 180 of a window holding 90 days: the day of entry
    # itself breaks the rule, so the last permitted day is the day before.
    (
        _history(
            ("2024-01-01", "2024-01-30"),
            ("2024-02-15", "2024-03-15"),
            ("2024-04-01", "2024-04-30"),
            ("2024-05-10", "2024-05-12"),
        ),
        None,
        [("cumulative", "2024-05-10")],
        93,
        "2024-05-09",
    ),
    # Exit and re-entry on the same day: that day counts once (10 + 11 - 1 = 20), and the
    # second stay has 30 days of its own from the re-entry.
    (
        _history(("2024-03-01", "2024-03-10"), ("2024-03-10", "2024-03-20")),
        None,
        [],
        20,
        "2024-04-08",
    ),
    # An open stay read on a later day counts up to that day.
    (
        _history(("2024-03-01", None)),
        "2024-04-15",
        [("single_stay", "2024-03-31")],
        46,
        "2024-03-30",
    ),
    (_history(("2024-03-01", None)), "2024-03-20", [], 20, "2024-03-30"),
]


@pytest.mark.parametrize(("history", "as_of", "breaches", "used", "limit"), CASES)
def test_hand_worked_cases(
    history: list[Crossing],
    as_of: str | None,
    breaches: list[tuple[str, str]],
    used: int,
    limit: str,
) -> None:
    report = compute_stays(history, D(as_of) if as_of else None)
    assert [(b.rule, b.on.isoformat()) for b in report.breaches] == breaches
    assert report.days_used == used
    assert report.stays[-1].last_permitted_day == D(limit)
    assert report.overstayed is bool(breaches)


def test_a_visa_stay_is_bound_by_the_visa_and_adds_no_visa_free_days() -> None:
    history = [
        Crossing("entry", D("2024-01-01"), "visa", D("2024-06-30")),
        Crossing("exit", D("2024-06-30")),
        Crossing("entry", D("2024-07-01")),
        Crossing("exit", D("2024-07-30")),
    ]
    report = compute_stays(history)
    assert report.breaches == ()
    assert report.days_used == 30
    late = compute_stays([*history[:1], Crossing("exit", D("2024-07-02"))])
    assert late.breaches == (Breach("visa_validity", D("2024-07-01"), 0),)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # Two entries without an exit between them.
        (
            [Crossing("entry", D("2024-01-01")), Crossing("entry", D("2024-01-05"))],
            [("crossing_order", "2024-01-05")],
        ),
        # Two exits without an entry.
        (
            [
                Crossing("entry", D("2024-01-01")),
                Crossing("exit", D("2024-01-05")),
                Crossing("exit", D("2024-01-09")),
            ],
            [("crossing_order", "2024-01-09")],
        ),
        # A history that opens with an exit began before its records: no breach.
        (
            [
                Crossing("exit", D("2024-01-01")),
                Crossing("entry", D("2024-02-01")),
                Crossing("exit", D("2024-02-05")),
            ],
            [],
        ),
    ],
)
def test_crossings_out_of_order(history: list[Crossing], expected: list[tuple[str, str]]) -> None:
    report = compute_stays(history)
    assert [(b.rule, b.on.isoformat()) for b in report.breaches] == expected
    assert report.overstayed is False


# --- the naive reference: every day of stay in a set, every window counted -----------


def _naive(crossings: list[Crossing], as_of: date) -> tuple[list[tuple[str, date]], int]:
    """Breaches (rule, first day) and days used on as_of, one day at a time."""
    ordered = sorted(
        (c for c in crossings if c.on <= as_of), key=lambda c: (c.on, c.direction == "entry")
    )
    stays: list[tuple[Crossing, date]] = []
    breaches: list[tuple[str, date]] = []
    inside: Crossing | None = None
    exits = 0
    for crossing in ordered:
        if crossing.direction == "entry":
            if inside is not None:
                breaches.append(("crossing_order", crossing.on))
            else:
                inside = crossing
        elif inside is not None:
            stays.append((inside, crossing.on))
            inside = None
        elif exits or stays:
            breaches.append(("crossing_order", crossing.on))
        exits += crossing.direction == "exit"
    if inside is not None:
        stays.append((inside, as_of))
    days: set[date] = set()
    for entry, last in stays:
        day = entry.on
        broken = False
        while day <= last:
            if entry.basis == "visa_free":
                days.add(day)
                in_window = sum(1 for k in range(180) if day - timedelta(days=k) in days)
                if not broken and ((day - entry.on).days + 1 > 30 or in_window > 90):
                    rule = "single_stay" if (day - entry.on).days + 1 > 30 else "cumulative"
                    breaches.append((rule, day))
                    broken = True
            elif not broken and entry.visa_valid_until and day > entry.visa_valid_until:
                breaches.append(("visa_validity", day))
                broken = True
            day += timedelta(days=1)
    used = sum(1 for k in range(180) if as_of - timedelta(days=k) in days)
    return sorted(breaches), used


def _naive_most_used(crossings: list[Crossing], as_of: date) -> list[int]:
    """Each stay's most visa-free days in a window ending on one of its days, day by day."""
    report = compute_stays(crossings, as_of)  # the stays themselves; their days counted here
    days: set[date] = set()
    most = []
    for stay in report.stays:
        last = stay.exited_on or as_of
        span = [
            stay.entered_on + timedelta(days=k) for k in range((last - stay.entered_on).days + 1)
        ]
        if stay.basis == "visa_free":
            days.update(span)
        most.append(
            max(sum(1 for k in range(180) if day - timedelta(days=k) in days) for day in span)
        )
    return most


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Crossing], date]:
    """Alternating entries and exits, sometimes out of order, with gaps and stays of any size."""
    day = draw(st.dates(date(2023, 11, 10), date(2025, 6, 1)))
    crossings: list[Crossing] = []
    direction = "entry"
    for _ in range(draw(st.integers(0, 14))):
        day += timedelta(days=draw(st.integers(0, 60)))
        if draw(st.integers(0, 9)) == 0:  # now and then two of a kind in a row
            direction = "exit" if direction == "entry" else "entry"
        visa = direction == "entry" and draw(st.integers(0, 4)) == 0
        until = day + timedelta(days=draw(st.integers(0, 60))) if visa else None
        crossings.append(Crossing(direction, day, "visa" if visa else "visa_free", until))  # type: ignore[arg-type]
        direction = "exit" if direction == "entry" else "entry"
    as_of = day + timedelta(days=draw(st.integers(0, 90)))
    return crossings, as_of


@pytest.mark.slow  # hundreds of Hypothesis histories, counted day by day
@settings(max_examples=300, deadline=None)
@given(histories())
def test_the_calculator_agrees_with_the_naive_count(case: tuple[list[Crossing], date]) -> None:
    crossings, as_of = case
    report: StayReport = compute_stays(crossings, as_of)
    breaches, used = _naive(crossings, as_of)
    assert sorted((b.rule, b.on) for b in report.breaches) == breaches
    assert report.days_used == used
    assert [stay.most_days_used for stay in report.stays] == _naive_most_used(crossings, as_of)


# --- the `stay.` rules of the validator agree with the naive count -------------------


def _message(crossings: list[Crossing], detected: date) -> bytes:
    import json  # noqa: PLC0415 - only these tests build messages

    from conftest import EXAMPLES  # noqa: PLC0415

    message = json.loads((EXAMPLES / "valid" / "entry_stay_exit_violation.json").read_text())
    template = message["crossings"][0]
    message["crossings"] = [
        {
            **template,
            "direction": c.direction,
            "crossed_on": c.on.isoformat(),
            "basis": c.basis,
            "visa_valid_until": c.visa_valid_until.isoformat() if c.visa_valid_until else None,
        }
        for c in crossings
    ]
    message.update(
        occurred_on=detected.isoformat(),
        detected_on=detected.isoformat(),
        sent_on=(detected + timedelta(days=5)).isoformat(),
        permitted_stay_until=(detected - timedelta(days=1)).isoformat(),
    )
    return json.dumps(message).encode()


@pytest.mark.slow  # Hypothesis histories, counted day by day
@settings(max_examples=100, deadline=None)
@given(histories())
def test_the_stay_rules_agree_with_the_naive_count(case: tuple[list[Crossing], date]) -> None:
    from kzcn.validation import validate_message  # noqa: PLC0415

    crossings, as_of = case
    crossings = [c for c in crossings if c.on <= as_of]
    codes = {p.code for p in validate_message(_message(crossings, as_of)).problems}
    breaches, _ = _naive(crossings, as_of)
    out_of_order = any(rule == "crossing_order" for rule, _ in breaches)
    overstayed = any(rule != "crossing_order" for rule, _ in breaches)
    assert ("stay.crossing_order" in codes) is out_of_order
    if not out_of_order and any(c.direction == "entry" for c in crossings):
        assert ("stay.overstay_not_shown" in codes) is not overstayed
