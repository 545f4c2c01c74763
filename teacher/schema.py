"""What the teacher is asked to return.

Extraction: entities as (text, label, occurrence). The label's JSON schema lists
the guidelines' labels as an enum, so endpoints that constrain decoding cannot
leave the label set; the parsed model accepts any string, so an unknown label
from an endpoint that does not is dropped and counted instead of failing the
whole call. With constrained decoding the text is an enum of the document's own
substrings too, and the occurrence goes: repeated mentions are placed in order.

Verification: one true/false per candidate entity, exactly as many as asked.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, create_model


class PlacedEntity(BaseModel):
    text: str = Field(description="the entity exactly as written in the text")
    label: str = Field(description="one of the labels")


class Entity(PlacedEntity):
    occurrence: int = Field(
        default=1, description="1 for the first time this text appears in the text, 2 for the second..."
    )


def entities_model(labels: tuple[str, ...], texts: list[str] | None = None) -> type[BaseModel]:
    """The response model; `texts` (substrings of the document) constrains each entity's text."""
    label = Field(description="one of the labels", json_schema_extra={"enum": list(labels)})
    fields = {"label": (str, label)}
    if texts is not None:
        fields["text"] = (
            str,
            Field(description="the entity exactly as written in the text", json_schema_extra={"enum": texts}),
        )
    entity = create_model("Entity", __base__=PlacedEntity if texts is not None else Entity, **fields)
    return create_model(
        "Entities",
        entities=(
            list[entity],
            Field(default_factory=list, description="every entity in the text, in order"),
        ),
    )


def verdicts_model(count: int) -> type[BaseModel]:
    """`correct`: one boolean per numbered candidate, in order (the schema fixes how many)."""
    return create_model(
        "Verdicts",
        correct=(
            list[bool],
            Field(
                min_length=count,
                max_length=count,
                description="for each numbered entity in order: true if it is correct, false if not",
            ),
        ),
    )
