"""Scheduled digests (weekly Working Group agenda, consultations, monthly status digest).

Not built yet: issue 5 adds the builders, templates and chart here, on top of ``secbot.store.queries``.
"""
