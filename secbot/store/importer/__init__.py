"""Import of register files (YAML, CSV, XLSX) into the store, all or nothing.

``schema`` validates rows, ``readers`` turns each file format into the canonical tables (YAML
through ``yaml_document``; every reader bounded by ``limits``), ``validation`` turns the read files
into a checked plan (no database), ``apply`` writes a plan in one transaction, ``results`` holds
what an import reports, and ``loader`` is the public API that ties them together
(``import_paths``, ``import_sample``, ``load_sample_if_empty``).
"""
