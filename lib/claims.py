"""The notes' claims, the interview answers and the glossary: one source, rendered everywhere.

Each chapter keeps its interview question(s), its answer-in-an-interview text (English and
Chinese) and the notes' claims with their verdicts in ``chapters/claims/<chapter>.yml``::

    question_zh: [梯度下降有哪些方法？]          # verbatim from the notes, one item per question
    question_en: [Which gradient-descent methods are there?]
    answer_en: |                                # 3-6 sentences, MyST markdown (math allowed)
      ...
    answer_zh: |                                # the same answer in natural Chinese
      ...
    gist_en: >-                                 # the answer in one breath, at most 80 words
      ...
    gist_zh: |                                  # the same in Chinese, at most 150 characters
      ...
    claims:
      - id: "1"
        zh: 这样方便得到全局最优解               # the notes' words, cuts marked ……
        en: BGD makes it easy to reach the global optimum
        verdict: holds with conditions          # holds | holds with conditions | misleading | wrong
        reason: convex loss with a minimizer, and a step below 2/L
        reason_zh: 损失是凸的且有极小点，步长小于 2/L
        evidence: gd-claim-1                    # MyST label of the section with the experiment

:func:`load` reads and validates a chapter's file (``ValueError`` naming the field and the
chapter); the renderers return :class:`Markdown`, whose ``_repr_markdown_`` is MyST markdown
with ``{ref}``/``{doc}`` links. In a notebook the chapter's claims table and answer box, the
book-wide audit (:func:`audit`), the cheat sheet (:func:`cheat_sheet`) are one call each;
myst-nb parses the markdown output as MyST (``nb_render_markdown_format: myst``), so the links
resolve on the site. Chinese text is wrapped in ``<span lang="zh">`` / ``<div lang="zh">``.

The glossary (``chapters/glossary.yml``: ``term_en``, ``term_zh``, ``definition_en``,
``definition_zh``, ``label``) is rendered by :func:`glossary_markdown` as a Sphinx ``glossary``
directive (so ``{term}`` works and the general index gets real entries); the site extension
``_ext/bookpages.py`` writes ``chapters/glossary.md`` from it before every build.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

#: The repository root (the directory holding ``_toc.yml``).
ROOT = Path(__file__).resolve().parent.parent
#: The four verdicts, in the order the audit lists them.
VERDICTS = ("holds", "holds with conditions", "misleading", "wrong")
#: The verdicts in Chinese, as the tables show them next to the English.
VERDICTS_ZH = {"holds": "成立", "holds with conditions": "有条件成立", "misleading": "有误导性", "wrong": "错误"}

CLAIM_FIELDS = ("id", "zh", "en", "verdict", "reason", "reason_zh", "evidence")
CHAPTER_FIELDS = ("question_zh", "question_en", "answer_en", "answer_zh", "gist_en", "gist_zh", "claims")
#: The one-breath answers are short enough for the printed cheat sheet (two A4 pages for the book).
GIST_MAX_WORDS, GIST_MAX_ZH_CHARS = 80, 150
GLOSSARY_FIELDS = ("term_en", "term_zh", "definition_en", "definition_zh", "label")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CJK_CLASS = "\u3400-\u9fff\uff01-\uff5e\u3000-\u303f"
_CJK = re.compile(f"[{_CJK_CLASS}]")


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Claim:
    """One statement of the notes and the book's verdict on it."""
    id: str
    zh: str
    en: str
    verdict: str
    reason: str
    reason_zh: str
    evidence: str


@dataclass(frozen=True)
class ChapterClaims:
    """A chapter's questions, interview answer and claims (one ``chapters/claims/<chapter>.yml``)."""
    chapter: str
    question_zh: tuple[str, ...]
    question_en: tuple[str, ...]
    answer_en: str
    answer_zh: str
    gist_en: str
    gist_zh: str
    claims: tuple[Claim, ...]

    def counts(self) -> dict[str, int]:
        """Claims per verdict, every verdict present (0 when none)."""
        c = Counter(claim.verdict for claim in self.claims)
        return {v: c[v] for v in VERDICTS}


