"""The register store: SQLAlchemy models, the database session, migrations, import and queries.

Only ``secbot.store.queries`` reads the register for answers; only ``secbot.store.importer``
writes it.
"""
