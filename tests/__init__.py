"""Tests of the nlpbook project (a package so that `tests.nbval_approx` wins over IPython 7's own `tests`)."""
