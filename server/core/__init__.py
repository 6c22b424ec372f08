"""Infrastructure every feature stands on: the clock, the database and its types, the error
tree, paging, text and privacy helpers, the worker's read cache and work tied to a
transaction's end. Nothing here imports a feature package (tests/test_import_graph.py)."""
