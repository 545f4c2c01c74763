"""What the teacher is asked to return: entities as (text, label, occurrence).

The label's JSON schema lists the guidelines' labels as an enum, so endpoints
that constrain decoding cannot leave the label set; the parsed model accepts any
string, so an unknown label from an endpoint that does not is dropped and
counted instead of failing the whole call.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, create_model


class Entity(BaseModel):
    text: str = Field(description="the entity exactly as written in the text")
    label: str = Field(description="one of the labels")
    occurrence: int = Field(
        default=1, description="1 for the first time this text appears in the text, 2 for the second..."
    )


def entities_model(labels: tuple[str, ...]) -> type[BaseModel]:
    entity = create_model(
        "Entity",
        __base__=Entity,
        label=(str, Field(description="one of the labels", json_schema_extra={"enum": list(labels)})),
    )
    return create_model(
        "Entities",
        entities=(
            list[entity],
            Field(default_factory=list, description="every entity in the text, in order"),
        ),
    )
