"""Import of register files (YAML, CSV, XLSX) into the store, all or nothing.

``schema`` validates rows, ``readers`` turns each file format into the canonical tables, and
``loader`` applies them in one transaction and counts what was added, updated or unchanged.
"""
