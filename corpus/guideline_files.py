"""Annotation guidelines: markdown files people edit, parsed into one structure
that renders both into the teacher's prompt and into Argilla's guidelines.

A guidelines file is markdown with a YAML header (name, title, description,
labels, optionally `names: capitalized`). Each label has a `## LABEL — Name`
section with `### Definition`, `### Rules`, `### Examples`, `### Counter-examples`
and `### Edge cases`.
Other `##` sections (e.g. "General rules") apply to every label. In examples
`[text](LABEL)` marks an entity and `{text}` a string that must not be
labelled. See guidelines/general.md for a complete set.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from corpus.guideline_model import Example, Guidelines, GuidelinesError, LabelGuide, Section
from corpus.markup_syntax import check_markup, parse_markup
from corpus.model import Span

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "guidelines"

_LABEL_HEADING = re.compile(r"^##\s+(\S+)\s*(?:[—:-]+\s*(.*))?$")
_SUBSECTIONS = {
    "definition": "definition",
    "rules": "rules",
    "examples": "examples",
    "counter-examples": "counter_examples",
    "counterexamples": "counter_examples",
    "edge cases": "edge_cases",
}
NOTE_SEPARATOR = " — "


def load_guidelines(name_or_path: str | Path) -> Guidelines:
    """Load a guidelines file by path, or a built-in set by name ("general", "pii")."""
    path = Path(name_or_path)
    if not path.exists():
        builtin = BUILTIN_DIR / f"{name_or_path}.md"
        if not builtin.exists():
            available = ", ".join(builtin_names())
            raise FileNotFoundError(
                f"no guidelines file {path} and no built-in set {name_or_path!r} (built-in: {available})"
            )
        path = builtin
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise GuidelinesError([(path, line, "not valid UTF-8")]) from None
    return parse_guidelines(text, path, version=hashlib.sha256(raw).hexdigest()[:12])


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.md") if p.stem.lower() != "readme")


def parse_guidelines(text: str, path: Path | None = None, version: str | None = None) -> Guidelines:
    where = path or Path("<guidelines>")
    problems: list[tuple[Path, int, str]] = []

    def problem(line: int, message: str) -> None:
        problems.append((where, line, message))

    lines = text.splitlines()
    header, body_start = _front_matter(lines, problem)
    declared = _declared_labels(header, problem)
    labels, general = _label_sections(lines, body_start, declared, problem)
    for code in declared:
        if code not in labels:
            problem(
                header.get("__labels_line", 1), f"label {code} is declared but has no '## {code}' section"
            )
    if not declared and not problems:
        problem(1, "no labels declared")
    if problems:
        raise GuidelinesError(problems)
    return Guidelines(
        name=str(header.get("name", where.stem)),
        title=str(header.get("title", header.get("name", where.stem))),
        description=str(header.get("description", "")).strip(),
        labels=tuple(labels[code] for code in declared),
        general=tuple(general),
        version=version or hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
        source=text,
        path=path,
        capitalized_names=str(header.get("names", "")).strip().lower() == "capitalized",
    )


def _declared_labels(header: dict, problem) -> list[str]:
    """The header's `labels:`, each problem with them reported."""
    declared = header.get("labels") or []
    if not isinstance(declared, list) or not all(isinstance(x, str) for x in declared):
        problem(header.get("__labels_line", 1), "'labels' must be a list of label names, e.g. [PER, ORG]")
        declared = []
    for missing in ("name", "labels"):
        if missing not in header and header:
            problem(1, f"the header has no '{missing}:'")
    for name in sorted({x for x in declared if declared.count(x) > 1}):
        problem(header.get("__labels_line", 1), f"label {name} is declared twice")
    return declared


def _label_sections(lines, body_start: int, declared, problem) -> tuple[dict[str, LabelGuide], list[Section]]:
    """Each `## LABEL` section parsed into its guide; every other `##` section kept as general."""
    labels: dict[str, LabelGuide] = {}
    general: list[Section] = []
    for heading_line, heading, content in _sections(lines, body_start):
        match = _LABEL_HEADING.match(heading)
        code = match.group(1) if match else ""
        if code not in declared:
            for number, line in content:
                check_markup(line, number, declared, problem)
            general.append(Section(heading[2:].strip(), "\n".join(line for _, line in content).strip()))
        elif code in labels:
            problem(heading_line, f"a second section for label {code} (first at line {labels[code].line})")
        else:
            title = (match.group(2) or code).strip()
            labels[code] = _label_guide(code, title, heading_line, content, declared, problem)
    return labels, general


