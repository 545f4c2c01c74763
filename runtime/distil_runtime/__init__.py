"""Run a distil bundle without torch: onnxruntime, tokenizers and numpy.

from distil_runtime import NerModel
model = NerModel.load("path/to/bundle")
model.extract(["Ada Lovelace was born in London."])
"""

from distil_runtime.bundle import BundleError, BundleFiles
from distil_runtime.model import Entity, NerModel

__all__ = ["BundleError", "BundleFiles", "Entity", "NerModel"]
__version__ = "0.1.0"
