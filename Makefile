# The two commands a new machine needs: `make run` and `make test`.
# Both create the virtual environment in .venv on first use (Python 3.11+).

PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint-imports bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "secbot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(VENV)/bin/secbot serve

test: $(STAMP)
	$(VENV)/bin/pytest

lint-imports: $(STAMP)
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(VENV)/bin/python bench/queries.py
	$(VENV)/bin/python bench/slack_http.py
	$(VENV)/bin/python bench/teams_http.py
	$(VENV)/bin/python bench/cli_start.py

clean:
	rm -rf $(VENV) build *.egg-info
