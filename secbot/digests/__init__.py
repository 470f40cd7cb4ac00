"""Digests of the register: built as data (``document``), rendered as text (``render``, ``templates/``).

``monthly.build_monthly`` rebuilds SECAS's monthly Change Status Report from ``secbot.store.queries``;
``chart`` draws its stage chart. Scheduling and posting to chat come later (issue 5).
"""
