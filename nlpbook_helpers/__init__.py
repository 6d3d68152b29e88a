"""nlpbook_helpers: the thin package behind the nlpbook notebooks, one module per stage.

1 settings  2 corpus (+ embedded_corpus)  3 model  4 tokenizer  5 data  6 task  7 training;
`views` holds what the notebooks show (tables, plots, widgets). Importing does nothing by itself.
"""
__version__ = "0.2.0"
