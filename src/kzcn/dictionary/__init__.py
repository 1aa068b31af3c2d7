"""The field dictionary: every field of every message kind, with its privacy role, labelled.

- `field_dictionary()`: the fields and directions, read from the models.
- `labels(language)`: field, value and kind labels in en, ru, kk and zh.
- `dictionary_data(language)`, `render_dictionary_markdown(language)`: what
  `kzcn fields` writes, as JSON-ready data and as Markdown.

The error codes are a different catalogue: `kzcn.errors.CATALOGUE`.
"""

from kzcn.dictionary._labels import LANGUAGES, Labels, labels
from kzcn.dictionary._render import dictionary_data, render_dictionary_markdown
from kzcn.dictionary._walk import (
    PARTIES,
    Direction,
    FieldDictionary,
    FieldEntry,
    field_dictionary,
    person_fields,
)

__all__ = [
    "LANGUAGES",
    "PARTIES",
    "Direction",
    "FieldDictionary",
    "FieldEntry",
    "Labels",
    "dictionary_data",
    "field_dictionary",
    "labels",
    "person_fields",
    "render_dictionary_markdown",
]
