"""spaCy's binary corpus format (`.spacy`, a DocBin), in and out, through spaCy itself
(`pip install 'distil[spacy]'`).

In: each Doc's text, and its entities (`doc.ents`), or else its only span group (`doc.spans`,
spancat's), or the group named by `spans_key`. Out: one Doc per document whose tokens are cut
at every entity boundary and every space, so each entity is exactly a token range and the text
is kept to the character: what `spacy train` reads as `train.spacy` and `dev.spacy`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from corpus.errors import InputError
from corpus.model import Document, LabelledDocument, Span, Split

SUFFIX = ".spacy"


def _spacy():
    try:
        import spacy
    except ImportError:
        raise InputError(
            [(Path("spacy"), 0, "reading or writing DocBin needs spaCy: pip install 'distil[spacy]'")]
        ) from None
    return spacy


def read_docbin(path: Path, split: Split, spans_key: str | None = None) -> list[LabelledDocument]:
    spacy = _spacy()
    from spacy.tokens import DocBin

    try:
        docs = list(DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab))
    except (ValueError, KeyError, OSError) as error:
        raise InputError([(path, 0, f"not a spaCy DocBin ({type(error).__name__}: {error})")]) from None
    items, problems = [], []
    for index, doc in enumerate(docs):
        group = _entities(doc, spans_key)
        if group is None:
            groups = ", ".join(doc.spans) or "none"
            problems.append((path, index, f"no span group {spans_key!r} (it has: {groups})"))
            continue
        spans = tuple(sorted(Span(s.start_char, s.end_char, s.label_) for s in group))
        document = Document(
            doc.text, source=path.name, split=split, metadata={"file": path.name, "doc": index}
        )
        items.append(LabelledDocument(document, spans))
    if problems:
        raise InputError(problems)
    return items


def _entities(doc, spans_key: str | None):
    """The entities of a Doc: the span group asked for; else `doc.ents`; else its only group."""
    if spans_key:
        return doc.spans[spans_key] if spans_key in doc.spans else None
    if doc.ents or len(doc.spans) != 1:
        return doc.ents
    return next(iter(doc.spans.values()))


def write_docbin(documents: Iterable[LabelledDocument], path: Path) -> int:
    spacy = _spacy()
    from spacy.tokens import Doc, DocBin

    vocab = spacy.blank("xx").vocab
    docbin = DocBin(store_user_data=False)
    count = 0
    for item in documents:
        words, spaces = _words(item.document.text, item.spans)
        doc = Doc(vocab, words=words, spaces=spaces)
        doc.ents = [doc.char_span(s.start, s.end, label=s.label) for s in item.spans]
        docbin.add(doc)
        count += 1
    docbin.to_disk(path)
    return count


def _words(text: str, spans: Iterable[Span]) -> tuple[list[str], list[bool]]:
    """Tokens cut at every space and every entity boundary, with spaCy's trailing-space flags,
    so that the Doc's text is the text again (a second space in a row is a token of its own)."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    words: list[str] = []
    spaces: list[bool] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        for piece in re.findall(r" |[^ ]+", text[start:end]):
            if piece == " " and words and not spaces[-1]:
                spaces[-1] = True  # the space right after the previous token
            else:
                words.append(piece)
                spaces.append(False)
    return words, spaces
