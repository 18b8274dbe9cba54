# Two commands a learner needs: `make lab` (open the course) and `make test` (check it).
# Both create the virtual environment in .venv on first use, from the pinned requirements.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test test-fast lint clean

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/01_dataset.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest --nbval notebooks tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "the course needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) models .pytest_cache
