"""lib.claims: the one source of the claims tables, answer boxes, audit, cheat sheet and glossary.

Validation errors name the field and the chapter; every chapter's claims file is valid, each claim's
evidence label exists in its chapter, each verdict agrees with the chapter's text, each chapter with
a claims file renders its table and answer box from it (no hand-written copy left), and every such
chapter of ``_toc.yml`` appears in the audit and the cheat sheet. The glossary page matches its YAML.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from lib import claims
from tests.conftest import ROOT

CHAPTERS = [name for name in claims.toc_chapters() if claims.claims_path(name).exists()]


def _good() -> dict:
    return {
        "question_zh": ["梯度下降有哪些方法？"],
        "question_en": ["Which gradient-descent methods are there?"],
        "answer_en": "Three, differing in the batch size.",
        "answer_zh": "三种，区别在于批大小。",
        "gist_en": "Three; the batch size differs.",
        "gist_zh": "三种，批大小不同。",
        "claims": [
            {"id": "1", "zh": "这样方便得到全局最优解", "en": "easy to reach the global optimum",
             "verdict": "holds with conditions", "reason": "convex losses only", "reason_zh": "只对凸损失成立",
             "evidence": "gd-claim-1"},
            {"id": "2", "zh": "样本数多的时候难以实现", "en": "hard with many samples",
             "verdict": "wrong", "reason": "made-up verdict for the test", "reason_zh": "测试用的结论",
             "evidence": "gd-claim-2"},
        ],
    }


# --------------------------------------------------------------------------- validation
def test_a_valid_mapping_parses():
    data = claims.parse(_good(), "toy")
    assert [c.id for c in data.claims] == ["1", "2"]
    assert data.counts() == {"holds": 0, "holds with conditions": 1, "misleading": 0, "wrong": 1}


@pytest.mark.parametrize("field", claims.CLAIM_FIELDS)
def test_a_missing_claim_field_is_named(field):
    bad = _good()
    del bad["claims"][0][field]
    with pytest.raises(ValueError, match=rf"chapter 'toy'.*missing field '{field}'"):
        claims.parse(bad, "toy")


@pytest.mark.parametrize("field", claims.CHAPTER_FIELDS)
def test_a_missing_chapter_field_is_named(field):
    bad = _good()
    del bad[field]
    with pytest.raises(ValueError, match=rf"chapter 'toy'.*'{field}'"):
        claims.parse(bad, "toy")


def test_an_unknown_verdict_is_named():
    bad = _good()
    bad["claims"][1]["verdict"] = "partly true"
    with pytest.raises(ValueError, match=r"chapter 'toy', claim '2': field 'verdict' is 'partly true'"):
        claims.parse(bad, "toy")


def test_a_duplicate_id_is_named():
    bad = _good()
    bad["claims"][1]["id"] = "1"
    with pytest.raises(ValueError, match=r"chapter 'toy', claim '1': duplicate id '1' in field 'id'"):
        claims.parse(bad, "toy")


def test_unknown_fields_empty_text_and_bad_labels_are_named():
    bad = _good()
    bad["claims"][0]["verdit"] = "holds"
    with pytest.raises(ValueError, match=r"unknown field 'verdit'"):
        claims.parse(bad, "toy")
    bad = _good()
    bad["claims"][0]["reason"] = "  "
    with pytest.raises(ValueError, match=r"field 'reason' must be non-empty"):
        claims.parse(bad, "toy")
    bad = _good()
    bad["claims"][0]["evidence"] = "{ref}`gd-claim-1`"
    with pytest.raises(ValueError, match=r"field 'evidence' must be a MyST label"):
        claims.parse(bad, "toy")
    bad = _good()
    bad["claims"][0]["reason_zh"] = "convex only"
    with pytest.raises(ValueError, match=r"field 'reason_zh' must be Chinese"):
        claims.parse(bad, "toy")
    bad = _good()
    bad["question_en"] = ["one", "two"]
    with pytest.raises(ValueError, match=r"'question_en' has 2 questions, 'question_zh' has 1"):
        claims.parse(bad, "toy")
    with pytest.raises(ValueError, match=r"chapter 'toy'.*mapping"):
        claims.parse(["not", "a", "mapping"], "toy")


def test_a_gist_longer_than_the_printed_sheet_allows_is_named():
    bad = _good()
    bad["gist_en"] = "word " * (claims.GIST_MAX_WORDS + 1)
    with pytest.raises(ValueError, match=rf"chapter 'toy': field 'gist_en' has {claims.GIST_MAX_WORDS + 1} words"):
        claims.parse(bad, "toy")
    bad = _good()
    bad["gist_zh"] = "很" * (claims.GIST_MAX_ZH_CHARS + 1)
    with pytest.raises(ValueError, match=rf"chapter 'toy': field 'gist_zh' has {claims.GIST_MAX_ZH_CHARS + 1} Chinese"):
        claims.parse(bad, "toy")
    bad = _good()
    bad["gist_zh"] = "three"
    with pytest.raises(ValueError, match=r"field 'gist_zh' must be Chinese"):
        claims.parse(bad, "toy")
    at_limit = _good()
    at_limit["gist_en"] = "word " * claims.GIST_MAX_WORDS
    at_limit["gist_zh"] = "很" * claims.GIST_MAX_ZH_CHARS
    assert claims.parse(at_limit, "toy").gist_en.startswith("word")


def test_invalid_yaml_and_a_missing_file_name_the_chapter(tmp_path):
    (tmp_path / "chapters" / "claims").mkdir(parents=True)
    (tmp_path / "chapters" / "claims" / "toy.yml").write_text("claims: [a: b: c]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"chapter 'toy'.*not valid YAML"):
        claims.load("toy", tmp_path)
    with pytest.raises(ValueError, match=r"chapter 'other': no claims file"):
        claims.load("other", tmp_path)


# --------------------------------------------------------------------------- rendering
def test_claims_table_links_every_claim_and_marks_chinese():
    text = claims.claims_table(claims.parse(_good(), "toy"))._repr_markdown_()
    rows = [line for line in text.splitlines() if line.startswith("| {ref}")]
    assert len(rows) == 2
    assert "{ref}`1 <gd-claim-1>`" in rows[0] and "{ref}`2 <gd-claim-2>`" in rows[1]
    assert "**holds with conditions**" in rows[0] and "**wrong**" in rows[1]
    assert '<span lang="zh">只对凸损失成立</span>' in rows[0]
    # every header cell is non-empty (axe flags empty <th>)
    assert all(cell.strip() for cell in text.splitlines()[0].strip("|").split("|"))


def test_chinese_outside_lang_zh_is_never_rendered():
    data = claims.parse(_good(), "toy")
    for text in (claims.claims_table(data).text, claims.answer_box(data).text):
        stripped = re.sub(r'<span lang="zh">.*?</span>', "", text)
        stripped = re.sub(r'<div lang="zh">.*?</div>', "", stripped, flags=re.S)
        assert not claims._CJK.search(stripped), stripped


def test_answer_box_holds_both_languages():
    text = claims.answer_box(claims.parse(_good(), "toy")).text
    assert text.startswith("````{admonition} Answer in an interview\n:class: tip\n")
    assert "Three, differing in the batch size." in text and "三种，区别在于批大小。" in text


def test_chinese_lines_are_joined_without_spaces_and_english_lines_with_one():
    assert claims.join_zh_lines("梯度\n下降\n\nnew") == "梯度下降\n\nnew"
    assert claims.join_zh_lines("mini\nbatch") == "mini batch"


def test_audit_counts_each_verdict_per_chapter_and_in_total(tmp_path):
    a, b = claims.parse(_good(), "a"), claims.parse(_good(), "b")
    counts = claims.verdict_counts([a, b])
    assert counts["a"]["wrong"] == 1 and counts["total"]["wrong"] == 2
    assert counts["total"]["holds with conditions"] == 2 and counts["total"]["holds"] == 0


# --------------------------------------------------------------------------- the book's chapters
def test_every_toc_chapter_with_a_claims_file_is_valid():
    assert "gradient_descent" in CHAPTERS
    for name in CHAPTERS:
        data = claims.load(name)
        assert 3 <= len(re.findall(r"[.!?](\s|$)", data.answer_en.strip())) <= 8, f"{name}: answer_en length"


def test_no_stray_claims_file():
    names = {p.stem for p in (ROOT / "chapters" / "claims").glob("*.yml")}
    assert names <= set(claims.toc_chapters()), f"claims files for chapters not in _toc.yml: {names - set(claims.toc_chapters())}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_evidence_label_exists_in_its_chapter(chapter):
    labels = claims.defined_labels(claims.chapter_markdown(chapter))
    for claim in claims.load(chapter).claims:
        assert claim.evidence in labels, f"{chapter}: claim {claim.id}'s evidence ({claim.evidence}) is not a label of the chapter"


def _section(text: str, label: str, others: set[str]) -> str:
    """From ``(label)=`` to the next claim's evidence label or the next ``## `` heading."""
    start = text.index(f"({label})=")
    rest = text[start + len(label) + 3:]
    stops = [m.start() for m in re.finditer(r"^\(([^)\s]+)\)=\s*$", rest, re.M) if m.group(1) in others]
    stops += [m.start() for m in re.finditer(r"^## ", rest, re.M)]
    return rest[: min(stops)] if stops else rest


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_verdict_agrees_with_the_chapter_text(chapter):
    """The evidence section states the same verdict ("**Verdict: holds with conditions.**", or
    "**Verdict on claim 3: ...**" where one section holds two claims)."""
    text = claims.chapter_markdown(chapter)
    data = claims.load(chapter)
    words = "|".join(sorted(claims.VERDICTS, key=len, reverse=True))
    for claim in data.claims:
        section = _section(text, claim.evidence, {c.evidence for c in data.claims} - {claim.evidence})
        own = re.findall(rf"\*\*Verdict on claim {re.escape(claim.id)}:\s*({words})\b", section, re.I)
        stated = own or re.findall(rf"\*\*Verdict:\s*({words})\b", section, re.I)
        assert stated, f"{chapter}: section {claim.evidence} states no '**Verdict: ...**'"
        assert {s.lower() for s in stated} == {claim.verdict}, (
            f"{chapter}: claim {claim.id} is '{claim.verdict}' in the YAML, '{stated}' in section {claim.evidence}")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chapter_renders_its_table_and_answer_from_the_yaml(chapter):
    """No hand-written copy: the notebook calls lib.claims, and no markdown cell holds a claims
    table or an answer box of its own."""
    cells = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert f'claims.load("{chapter}")' in code
    assert "claims.claims_table(" in code and "claims.answer_box(" in code
    markdown = claims.chapter_markdown(chapter)
    assert "Answer in an interview" not in markdown, f"{chapter}: a hand-written answer box is left"
    assert not re.search(r"^\| *(claim|#) *\| *the notes say", markdown, re.M), f"{chapter}: a hand-written claims table is left"
    for cell in cells:
        if "claims.claims_table(" in "".join(cell["source"]) or "claims.answer_box(" in "".join(cell["source"]):
            assert "remove-input" in cell["metadata"].get("tags", []), f"{chapter}: the rendering cell shows its code"


