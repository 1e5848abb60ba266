"""Smoke test of `make pdf`: the whole book and the cheat sheet as PDFs (marker ``pdf``; `make pdf`
runs it after printing, `make test` does not)."""
from __future__ import annotations

import importlib.util

import pytest

from lib import claims
from tests.conftest import ROOT

pytestmark = pytest.mark.pdf

OUT = ROOT / "_build" / "pdf"
_spec = importlib.util.spec_from_file_location("book_pdf", ROOT / "_ext" / "pdf.py")
pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pdf)

#: Pages of the whole book: cover + contents + about 25-35 pages a chapter; grows with the book.
BOOK_PAGES_PER_CHAPTER = (8, 60)


def test_the_book_pdf_exists_with_a_plausible_page_count():
    book = OUT / "book.pdf"
    assert book.exists(), "run `make pdf`"
    chapters = len(claims.toc_chapters())
    low, high = (n * chapters + 2 for n in BOOK_PAGES_PER_CHAPTER)
    assert low <= pdf.page_count(book) <= high, f"{pdf.page_count(book)} pages for {chapters} chapters"
    assert book.read_bytes().startswith(b"%PDF-")


def test_the_cheat_sheet_pdf_is_one_or_two_pages():
    sheet = OUT / "cheat_sheet.pdf"
    assert sheet.exists(), "run `make pdf`"
    assert 1 <= pdf.page_count(sheet) <= 2, f"{pdf.page_count(sheet)} pages"


def test_page_count_counts_page_objects_not_the_pages_tree(tmp_path):
    fake = tmp_path / "x.pdf"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj << /Type /Page >>\n3 0 obj <</Type/Page/Parent 1 0 R>>\n")
    assert pdf.page_count(fake) == 2
