# Two commands a learner needs: `make lab` (open the course) and `make test` (check it).
# Both create the virtual environment in .venv on first use, from the pinned requirements.
# Python: the newest of PYTHONS on PATH (python3 last), or PYTHON=/path/to/python.
# Keep PYTHONS in step with requires-python in pyproject.toml (tests/test_environments.py).
PYTHONS := 3.13 3.12 3.11
PY_PROBE := -c 'import sys; print("%d.%d" % sys.version_info[:2])'
PY_CANDIDATES := $(PYTHONS:%=python%) python3
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in $(PY_CANDIDATES); do v=$$($$p $(PY_PROBE) 2>/dev/null) || continue; \
	case " $(PYTHONS) " in (*" $$v "*) command -v $$p; exit;; esac; done)
endif
NO_PYTHON := The course needs Python 3.11, 3.12 or 3.13; found $(or $(PYTHON),none of \
	$(PY_CANDIDATES) on PATH). Install one (python.org, your package manager, or \
	'uv python install 3.13') and run make again, or name it: make PYTHON=/path/to/python3.13. \
	Nothing to install: use Binder (see README.md).
# jupyter refuses to start as root (Docker, cloud VMs) unless told it is meant.
ROOT_FLAG := $(shell [ "$$(id -u 2>/dev/null)" = 0 ] && echo --allow-root)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test test-fast lint clean

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/01_dataset.ipynb $(ROOT_FLAG)

test: $(STAMP)
	$(BIN)/python -m pytest --nbval notebooks tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

$(STAMP): requirements.txt requirements-dev.txt requirements-lock.txt pyproject.toml
	@v=$$($(PYTHON) $(PY_PROBE) 2>/dev/null); case " $(PYTHONS) " in *" $$v "*) ;; \
	  *) echo "$(NO_PYTHON)$${v:+ ($(PYTHON) is Python $$v.)}" >&2; exit 1;; esac
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c requirements-lock.txt -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) models .pytest_cache
