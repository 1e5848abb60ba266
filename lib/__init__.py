"""The library behind the interactive deep-learning textbook.

One module per concept; every chapter imports its formulas from here:

- :mod:`lib.style` -- the book's plotting style (palette, sizes, fonts).
- :mod:`lib.explorable` -- the slider layer: live ipywidgets in a kernel,
  precomputed scrubbable frames on the static website.
- :mod:`lib.gradcheck` -- finite-difference gradient checker.
- :mod:`lib.datasets` -- seeded synthetic datasets.
- :mod:`lib.objectives` -- finite-sum objectives (least squares, toy landscapes).
- :mod:`lib.gradient_descent` -- batch, stochastic and mini-batch gradient descent.
- :mod:`lib.softmax` -- log-sum-exp, softmax, cross-entropy, softmax regression.
- :mod:`lib.sigmoid` -- sigmoid, logit, binary cross-entropy, logistic regression.
- :mod:`lib.glm` -- exponential families, links, IRLS, GLM objectives.
- :mod:`lib.information` -- entropy, cross-entropy, KL divergence.
- :mod:`lib.checks` -- argument checks shared by the modules above.
- :mod:`lib.figures` -- each chapter's explorables and experiments.
"""