def _front_matter(lines: list[str], problem) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        problem(
            1,
            "a guidelines file starts with a '---' header (name, title, description, labels)",
        )
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        problem(1, "the '---' header is never closed")
        return {}, len(lines)
    try:
        header = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem(
            2 + (mark.line if mark else 0),
            f"header is not valid YAML: {getattr(error, 'problem', error)}",
        )
        return {}, end + 1
    if not isinstance(header, dict):
        problem(2, "header must be 'key: value' lines")
        return {}, end + 1
    for number in range(1, end):
        if lines[number].lstrip().startswith("labels"):
            header["__labels_line"] = number + 1
    return header, end + 1


def _sections(lines: list[str], start: int) -> list[tuple[int, str, list[tuple[int, str]]]]:
    """Split the body at `## ` headings: (heading line number, heading, [(line number, line)])."""
    sections: list[tuple[int, str, list[tuple[int, str]]]] = []
    for index in range(start, len(lines)):
        line = lines[index]
        if line.startswith("## "):
            sections.append((index + 1, line.strip(), []))
        elif sections:
            sections[-1][2].append((index + 1, line))
    return sections


def _label_guide(code, title, heading_line, content, declared, problem) -> LabelGuide:
    parts: dict[str, list[tuple[int, str]]] = {}
    current = None
    for number, line in content:
        if line.startswith("### "):
            key = _SUBSECTIONS.get(line[4:].strip().lower())
            if key is None:
                known = ", ".join(
                    s.title()
                    for s in (
                        "definition",
                        "rules",
                        "examples",
                        "counter-examples",
                        "edge cases",
                    )
                )
                problem(
                    number,
                    f"unknown subsection {line[4:].strip()!r} under {code} (known: {known})",
                )
            current = key
            parts.setdefault(key or "_", [])
            continue
        if current:
            parts.setdefault(current, []).append((number, line))
    definition = " ".join(line.strip() for _, line in parts.get("definition", []) if line.strip())
    if not definition:
        problem(heading_line, f"label {code} has no '### Definition' text")
    for number, line in parts.get("definition", []):
        check_markup(line, number, declared, problem)
    return LabelGuide(
        name=code,
        title=title,
        definition=definition,
        rules=_bullets(parts.get("rules", []), declared, problem),
        examples=_examples(parts.get("examples", []), declared, problem, code, negative=False),
        counter_examples=_examples(parts.get("counter_examples", []), declared, problem, code, negative=True),
        edge_cases=_bullets(parts.get("edge_cases", []), declared, problem),
        line=heading_line,
    )


def _bullet_items(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Bullets, with indented continuation lines folded into their bullet."""
    items: list[tuple[int, str]] = []
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(("- ", "* ")):
            items.append((number, stripped[2:].strip()))
        elif items:
            items[-1] = (items[-1][0], f"{items[-1][1]} {stripped}")
        else:
            items.append((number, stripped))
    return items


def _bullets(lines, declared, problem) -> tuple[str, ...]:
    items = _bullet_items(lines)
    for number, item in items:
        check_markup(item, number, declared, problem)
    return tuple(item for _, item in items)


def _examples(lines, declared, problem, code, negative: bool) -> tuple[Example, ...]:
    examples = []
    for number, item in _bullet_items(lines):
        sentence, _, note = item.rpartition(NOTE_SEPARATOR) if NOTE_SEPARATOR in item else (item, "", "")
        if not check_markup(sentence, number, declared, problem):
            continue
        text, spans, negatives = parse_markup(sentence)
        if negative and not negatives:
            problem(
                number,
                "a counter-example marks the string that must not be labelled with {braces}",
            )
        if not negative and negatives:
            problem(
                number,
                "{braces} belong in Counter-examples; mark entities as [text](LABEL)",
            )
        negatives = [Span(s.start, s.end, code) for s in negatives]
        examples.append(Example(text, tuple(spans), tuple(negatives), note.strip(), number))
    return tuple(examples)
