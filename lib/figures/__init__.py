"""The figures and experiments of each chapter, one module per chapter.

Each module exposes ``EXPLORABLES``: a dict from a name to a zero-argument
function returning the chapter's :class:`lib.explorable.Explorable`. The tests
drive every one of them (extremes, determinism) and ``make bench`` times them.
"""
