"""What a teacher run will ask, of which model, under which settings: its system prompt, its
prices, and the cache key of every document's call. Nothing here calls the endpoint, so an
estimate, or a check of what is left to do, needs no client (and no running server)."""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.guideline_model import Guidelines
from corpus.model import Annotator, AnnotatorKind, Document
from corpus.store import Store
from teacher.config import Prices, TeacherConfig
from teacher.ledger import CallKey, CallLedger, CallStatus
from teacher.prompt import PROMPT_VERSION, system_prompt


@dataclass
class CallPlan:
    store: Store
    guidelines: Guidelines
    model: str  # the name the calls are cached under
    config: TeacherConfig
    worker: str | None = None
    system: str = field(init=False)
    prices: Prices = field(init=False)
    ledger: CallLedger = field(init=False)

    def __post_init__(self) -> None:
        self.system = system_prompt(self.guidelines, self.config.guidelines_style)
        self.prices = self.config.price(self.model)
        self.ledger = CallLedger(self.store, self.worker, self.config.claim_lease_s)

    @property
    def annotator(self) -> Annotator:
        return Annotator(AnnotatorKind.TEACHER, self.model)

    def key(self, document: Document) -> CallKey:
        return CallKey(
            self.model, self.guidelines.version, PROMPT_VERSION, self.config.sampling_key(), document.id
        )

    def finished(self, documents: list[Document]) -> set[str]:
        """Ids of the documents whose call under these settings is done (cached)."""
        keys = {self.key(d).key for d in documents}
        rows = self.ledger.rows([d.id for d in documents])
        return {row.document_id for row in rows if row.status == CallStatus.DONE and row.key in keys}