def test_audit_and_cheat_sheet_hold_every_chapter_with_working_links():
    audit, sheet = claims.audit().text, claims.cheat_sheet().text
    for name in CHAPTERS:
        data = claims.load(name)
        assert f"{{doc}}`/chapters/{name}`" in audit
        assert f"</chapters/{name}>`" in sheet
        assert (ROOT / "chapters" / f"{name}.ipynb").exists()
        for claim in data.claims:
            assert f"<{claim.evidence}>`" in audit
        for q_zh, q_en in zip(data.question_zh, data.question_en):
            assert q_zh in sheet and q_en in sheet
        assert data.answer_en.strip() in sheet
        assert claims.join_zh_lines(data.answer_zh.strip()) in sheet
        assert data.gist_en.strip() in sheet and claims.join_zh_lines(data.gist_zh.strip()) in sheet
    # the full answers sit inside div.cheat-full (the printed sheet drops them), the gists outside it
    for entry in sheet.split('<div class="cheat-entry">')[1:]:
        short, full = entry.split('<div class="cheat-full">')
        assert "**In short.**" in short and "**简答**" in short and "**In an interview.**" in full
    total = sum(len(claims.load(n).claims) for n in CHAPTERS)
    assert f"| **{total}** |" in audit


def test_a_new_chapter_appears_in_the_audit_and_the_cheat_sheet(tmp_path):
    """The pages grow with _toc.yml: a chapter with a claims file is listed, one without is not."""
    (tmp_path / "chapters" / "claims").mkdir(parents=True)
    toc = {"format": "jb-book", "root": "chapters/intro",
           "parts": [{"caption": "x", "chapters": [{"file": "chapters/toy"}, {"file": "chapters/plain"}]}]}
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    (tmp_path / "chapters" / "toy.md").write_text("(toy)=\n# A toy chapter\n", encoding="utf-8")
    (tmp_path / "chapters" / "plain.md").write_text("# Plain\n", encoding="utf-8")
    (tmp_path / "chapters" / "claims" / "toy.yml").write_text(yaml.safe_dump(_good(), allow_unicode=True), encoding="utf-8")
    found = claims.book_chapters(tmp_path)
    assert [c.chapter for c in found] == ["toy"]
    audit = claims.audit(root=tmp_path).text
    assert "A toy chapter" in audit and "{doc}`/chapters/toy`" in audit and "plain" not in audit
    assert "| **0** | **1** | **0** | **1** | **2** |" in audit
    assert "A toy chapter" in claims.cheat_sheet(root=tmp_path).text


