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
# JupyterLab settings shipped with the course (no news pop-up); binder/postBuild installs the same.
LAB_CONFIG := $(CURDIR)/jupyter-config

.PHONY: lab test test-fast lint clean about-test messages screenshots

# PATH: a terminal opened in JupyterLab runs the course's python, as notebook 06's commands expect.
lab: $(STAMP)
	@echo "==> Starting JupyterLab on notebooks/01_dataset.ipynb; your browser opens it in a few seconds."
	@echo "    Its first cell checks your setup. To stop JupyterLab, press Ctrl-C twice here."
	PATH="$(abspath $(BIN)):$$PATH" JUPYTER_CONFIG_PATH="$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" notebooks/01_dataset.ipynb $(ROOT_FLAG)

# about-test only prints what `make test` is about to do, after the environment is ready.
test: $(STAMP) about-test
	$(BIN)/python -m pytest --nbval notebooks tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow"

# The course's messages with gettext (docs/translating.md): extract the template from the
# source with Babel, merge it into each language's .po (what translators edit), compile .mo.
LOCALE := mnist_course/locale
# mnist_course/errors.py: each of the course's exceptions translates its message as tr() does.
ERRORS := MnistCourseError DataNotFoundError DataFileError DownloadError InputError ModelFileError
messages: $(STAMP)
	$(BIN)/pybabel extract --project=mnist-course --version=0.1.0 --width=100 \
	  --keyword=tr --keyword=trn:1,2 --keyword=tr_plot --keyword=N_ \
	  $(foreach error,$(ERRORS),--keyword=$(error)) --add-comments=TRANSLATORS: \
	  --output-file=$(LOCALE)/messages.pot mnist_course
	$(BIN)/pybabel update --input-file=$(LOCALE)/messages.pot --output-dir=$(LOCALE) \
	  --domain=messages --width=100 --ignore-obsolete
	$(BIN)/pybabel compile --directory=$(LOCALE) --domain=messages --statistics

# The widget pictures the notebooks show (notebooks/images/, zh/ for the Chinese edition),
# taken by the browser tests in JupyterLab; needs Chromium and Playwright (docs/testing.md).
screenshots: $(STAMP)
	MNIST_COURSE_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -m browser tests/test_browser.py
	$(BIN)/python tools/copy_screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check .

about-test:
	@echo "==> Running the unit tests, then re-running the seven notebooks and their Chinese editions"
	@echo "    and comparing their outputs with the committed ones (nbval); the English ones run twice"
	@echo "    more, with other TensorFlow kernels. The notebooks alone take about 20 minutes on a"
	@echo "    2-core CPU, most of it training in notebooks 03 and 06."

$(STAMP): requirements.txt requirements-dev.txt requirements-lock.txt pyproject.toml jupyter-config/ipython_kernel_config.py
	@v=$$($(PYTHON) $(PY_PROBE) 2>/dev/null); case " $(PYTHONS) " in *" $$v "*) ;; \
	  *) echo "$(NO_PYTHON)$${v:+ ($(PYTHON) is Python $$v.)}" >&2; exit 1;; esac
	@echo "==> First run: installing the course's Python environment in $(VENV) with $(PYTHON)."
	@echo "    Later runs skip this."
	@echo "==> [1/3] Creating the virtual environment $(VENV) (a few seconds)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] Upgrading pip (a few seconds)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> [3/3] Installing the pinned packages: about 675 MiB to download, 2.6 GiB once"
	@echo "    installed, mostly TensorFlow; 2 to 10 minutes, depending on your connection."
	$(BIN)/python -m pip install --progress-bar on -r requirements-dev.txt -c requirements-lock.txt -e ".[lab,test]"
	@# TensorFlow's C++ start-up lines go to this terminal, not into notebooks (jupyter-config/).
	mkdir -p $(VENV)/etc/ipython
	cp jupyter-config/ipython_kernel_config.py $(VENV)/etc/ipython/
	touch $(STAMP)
	@echo "==> Environment ready. Check it at any time: $(BIN)/python -m mnist_course doctor"

clean:
	rm -rf $(VENV) models .pytest_cache
