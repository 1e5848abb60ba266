"""The book-wide pages on the built site (claims audit, cheat sheet, glossary), in headless chromium.

Every link of the audit and the cheat sheet leads to an existing page and anchor, every chapter
appears in both languages, the glossary is found by site search on a Chinese term, and the general
index holds the glossary's terms.
"""
from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from lib import claims
from tests.test_site import SITE, visit

pytestmark = pytest.mark.browser

CHAPTERS = claims.book_chapters()


def _internal_links(page) -> list[str]:
    return page.eval_on_selector_all(".bd-article a.reference.internal", "els => els.map(a => a.href)")


def _assert_links_resolve(links: list[str]) -> None:
    for href in links:
        parts = urlsplit(href)
        html = SITE / parts.path.lstrip("/")
        assert html.exists(), f"broken link {href}"
        if parts.fragment:
            text = html.read_text(encoding="utf-8")
            assert f'id="{parts.fragment}"' in text, f"no anchor #{parts.fragment} in {html.name}"


def test_audit_links_every_claim_to_its_evidence(browser, server, site):
    with visit(browser, server, "chapters/claims_audit.html") as v:
        links = _internal_links(v.page)
        _assert_links_resolve(links)
        targets = {urlsplit(h).fragment for h in links}
        for chapter in CHAPTERS:
            for claim in chapter.claims:
                assert claim.evidence in targets, f"the audit has no link to {chapter.chapter}#{claim.evidence}"
        summary = v.page.locator(".bd-article table").first.inner_text()
        total = sum(len(c.claims) for c in CHAPTERS)
        assert "all chapters" in summary and str(total) in summary
        v.assert_clean()


def test_cheat_sheet_has_every_chapter_in_both_languages(browser, server, site):
    with visit(browser, server, "chapters/cheat_sheet.html") as v:
        links = _internal_links(v.page)
        _assert_links_resolve(links)
        pages = {urlsplit(h).path.rsplit("/", 1)[-1] for h in links}
        # Sphinx's smart quotes turn "S" into “S”
        text = v.page.locator(".bd-article").inner_text().replace("\u201c", '"').replace("\u201d", '"')
        for chapter in CHAPTERS:
            assert f"{chapter.chapter}.html" in pages
            for q_zh, q_en in zip(chapter.question_zh, chapter.question_en):
                assert q_zh in text and q_en in text
        # per chapter: the short answer in Chinese, and the full one inside div.cheat-full
        short = v.page.locator('.cheat-entry > div[lang="zh"]').count()
        full = v.page.locator('.cheat-entry .cheat-full > div[lang="zh"]').count()
        assert short == full == len(CHAPTERS), f"{short} short and {full} full Chinese answers for {len(CHAPTERS)} chapters"
        v.assert_clean()


def test_chapter_claims_tables_link_to_their_sections(browser, server, site):
    for chapter in CHAPTERS:
        with visit(browser, server, f"chapters/{chapter.chapter}.html") as v:
            _assert_links_resolve(_internal_links(v.page))
            table_links = v.page.eval_on_selector_all(
                ".cell_output table a.reference.internal", "els => els.map(a => a.hash.slice(1))")
            assert {c.evidence for c in chapter.claims} <= set(table_links), chapter.chapter
            assert v.page.locator(".admonition .admonition-title", has_text="Answer in an interview").count() == 1


@pytest.mark.parametrize("query", ["梯度下降", "交叉熵", "gradient descent"])
def test_site_search_finds_the_glossary(browser, server, site, query):
    with visit(browser, server, "search.html") as v:
        v.page.goto(f"{server}/search.html?q={quote(query)}", wait_until="load")
        v.page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        # Sphinx lists the results one by one; its summary line appears when the list is complete
        v.page.wait_for_function("() => /found|did not match/i.test("
                                 "((document.querySelector('#search-results .search-summary') || {}).textContent) || '')",
                                 timeout=20_000)
        results = v.page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
        assert any("glossary.html" in r for r in results), f"search {query!r}: {results}"


def test_general_index_lists_glossary_terms_in_both_languages(browser, server, site):
    with visit(browser, server, "genindex.html") as v:
        text = v.page.locator("body").inner_text()
        for term in claims.load_glossary()[:5]:
            assert term.term_en in text and term.term_zh in text
        _assert_links_resolve([urljoin(v.url, h) for h in v.page.eval_on_selector_all(
            "a[href*='glossary.html#']", "els => els.map(a => a.getAttribute('href'))")][:20])