def test_the_book_pages_call_lib_claims_and_are_in_the_toc():
    toc = claims.toc_chapters()
    for page, call in (("claims_audit", "claims.audit("), ("cheat_sheet", "claims.cheat_sheet(")):
        assert page in toc[: toc.index("gradient_descent")], f"{page} is not under 'Reading this book'"
        cells = json.loads((ROOT / "chapters" / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]
        assert any(call in "".join(c["source"]) for c in cells)
        assert any("nbval-check-output" in c["metadata"].get("tags", []) for c in cells)
    assert "glossary" in toc[: toc.index("gradient_descent")]


# --------------------------------------------------------------------------- glossary
def _glossary_data() -> list:
    return yaml.safe_load((ROOT / "chapters" / "glossary.yml").read_text(encoding="utf-8"))


def test_the_glossary_page_matches_its_yaml():
    page = (ROOT / "chapters" / "glossary.md").read_text(encoding="utf-8")
    assert page == claims.glossary_markdown(claims.load_glossary()), "run lib.claims.write_glossary() (any site build does)"
    for term in claims.load_glossary():
        assert f"\n{term.term_en}\n{{zh}}`{term.term_zh}`\n" in page


def test_the_glossary_has_the_standard_chinese_terms():
    zh = {t.term_zh for t in claims.load_glossary()}
    assert {"梯度下降", "随机梯度下降", "交叉熵", "激活函数", "广义线性模型", "学习率"} <= zh


@pytest.mark.parametrize("field", claims.GLOSSARY_FIELDS)
def test_a_missing_glossary_field_is_named(field):
    data = _glossary_data()
    del data[0][field]
    with pytest.raises(ValueError, match=rf"glossary, term 1: missing field '{field}'"):
        claims.parse_glossary(data)


def test_glossary_duplicates_and_unknown_labels_are_named(tmp_path):
    data = _glossary_data()
    data.append(copy.deepcopy(data[0]))
    with pytest.raises(ValueError, match=r"duplicate term in field 'term_en'"):
        claims.parse_glossary(data)
    data = _glossary_data()
    data[0]["label"] = "no-such-label"
    terms = claims.parse_glossary(data)
    with pytest.raises(ValueError, match=r"field 'label' 'no-such-label' is not defined in any chapter"):
        claims.glossary_markdown(terms)


def test_write_glossary_rewrites_only_on_change(tmp_path):
    for name in ("_toc.yml",):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "chapters", tmp_path / "chapters", ignore=shutil.ignore_patterns("images", "*.md"))
    shutil.copy(ROOT / "chapters" / "notation.md", tmp_path / "chapters" / "notation.md")
    assert claims.write_glossary(tmp_path) is True
    assert claims.write_glossary(tmp_path) is False
    data = _glossary_data()
    data[0]["definition_en"] = "Changed."
    (tmp_path / "chapters" / "glossary.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert claims.write_glossary(tmp_path) is True
    assert "Changed." in (tmp_path / "chapters" / "glossary.md").read_text(encoding="utf-8")
