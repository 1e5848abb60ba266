# Two commands matter: `make book` builds the site, `make test` runs every test.
# Both start from a machine with only Python 3.11+ and git: they create .venv
# and install the pinned requirements first.
PYTHON ?= python3
# One BLAS thread: the book's matrices are small, so threads only add overhead on a shared
# 2-core machine, and a fixed thread count keeps the checked numbers reproducible.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: book test unit notebooks lab serve bench record clean pdf

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# myst-nb's execution cache keys on a notebook's code cells only: a change in lib/ must
# re-execute every notebook, so any lib file newer than this stamp empties the cache (and
# Sphinx's environment, which would otherwise skip unchanged sources).
LIB_STAMP := _build/.lib-stamp
$(LIB_STAMP): $(shell find lib _ext -name '*.py' -o -name '*.css')
	rm -rf _build/.jupyter_cache _build/.doctrees
	mkdir -p _build
	touch $@

book: $(STAMP) $(LIB_STAMP)   ## build the static site into _build/html
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --builder html

# pytest-xdist runs the tests on JOBS processes (one per core); a notebook's cells stay on one worker.
JOBS ?= 2
test: $(STAMP) book     ## unit tests, nbval over every chapter, browser tests of the site and of JupyterLab
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -n $(JOBS) -m "not browser and not lab and not pdf"
	$(BIN)/python -m pytest --nbval-lax chapters -q -p no:cacheprovider -n $(JOBS) --dist loadfile
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -n $(JOBS) -m "browser or lab"

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q -m "not browser and not lab and not pdf"

notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax chapters -q

# Saved notebooks keep each explorable's static HTML, not its dead widget (lib/explorable.py).
LAB_OPTIONS := --ContentsManager.pre_save_hook=lib.explorable.strip_live_views

lab: $(STAMP)           ## JupyterLab on the book, with the project's environment
	$(BIN)/jupyter lab --ip=$(HOST) --notebook-dir=. $(LAB_OPTIONS)

serve: book             ## the built site on http://127.0.0.1:8000
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory _build/html

bench: $(STAMP) book    ## network step vs matmul floor; redraw latency, notebook time, page weight
	$(BIN)/python -m tests.bench_nn; nn=$$?; $(BIN)/python -m tests.bench && exit $$nn

clean:
	rm -rf _build

record: $(STAMP)        ## re-record the key numbers nbval checks (review the diff!)
	$(BIN)/python -m tests.record_outputs chapters/*.ipynb

# The whole book as one PDF (cover, contents, every chapter) and the cheat sheet on its own:
# a single-page HTML build in _build/pdf (its own execution cache, emptied when lib changes)
# printed by Debian's chromium (_ext/pdf.py), then a smoke test of both files.
PDF_STAMP := _build/pdf/.lib-stamp
$(PDF_STAMP): $(shell find lib _ext -name '*.py' -o -name '*.css')
	rm -rf _build/pdf/_build/.jupyter_cache _build/pdf/_build/.doctrees
	mkdir -p _build/pdf
	touch $@

pdf: $(STAMP) $(PDF_STAMP)   ## _build/pdf/book.pdf and _build/pdf/cheat_sheet.pdf
	$(BIN)/jupyter-book build . --builder singlehtml --path-output _build/pdf --keep-going
	$(BIN)/python _ext/pdf.py
	$(BIN)/python -m pytest tests/test_pdf.py -q -p no:cacheprovider -m pdf
