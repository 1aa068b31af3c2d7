"""Which kinds the generator draws, from which sending state, with what weight.

`Mix.parse` reads the `--mix` option of `kzcn generate` (`KIND[:SENDER]=WEIGHT`);
`DEFAULT_MIX` follows the reporting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kzcn.messages import MESSAGE_KINDS
from kzcn.synth._envelope import OTHER


class MixError(ValueError):
    """A mix specification that cannot be used (unknown kind, bad weight …)."""


@dataclass(frozen=True, slots=True)
class Mix:
    """Relative weights of (kind, sending state) pairs.

    The default follows the reporting: most messages are citizenship
    acquisitions of ethnic Kazakhs from Xinjiang, notified by Kazakhstan to
    China; violations go both ways.
    """

    entries: tuple[tuple[str, str, float], ...]

    def __post_init__(self) -> None:
        for kind, sender, weight in self.entries:
            if kind not in MESSAGE_KINDS:
                raise MixError(f"unknown kind {kind!r}; choose from {', '.join(MESSAGE_KINDS)}")
            if sender not in OTHER:
                raise MixError(f"unknown sender {sender!r}; choose KAZ or CHN")
            if not weight >= 0:
                raise MixError(f"weight of {kind} must be a number >= 0")
        if sum(w for _, _, w in self.entries) <= 0:
            raise MixError("the mix has no kind with a positive weight")

    @classmethod
    def parse(cls, specs: Sequence[str]) -> Mix:
        """A mix from `KIND[:SENDER]=WEIGHT` items (comma-separated or repeated).

        Without a sender the weight is split between the directions as in the
        default mix. Example: `citizenship_acquisition=80,entry_stay_exit_violation:CHN=20`.
        """
        entries: list[tuple[str, str, float]] = []
        for spec in (item.strip() for text in specs for item in text.split(",")):
            if not spec:
                continue
            name, sep, weight_text = spec.partition("=")
            kind, _, sender = name.strip().partition(":")
            try:
                weight = float(weight_text) if sep else 1.0
            except ValueError:
                raise MixError(f"bad weight in {spec!r}: not a number") from None
            if sender:
                entries.append((kind, sender.strip().upper(), weight))
            else:
                entries += _split_by_direction(kind, weight)
        return cls(tuple(entries))

    def only(self, kinds: Sequence[str]) -> Mix:
        """The same mix restricted to `kinds` (each kind keeps its direction split)."""
        unknown = sorted(set(kinds) - set(MESSAGE_KINDS))
        if unknown:
            raise MixError(f"unknown kind {unknown[0]!r}; choose from {', '.join(MESSAGE_KINDS)}")
        kept = tuple(e for e in self.entries if e[0] in kinds and e[2] > 0)
        missing = [k for k in kinds if k not in {e[0] for e in kept}]
        return Mix(kept + tuple(e for k in missing for e in _split_by_direction(k, 1.0)))


def _split_by_direction(kind: str, weight: float) -> list[tuple[str, str, float]]:
    if kind not in MESSAGE_KINDS:
        raise MixError(f"unknown kind {kind!r}; choose from {', '.join(MESSAGE_KINDS)}")
    shares = [(s, w) for k, s, w in DEFAULT_MIX.entries if k == kind]
    total = sum(w for _, w in shares)
    return [(kind, sender, weight * w / total) for sender, w in shares]


#: Shares per 100 messages (illustrative; the reporting names citizenship
#: acquisitions by Xinjiang Kazakhs as the bulk, and violations both ways).
DEFAULT_MIX = Mix(
    (
        ("citizenship_acquisition", "KAZ", 50.0),
        ("citizenship_acquisition", "CHN", 2.0),
        ("prior_citizenship_change", "KAZ", 15.0),
        ("prior_citizenship_change", "CHN", 1.0),
        ("citizenship_status_reply", "CHN", 8.0),
        ("citizenship_status_reply", "KAZ", 2.0),
        ("entry_stay_exit_violation", "KAZ", 9.0),
        ("entry_stay_exit_violation", "CHN", 9.0),
        ("visa_free_statistics", "KAZ", 1.5),
        ("visa_free_statistics", "CHN", 1.5),
        ("suspension_notice", "KAZ", 0.5),
        ("suspension_notice", "CHN", 0.5),
        # The flows officials describe: Kazakhstan's Article 1(3) lists as envelopes (a list
        # of one here), requests through diplomatic channels, and a few refused.
        ("prior_change_list", "KAZ", 3.0),
        ("prior_change_list", "CHN", 0.2),
        ("information_request", "KAZ", 1.0),
        ("information_request", "CHN", 1.0),
        ("request_refusal", "KAZ", 0.2),
        ("request_refusal", "CHN", 0.3),
    )
)
