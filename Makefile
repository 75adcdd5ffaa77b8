# The developer's commands in one place (CONTRIBUTING.md); `make check` is what .ci/run runs before the tests.
# Run inside the project's virtual environment, after `pip install -e '.[dev]'`.
PYTHON ?= python

.PHONY: check lint fix typecheck test docs

check: lint typecheck

# Lint findings and unformatted files, changing nothing
lint:
	ruff check .
	ruff format --check .

# Rewrites what ruff can fix by itself (import order, unused noqa, ...) and formats every file
fix:
	ruff check --fix .
	ruff format .

# mypy (with the pydantic plugin) over baton_itsm.core, .connectors, .plugins as installed
typecheck:
	$(PYTHON) scripts/typecheck.py

# The README's test command; the e2e tests need scripts/rt5-server.sh (CONTRIBUTING.md)
test:
	$(PYTHON) -m pytest

# The documentation site as CI builds it: a broken link, anchor or snippet fails
docs:
	$(PYTHON) scripts/docs_reference.py
	site=$$(mktemp -d) && NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet --site-dir "$$site"; status=$$?; rm -rf "$$site"; exit $$status
