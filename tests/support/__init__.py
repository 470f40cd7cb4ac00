"""Helpers shared by the test modules: clients that speak to secbot as a chat platform would, the test
registers and databases, and what a person sees in a reply.

No tests and no fixtures live here (fixtures are in ``tests/conftest.py``). A test module imports what it
shares from here, never from another test module or from a conftest, which pytest loads on its own and a
plain import would load a second time.
"""
