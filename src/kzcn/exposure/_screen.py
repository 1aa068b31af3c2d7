"""The exposure report's default screen: the checks a record must pass to be counted.

Full validation builds a pydantic model per message (about 40,000 a second:
25 s at a million), so by default the report screens only what it reads,
over whole columns at once, the same whichever reader ran:

- the envelope: both states and both authorities are the regime's, each
  authority belongs to its state, and the sender's state is not the
  recipient's (`message.same_state`, `message.authority_state`);
- the person, where the kind has one: the date of birth is a real date in
  `YYYY-MM-DD` form, and the sex is one the models allow.

A record that fails is counted as invalid and, unless the caller keeps
them (`include_invalid`), left out of every metric and flow. `kzcn
validate` (or `--validate` here) checks every rule.
"""

from __future__ import annotations

from typing import get_args

import polars as pl

from kzcn.authorities import AUTHORITIES, Party
from kzcn.person import Sex

__all__ = ["SCREENED", "envelope_ok", "invalid", "person_ok"]

#: What the screen checks, in the words of the report's `--help`.
SCREENED = (
    "the envelope's states and authorities (the regime's, each in its state, sender and "
    "recipient in different states), and the person's date of birth and sex"
)


def _state_of(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(
        {code: entry.state for code, entry in AUTHORITIES.items()}, default=None,
        return_dtype=pl.String,
    )  # fmt: skip


def envelope_ok() -> pl.Expr:
    """Both states and authorities the regime's, each authority in its state, two states."""
    parties = list(get_args(Party))
    return (
        pl.col("sender_state").is_in(parties)
        & pl.col("recipient_state").is_in(parties)
        & (pl.col("sender_state") != pl.col("recipient_state"))
        & (_state_of("sender_authority") == pl.col("sender_state"))
        & (_state_of("recipient_authority") == pl.col("recipient_state"))
    ).fill_null(value=False)


def person_ok() -> pl.Expr:
    """No person (`has_subject` false), or a real `YYYY-MM-DD` birth date and a known sex."""
    born = pl.col("date_of_birth").str.to_date("%Y-%m-%d", strict=False).is_not_null()
    shaped = pl.col("date_of_birth").str.len_bytes() == len("1980-03-05")
    sex = pl.col("sex").is_in(list(get_args(Sex)))
    return (~pl.col("has_subject") | (born & shaped & sex)).fill_null(value=False)


def invalid(messages: pl.DataFrame, listed: pl.DataFrame | None = None) -> pl.Series:
    """Per row of `messages` (the readers' frame): True where the screen rejects it.

    A message is rejected with any person it lists (`listed`, by `line`).
    """
    flagged = messages.select(~(envelope_ok() & person_ok())).to_series()
    if listed is None or not listed.height:
        return flagged
    wrong = listed.with_columns(pl.lit(value=True).alias("has_subject")).filter(~person_ok())
    return flagged | messages["line"].is_in(wrong["line"].implode())
