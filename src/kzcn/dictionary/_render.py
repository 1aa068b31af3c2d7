"""The field dictionary as labelled JSON-ready data and as Markdown (`kzcn fields`)."""

from __future__ import annotations

from typing import Any

from kzcn.authorities import Language
from kzcn.dictionary._labels import Labels, labels
from kzcn.dictionary._walk import Direction, FieldEntry, field_dictionary
from kzcn.messages import MESSAGE_KINDS
from kzcn.privacy import LEGAL_CATEGORIES
from kzcn.provenance import data_protection, kind_source

__all__ = ["dictionary_data", "render_dictionary_markdown"]


def _direction_dict(direction: Direction, text: Labels) -> dict[str, Any]:
    return {
        "sender": direction.sender,
        "recipient": direction.recipient,
        "sender_authorities": [
            {"code": code, "name": text.value_label("", code)}
            for code in direction.sender_authorities
        ],
        "recipient_authorities": [
            {"code": code, "name": text.value_label("", code)}
            for code in direction.recipient_authorities
        ],
    }


def _field_dict(entry: FieldEntry, text: Labels) -> dict[str, Any]:
    return {
        "path": entry.path,
        "owner": entry.owner,
        "label": text.field_label(entry.owner),
        "description": text.field_description(entry),
        "type": entry.type,
        "required": entry.required,
        "values": [
            {"value": value, "label": text.value_label(entry.owner, value)}
            for value in entry.values
        ]
        if entry.type == "enum"
        else [],
        "personal": entry.personal,
        "role": entry.role,
        # A container (subject, documents) has no role of its own but holds personal data.
        "role_label": text.role(entry.role or ("contains_personal" if entry.personal else None)),
        "inherited": entry.inherited,
        "categories": [
            {
                "code": code,
                "law": LEGAL_CATEGORIES[code].law,
                "article": LEGAL_CATEGORIES[code].article,
                "title": text.category(code),
            }
            for code in entry.categories
        ],
        "kinds": [{"kind": kind, "label": text.kind(kind)} for kind in entry.kinds],
        "basis": entry.basis,
        "basis_label": text.basis(entry.basis),
        "refs": list(entry.refs),
    }


def _protection_dict(kind: str, text: Labels) -> dict[str, Any]:
    return {
        question: {**answer, "basis_label": text.basis(answer["basis"])}
        for question, answer in data_protection(kind).as_json().items()
    }


def dictionary_data(language: Language = "en") -> dict[str, Any]:
    """The data dictionary as JSON-ready data, labelled in `language`."""
    text = labels(language)
    book = field_dictionary()
    return {
        "format": "kzcn-fields/1",
        "language": language,
        "title": text.text("title"),
        "fields": [_field_dict(entry, text) for entry in book.fields],
        "kinds": [
            {
                "kind": kind,
                "label": text.kind(kind),
                "directions": [_direction_dict(d, text) for d in book.directions[kind]],
                "source": kind_source(kind).as_json(),
                "data_protection": _protection_dict(kind, text),
            }
            for kind in MESSAGE_KINDS
        ],
    }


#: The placeholders of `protection.summary` and the questions they stand for.
_PROTECTION_KEYS = (
    ("purpose", "purpose"),
    ("recipients", "recipients"),
    ("onward", "onward_transfer"),
    ("retention", "retention"),
)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_dictionary_markdown(language: Language = "en") -> str:
    """The data dictionary as Markdown: one table of fields, then the kinds' directions."""
    data = dictionary_data(language)
    text = labels(language)
    head = [
        text.text(k)
        for k in ("field", "label", "description", "role", "categories", "kinds", "basis")
    ]
    lines = [
        f"# {data['title']}",
        "",
        text.text("intro"),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for entry in data["fields"]:
        values = ", ".join(f"`{v['value']}` {v['label']}" for v in entry["values"])
        description = entry["description"] + (f" ({values})" if values else "")
        cells = [
            f"`{entry['path']}`",
            entry["label"],
            description,
            entry["role_label"],
            "; ".join(c["title"] for c in entry["categories"]),
            ", ".join(k["label"] for k in entry["kinds"]),
            f"{entry['basis_label']} ({', '.join(entry['refs'])})",
        ]
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    lines += ["", f"## {text.text('directions')}", ""]
    for kind in data["kinds"]:
        ways = "; ".join(
            f"{d['sender']} ({', '.join(a['code'] for a in d['sender_authorities'])}) → "
            f"{d['recipient']} ({', '.join(a['code'] for a in d['recipient_authorities'])})"
            for d in kind["directions"]
        )
        lines.append(f"- **{kind['label']}** (`{kind['kind']}`): {ways}")
    lines += ["", f"## {text.text('data_protection')}", ""]
    summary = str(text.raw.get("report", {}).get("protection.summary", ""))
    for kind in data["kinds"]:
        said = kind["data_protection"]
        bases = {key: said[name]["basis_label"] for key, name in _PROTECTION_KEYS}
        refs = sorted({ref for answer in said.values() for ref in answer["refs"]})
        said_text = f"{summary.format(**bases)} ({', '.join(refs)})"
        lines.append(f"- **{kind['label']}** (`{kind['kind']}`): {said_text}")
    return "\n".join(lines) + "\n"
