# Two commands a learner needs: `make lab` (open the course) and `make test` (check it).
# Both create the virtual environment in .venv on first use, from the pinned requirements.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# JupyterLab settings shipped with the course (no news pop-up); binder/postBuild installs the same.
LAB_CONFIG := $(CURDIR)/jupyter-config

.PHONY: lab test test-fast lint clean about-test

lab: $(STAMP)
	@echo "==> Starting JupyterLab on notebooks/01_dataset.ipynb; your browser opens it in a few seconds."
	@echo "    Its first cell checks your setup. To stop JupyterLab, press Ctrl-C twice here."
	JUPYTER_CONFIG_PATH="$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" notebooks/01_dataset.ipynb

# about-test only prints what `make test` is about to do, after the environment is ready.
test: $(STAMP) about-test
	$(BIN)/python -m pytest --nbval notebooks tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

about-test:
	@echo "==> Running the unit tests, then re-running the six notebooks and comparing their outputs"
	@echo "    with the committed ones (nbval). Several minutes: the notebooks alone take about"
	@echo "    2.5 minutes on a 2-core CPU, most of it training in notebook 03."

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "==> First run: installing the course's Python environment in $(VENV). Later runs skip this."
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "the course needs Python 3.11, found " + sys.version.split()[0]'
	@echo "==> [1/3] Creating the virtual environment $(VENV) (a few seconds)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] Upgrading pip (a few seconds)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> [3/3] Installing the pinned packages: 2.7 GB once installed, mostly TensorFlow;"
	@echo "    2 to 10 minutes, depending on your connection. pip shows each download below."
	$(BIN)/python -m pip install --progress-bar on -r requirements-dev.txt -e .
	touch $(STAMP)
	@echo "==> Environment ready. Check it at any time: $(BIN)/python -m mnist_course doctor"

clean:
	rm -rf $(VENV) models .pytest_cache
