"""Export and promotion settings: the `[export]` table of distil.toml, DISTIL_EXPORT__* in the environment."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ExportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, never silently ignored

    f1_budget: float = Field(
        default=0.5, ge=0, description="F1 points an INT8 model may lose against FP32 ONNX and still ship"
    )
    promotion_margin: float = Field(
        default=0.5, description="F1 points a candidate must gain over production to be promoted"
    )
    quantize: bool = True  # false: ship FP32 ONNX without trying INT8
    bootstrap: int = Field(default=1000, ge=0)  # resamples for the intervals in the promotion report
    production_path: str = Field(
        default="",
        description="the stable path serving points at; default <project>/.distil/models/production",
    )