@dataclass(frozen=True)
class Term:
    """One glossary entry."""
    term_en: str
    term_zh: str
    definition_en: str
    definition_zh: str
    label: str


def _text(data: dict, key: str, where: str) -> str:
    if key not in data or data[key] is None:
        raise ValueError(f"{where}: missing field {key!r}")
    value = data[key]
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
        raise ValueError(f"{where}: field {key!r} must be non-empty text, got {value!r}")
    return str(value).strip()


def _texts(data: dict, key: str, where: str) -> tuple[str, ...]:
    if key not in data or data[key] is None:
        raise ValueError(f"{where}: missing field {key!r}")
    value = data[key]
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError(f"{where}: field {key!r} must be text or a non-empty list of text")
    return tuple(_text({key: item}, key, where) for item in items)


def _records(items: list, fields: tuple, where: str):
    """Each item of ``items`` as ``{field: text}``: a mapping with exactly ``fields``, every one non-empty text
    (``ValueError`` naming ``where`` and the item's position otherwise)."""
    for n, item in enumerate(items, 1):
        at = f"{where} {n}"
        if not isinstance(item, dict):
            raise ValueError(f"{at}: must be a mapping with fields {', '.join(fields)}")
        _no_unknown(item, fields, at)
        yield {key: _text(item, key, at) for key in fields}


def _no_unknown(data: dict, allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(allowed)})")


def parse(data, chapter: str) -> ChapterClaims:
    """Validate the mapping read from ``chapters/claims/<chapter>.yml``.

    Raises ``ValueError`` naming the chapter and the field: a missing or empty field, an unknown
    field, an unknown verdict, a duplicate claim id, an evidence label that is not a MyST label, or
    question lists of different lengths.
    """
    where = f"claims of chapter {chapter!r}"
    if not isinstance(data, dict):
        raise ValueError(f"{where}: the file must hold a mapping with fields {', '.join(CHAPTER_FIELDS)}")
    _no_unknown(data, CHAPTER_FIELDS, where)
    zh, en = _texts(data, "question_zh", where), _texts(data, "question_en", where)
    if len(zh) != len(en):
        raise ValueError(f"{where}: field 'question_en' has {len(en)} questions, 'question_zh' has {len(zh)}")
    answer_en, answer_zh = _text(data, "answer_en", where), _text(data, "answer_zh", where)
    gist_en, gist_zh = _text(data, "gist_en", where), _text(data, "gist_zh", where)
    if len(gist_en.split()) > GIST_MAX_WORDS:
        raise ValueError(f"{where}: field 'gist_en' has {len(gist_en.split())} words, more than {GIST_MAX_WORDS}")
    if len(_CJK.findall(gist_zh)) > GIST_MAX_ZH_CHARS:
        raise ValueError(f"{where}: field 'gist_zh' has {len(_CJK.findall(gist_zh))} Chinese characters and marks, "
                         f"more than {GIST_MAX_ZH_CHARS}")
    raw = data.get("claims")
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: field 'claims' must be a non-empty list")
    claims, seen = [], set()
    for values in _records(raw, CLAIM_FIELDS, f"{where}, claim"):
        at = f"{where}, claim {values['id']!r}"
        if values["id"] in seen:
            raise ValueError(f"{at}: duplicate id {values['id']!r} in field 'id'")
        seen.add(values["id"])
        if values["verdict"] not in VERDICTS:
            raise ValueError(f"{at}: field 'verdict' is {values['verdict']!r}, not one of {', '.join(VERDICTS)}")
        if not _LABEL.match(values["evidence"]):
            raise ValueError(f"{at}: field 'evidence' must be a MyST label such as 'gd-claim-1', got {values['evidence']!r}")
        if not _CJK.search(values["reason_zh"]):
            raise ValueError(f"{at}: field 'reason_zh' must be Chinese")
        claims.append(Claim(**values))
    for key, text in (("answer_zh", answer_zh), ("gist_zh", gist_zh)):
        if not _CJK.search(text):
            raise ValueError(f"{where}: field {key!r} must be Chinese")
    return ChapterClaims(chapter, zh, en, answer_en, answer_zh, gist_en, gist_zh, tuple(claims))


