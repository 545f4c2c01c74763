"""Export stage: quantized ONNX, accuracy gate, registry and promotion."""
