"""Deprecated: the field dictionary is `kzcn.dictionary` now (removed in 0.3.0).

`kzcn.catalogue` and `kzcn.CATALOGUE` named two different things: the field
dictionary and the error codes. The error codes keep `kzcn.errors.CATALOGUE`;
the field dictionary moved, with clearer names:

| here (deprecated) | now |
|---|---|
| `catalogue()` | `kzcn.dictionary.field_dictionary()` |
| `Catalogue` | `kzcn.dictionary.FieldDictionary` |
| `catalogue_dict()` | `kzcn.dictionary.dictionary_data()` |
| `render_catalogue_markdown()` | `kzcn.dictionary.render_dictionary_markdown()` |

The other names (`FieldEntry`, `Direction`, `Labels`, `labels`, `person_fields`,
`LANGUAGES`, `PARTIES`) are the same in `kzcn.dictionary`.
"""

import warnings

from kzcn.dictionary import (
    LANGUAGES,
    PARTIES,
    Direction,
    FieldEntry,
    Labels,
    labels,
    person_fields,
)
from kzcn.dictionary import FieldDictionary as Catalogue
from kzcn.dictionary import dictionary_data as catalogue_dict
from kzcn.dictionary import field_dictionary as catalogue
from kzcn.dictionary import render_dictionary_markdown as render_catalogue_markdown

warnings.warn(
    "kzcn.catalogue is deprecated and will be removed in 0.3.0; use kzcn.dictionary "
    "(catalogue() is field_dictionary(), catalogue_dict() is dictionary_data(), "
    "render_catalogue_markdown() is render_dictionary_markdown())",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "LANGUAGES",
    "PARTIES",
    "Catalogue",
    "Direction",
    "FieldEntry",
    "Labels",
    "catalogue",
    "catalogue_dict",
    "labels",
    "person_fields",
    "render_catalogue_markdown",
]
