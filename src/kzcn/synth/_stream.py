"""The generator's random numbers, drawn a column at a time.

Only the raw 64-bit words of numpy's PCG64 are used, and turned into floats
and bounded integers here: numpy promises that a bit generator's raw stream
stays the same across versions, but not that its distributions do. A seed
fixes every number drawn, in any process and with any numpy release.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from kzcn.synth._columns import Ints

__all__ = ["Draws", "RandomSource"]

Floats = npt.NDArray[np.float64]
_TO_UNIT = 2.0**-53


class RandomSource(Protocol):
    """What the generator needs of a random source: `random.Random` has it."""

    def random(self) -> float:
        """A float in [0, 1)."""

    def getrandbits(self, k: int, /) -> int:
        """An integer of `k` random bits."""


class Draws:
    """Columns of random numbers from one seeded stream."""

    __slots__ = ("_bits", "population_seed")

    def __init__(self, seed: int, population_seed: int = 0) -> None:
        self._bits = np.random.PCG64(seed)
        #: The run's seed, which draws the population people recur from (`_recurring`);
        #: the same in every chunk of a run, where the stream itself differs.
        self.population_seed = population_seed

    @classmethod
    def from_source(cls, source: RandomSource) -> Draws:
        """A stream seeded by 128 bits of `source` (so as reproducible as `source`)."""
        return cls(source.getrandbits(128))

    def words(self, count: int) -> npt.NDArray[np.uint64]:
        """`count` raw 64-bit words."""
        words: npt.NDArray[np.uint64] = self._bits.random_raw(count)
        return words

    def uniform(self, shape: int | tuple[int, int]) -> Floats:
        """Floats in [0, 1) with 53 random bits each, in an array of `shape`."""
        count = shape if isinstance(shape, int) else shape[0] * shape[1]
        floats = (self.words(count) >> np.uint64(11)).astype(np.float64) * _TO_UNIT
        return floats if isinstance(shape, int) else floats.reshape(shape)

    def below(self, spans: int | Ints, count: int) -> Ints:
        """Whole numbers in [0, span) for each span (spans below 2³¹)."""
        # 32 random bits scaled by a multiply and a shift: no division, no bias worth a name.
        high = (self.words(count) >> np.uint64(32)).astype(np.int64)
        scaled: Ints = (high * spans) >> 32
        return scaled

    def between(self, low: int | Ints, high: int | Ints, count: int) -> Ints:
        """Whole numbers in [low, high] (bounds may be columns)."""
        spans: Ints = np.asarray(high, dtype=np.int64) - low + 1
        drawn: Ints = low + self.below(spans, count)
        return drawn