def claims_path(chapter: str, root: Path = ROOT) -> Path:
    return Path(root) / "chapters" / "claims" / f"{chapter}.yml"


def load(chapter: str, root: Path = ROOT) -> ChapterClaims:
    """Read and validate ``chapters/claims/<chapter>.yml``."""
    path = claims_path(chapter, root)
    if not path.exists():
        raise ValueError(f"chapter {chapter!r}: no claims file {path.relative_to(root)}")
    return parse(_read_yaml(path, f"claims of chapter {chapter!r}"), chapter)


def _read_yaml(path: Path, where: str):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"{where}: {path.name} is not valid YAML: {err}") from None


def toc_chapters(root: Path = ROOT) -> list[str]:
    """Every ``chapters/<name>`` of ``_toc.yml``, in book order (names without the folder)."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    out: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith("chapters/"):
                out.append(f[len("chapters/"):].removesuffix(".ipynb").removesuffix(".md"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    return out


def book_chapters(root: Path = ROOT) -> list[ChapterClaims]:
    """The claims of every chapter of ``_toc.yml`` that has a claims file, in book order."""
    return [load(name, root) for name in toc_chapters(root) if claims_path(name, root).exists()]


def chapter_title(chapter: str, root: Path = ROOT) -> str:
    """The chapter's first ``# `` heading (from its notebook or markdown file)."""
    base = Path(root) / "chapters" / chapter
    if base.with_suffix(".ipynb").exists():
        cells = json.loads(base.with_suffix(".ipynb").read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = base.with_suffix(".md").read_text(encoding="utf-8")
    m = re.search(r"^# (.+)$", text, re.M)
    if not m:
        raise ValueError(f"chapter {chapter!r}: no '# ' title")
    return m.group(1).strip()


# --------------------------------------------------------------------------- rendering
class Markdown:
    """MyST markdown shown by Jupyter (``_repr_markdown_``) and parsed as MyST by myst-nb."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Markdown({self.text[:60]!r}...)"


def zh(text: str) -> str:
    """Inline Chinese, marked for assistive technology and the browser's font choice."""
    return f'<span lang="zh">{text}</span>'


def join_zh_lines(text: str) -> str:
    """Join the lines of Chinese paragraphs: a browser shows a line break next to a Chinese
    character as a space, which Chinese text does not have (blank lines are kept)."""
    return re.sub(r"(?<=[^\n])\n(?=[^\n])", "", _join_guard(text))


def _join_guard(text: str) -> str:
    # keep a line break between two non-Chinese characters (e.g. inside an English phrase) as a space
    return re.sub(rf"(?<=[^\n{_CJK_CLASS}])\n(?=[^\n{_CJK_CLASS}])", " ", text)


def zh_block(markdown: str) -> str:
    """A block of Chinese markdown (blank lines keep it markdown inside the HTML div)."""
    return f'<div lang="zh">\n\n{join_zh_lines(markdown.strip())}\n\n</div>'


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _verdict(claim: Claim) -> str:
    return f"**{claim.verdict}** ({zh(VERDICTS_ZH[claim.verdict])})"


def _claim_row(claim: Claim, evidence_text: str) -> str:
    notes = f"{zh(_cell(claim.zh))} — *{_cell(claim.en)}*"
    why = f"{_cell(claim.reason)}<br>{zh(_cell(claim.reason_zh))}"
    return f"| {{ref}}`{evidence_text} <{claim.evidence}>` | {notes} | {_verdict(claim)} | {why} |"


def claims_table(data: ChapterClaims) -> Markdown:
    """The chapter's claims table: each claim links to the section holding its experiment."""
    rows = ["| claim | the notes say | verdict | why |", "| --- | --- | --- | --- |"]
    rows += [_claim_row(c, c.id) for c in data.claims]
    return Markdown("\n".join(rows) + "\n")


def answer_box(data: ChapterClaims) -> Markdown:
    """The chapter's "Answer in an interview" box, English then Chinese."""
    body = f"{data.answer_en.strip()}\n\n{zh_block('**' + '面试回答** ' + data.answer_zh.strip())}"
    return Markdown(f"````{{admonition}} Answer in an interview\n:class: tip\n{body}\n````\n")


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no claims"


def verdict_counts(chapters: list[ChapterClaims]) -> dict[str, dict[str, int]]:
    """Claims per verdict per chapter, plus ``"total"``."""
    out = {c.chapter: c.counts() for c in chapters}
    out["total"] = {v: sum(c[v] for c in out.values()) for v in VERDICTS}
    return out


def audit(chapters: list[ChapterClaims] | None = None, root: Path = ROOT) -> Markdown:
    """The book-wide audit: a summary (claims per verdict per chapter and in total), then every claim."""
    chapters = book_chapters(root) if chapters is None else chapters
    counts = verdict_counts(chapters)
    head = "| chapter | " + " | ".join(f"{v} {zh(VERDICTS_ZH[v])}" for v in VERDICTS) + " | claims |"
    rows = [head, "| --- |" + " ---: |" * (len(VERDICTS) + 1)]
    for c in chapters:
        n = counts[c.chapter]
        rows.append(f"| {{doc}}`/chapters/{c.chapter}` | " + " | ".join(str(n[v]) for v in VERDICTS)
                    + f" | {sum(n.values())} |")
    total = counts["total"]
    rows.append("| **all chapters** | " + " | ".join(f"**{total[v]}**" for v in VERDICTS)
                + f" | **{sum(total.values())}** |")
    parts = ["\n".join(rows)]
    for c in chapters:
        title = chapter_title(c.chapter, root)
        parts.append(f"**{title}** ({_counts_line(c.counts())}; {{doc}}`chapter </chapters/{c.chapter}>`)")
        table = ["| claim | the notes say | verdict | why |", "| --- | --- | --- | --- |"]
        table += [_claim_row(claim, claim.id) for claim in c.claims]
        parts.append("\n".join(table))
    return Markdown("\n\n".join(parts) + "\n")


def cheat_sheet(chapters: list[ChapterClaims] | None = None, root: Path = ROOT) -> Markdown:
    """Every question the book answers, in Chinese and English: the one-breath answers (``gist_*``,
    all the printed sheet keeps) and the full interview answers (``div.cheat-full``)."""
    chapters = book_chapters(root) if chapters is None else chapters
    parts = []
    for n, c in enumerate(chapters, 1):
        title = chapter_title(c.chapter, root)
        questions = "<br>".join(f"{zh('**' + q_zh + '**')} {q_en}" for q_zh, q_en in zip(c.question_zh, c.question_en))
        parts.append(
            f'<div class="cheat-entry">\n\n'
            f"**{n}. {title}** — {{doc}}`read the chapter </chapters/{c.chapter}>`\n\n"
            f"{questions}\n\n"
            f"**In short.** {c.gist_en.strip()}\n\n"
            f"{zh_block('**简答** ' + c.gist_zh)}\n\n"
            f'<div class="cheat-full">\n\n'
            f"**In an interview.** {c.answer_en.strip()}\n\n"
            f"{zh_block('**面试回答** ' + c.answer_zh)}\n\n"
            f"</div>\n\n"
            f"</div>"
        )
    return Markdown("\n\n".join(parts) + "\n")


# --------------------------------------------------------------------------- glossary
def parse_glossary(data) -> list[Term]:
    """Validate the list read from ``chapters/glossary.yml`` (``ValueError`` naming the field)."""
    where = "glossary"
    if not isinstance(data, list) or not data:
        raise ValueError(f"{where}: the file must hold a non-empty list of terms")
    terms, seen = [], set()
    for values in _records(data, GLOSSARY_FIELDS, f"{where}, term"):
        at = f"{where}, term {values['term_en']!r}"
        for key in ("term_en", "term_zh"):
            if values[key].lower() in seen:
                raise ValueError(f"{at}: duplicate term in field {key!r}: {values[key]!r}")
            seen.add(values[key].lower())
        for key in ("term_zh", "definition_zh"):
            if not _CJK.search(values[key]):
                raise ValueError(f"{at}: field {key!r} must be Chinese")
        if not _LABEL.match(values["label"]):
            raise ValueError(f"{at}: field 'label' must be a MyST label, got {values['label']!r}")
        terms.append(Term(**values))
    return sorted(terms, key=lambda t: t.term_en.lower())


def load_glossary(root: Path = ROOT) -> list[Term]:
    path = Path(root) / "chapters" / "glossary.yml"
    return parse_glossary(_read_yaml(path, "glossary"))


GLOSSARY_HEADER = """\
<!-- Generated from chapters/glossary.yml by lib.claims.glossary_markdown (the site build
     rewrites it: edit the YAML, not this file). -->
(glossary)=
# Glossary

<span lang="zh">术语表：中英对照</span>

Every term the book uses, in English and Chinese, with a one-line definition in each language and a
link to where the book defines it. Each term, English and Chinese, is in the
{ref}`general index <genindex>`; in the text, `` {term}`gradient descent` `` (or the Chinese term)
links here.

"""


def chapter_markdown(chapter: str, root: Path = ROOT) -> str:
    """The markdown of a chapter: a notebook's markdown cells joined, or the ``.md`` file."""
    base = Path(root) / "chapters" / chapter
    if base.with_suffix(".ipynb").exists():
        cells = json.loads(base.with_suffix(".ipynb").read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return base.with_suffix(".md").read_text(encoding="utf-8")


def defined_labels(text: str) -> set[str]:
    """Labels a page defines: targets ``(label)=`` and equation labels ``$$ (label)``."""
    return set(re.findall(r"^\(([^)\s]+)\)=\s*$", text, re.M)) | set(re.findall(r"\$\$\s*\(([^)\s]+)\)", text))


def label_index(root: Path = ROOT) -> dict[str, str]:
    """Every label defined by a chapter of ``_toc.yml`` -> that chapter."""
    out: dict[str, str] = {}
    for chapter in toc_chapters(root):
        base = Path(root) / "chapters" / chapter
        if chapter == "glossary" or not (base.with_suffix(".ipynb").exists() or base.with_suffix(".md").exists()):
            continue
        for label in defined_labels(chapter_markdown(chapter, root)):
            out[label] = chapter
    return out


def glossary_markdown(terms: list[Term], root: Path = ROOT) -> str:
    """``chapters/glossary.md``: a Sphinx ``glossary`` whose entries carry both terms.

    Each entry has two term lines, the English term and the Chinese one marked with the ``{zh}``
    role (``_ext/bookpages.py``: a ``<span lang="zh">`` on the site, plain text in the index), so
    both are index entries and both work with ``{term}``. Each definition links to where the book
    defines the term: the chapter and the equation or section (``ValueError`` for an unknown label).
    """
    where = label_index(root)
    lines = [GLOSSARY_HEADER, ":::{glossary}"]
    for t in terms:
        if t.label not in where:
            raise ValueError(f"glossary, term {t.term_en!r}: field 'label' {t.label!r} is not defined in any chapter")
        chapter = f"{{doc}}`/chapters/{where[t.label]}`"
        target = f"equation {{eq}}`{t.label}`" if t.label.startswith("eq-") else f"{{ref}}`{t.label}`"
        lines += [
            t.term_en,
            f"{{zh}}`{t.term_zh}`",
            f"  {t.definition_en}",
            f"  {zh(t.definition_zh)}",
            f"  → {chapter}, {target}" if not t.label.startswith("chapter-") else f"  → {chapter}",
            "",
        ]
    lines[-1:] = [":::", ""]
    return "\n".join(lines)


def write_glossary(root: Path = ROOT) -> bool:
    """Write ``chapters/glossary.md`` from the YAML; True when the file changed."""
    path = Path(root) / "chapters" / "glossary.md"
    text = glossary_markdown(load_glossary(root), root)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
