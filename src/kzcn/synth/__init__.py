"""Synthetic data: realistic, reproducible, clearly synthetic messages of every kind.

- `Generator` / `generate`: messages as JSON-ready dicts from a seeded random
  source (the bulk path: no model is built per message).
- `corrupt` / `FAULTS`: realistic faults with the error codes they must raise.
- `write_dataset`: JSONL, JSON or CSV output with optional labelled corruption.
- `csv_columns`: the CSV header, derived from the JSON Schema.
"""

from kzcn._deprecated import deprecated_attributes
from kzcn.synth.columns import csv_columns
from kzcn.synth.corruption import FAULTS, Corruption, PlantedFault, corrupt
from kzcn.synth.generator import DEFAULT_MIX, LIST_LIMITS, Generator, Mix, MixError, generate
from kzcn.synth.people import POPULATIONS, People, Population, RandomSource
from kzcn.synth.writers import FORMATS, Format, Label, Summary, labelled_messages, write_dataset

__all__ = [
    "DEFAULT_MIX",
    "FAULTS",
    "FORMATS",
    "LIST_LIMITS",
    "POPULATIONS",
    "Corruption",
    "Format",
    "Generator",
    "Label",
    "Mix",
    "MixError",
    "People",
    "PlantedFault",
    "Population",
    "RandomSource",
    "Summary",
    "corrupt",
    "csv_columns",
    "generate",
    "labelled_messages",
    "write_dataset",
]

__getattr__ = deprecated_attributes(__name__, {"Fault": ("kzcn.synth.corruption", "PlantedFault")})
