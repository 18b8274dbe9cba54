"""Importing the package must not print TensorFlow's start-up noise: nbval compares stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_is_silent() -> None:
    code = "import mnist_course._backend as b; print(b.keras.__version__)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip().startswith("3.")


def test_real_errors_still_reach_stderr_after_import() -> None:
    code = "import sys, mnist_course._backend; print('still here', file=sys.stderr)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.stderr == "still here\n"


# Makes `tensorflow` unimportable, as on a machine where pip did not install it.
NO_TENSORFLOW = """
import sys

class NoTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoTensorFlow())
"""


def test_without_tensorflow_the_import_says_why_and_what_to_do() -> None:
    code = NO_TENSORFLOW + (
        "import mnist_course as mc\n"  # cheap: loads nothing of TensorFlow's yet
        "try:\n"
        "    mc.lenet\n"  # the first name that needs TensorFlow
        "except ImportError as error:\n"
        "    print(type(error).__name__, '|', error)\n"
        "    print(type(error.__cause__).__name__, error.__cause__.name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    first, cause = result.stdout.splitlines()
    assert first.startswith("ImportError | mnist_course needs TensorFlow")
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in first
    assert "make lab" in first and "mybinder.org" in first
    assert cause == "ModuleNotFoundError tensorflow"  # the original error stays attached


def test_the_import_error_on_an_intel_mac_points_to_binder() -> None:
    from mnist_course._backend import BINDER_URL, missing_tensorflow_message

    message = missing_tensorflow_message("darwin", "x86_64", (3, 12))
    assert "Intel Macs" in message and BINDER_URL in message
    assert "Apple silicon" in message


def test_the_import_error_on_an_unsupported_python_names_the_supported_ones() -> None:
    from mnist_course._backend import missing_tensorflow_message

    message = missing_tensorflow_message("linux", "x86_64", (3, 14))
    assert "Python 3.11, 3.12, 3.13, not Python 3.14" in message
    assert "make lab" in message and "mybinder.org" in message
    # on Apple silicon the Python version is what is wrong, not the Mac
    assert "Intel" not in missing_tensorflow_message("darwin", "arm64", (3, 14))


def test_importing_keras_after_the_package_is_silent_too() -> None:
    """Notebooks start `import mnist_course as mc`, then `import keras`: no red lines."""
    code = (
        "import sys\n"
        "import mnist_course as mc\n"
        "assert 'tensorflow' not in sys.modules  # the package alone stays cheap\n"
        "import keras\n"
        "from keras import layers\n"
        "model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])\n"
        "print(model.count_params(), keras.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.split() == ["10", "keras"]


def test_importing_keras_without_tensorflow_says_why() -> None:
    code = NO_TENSORFLOW + (
        "import mnist_course as mc\n"
        "try:\n"
        "    import keras\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.stdout.startswith("mnist_course needs TensorFlow"), result.stderr[-2000:]
