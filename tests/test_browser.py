"""The course in a real browser: JupyterLab, headless Chromium, a digit drawn on the pad.

Runs notebook 05 in JupyterLab served on 127.0.0.1 (no token, a temporary root), drags a
digit onto the drawing pad's canvas with the mouse, presses Predict and checks that a
prediction is shown. A screenshot is saved in build/browser/ for people to look at.

Needs Debian's chromium (/usr/bin/chromium) and Playwright for Python; skipped without
them, unless MNIST_COURSE_REQUIRE_BROWSER=1 (CI sets it) turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import mnist_course as mc

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("MNIST_COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def lab(tmp_path, real_mnist_path):
    """JupyterLab on a free loopback port, serving a copy of notebook 05."""
    models = tmp_path / "models"
    models.mkdir()
    (x_train, y_train), _ = mc.load_mnist(real_mnist_path)
    model, _ = mc.train_course_model(
        "lenet", x_train[:12000], y_train[:12000], epochs=2, progress=mc.EpochLog(lambda line: None)
    )
    mc.save_model(model, models / "lenet.keras")
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "05_draw.ipynb", root)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        MNIST_COURSE_DATA=str(real_mnist_path),
        MNIST_COURSE_MODELS=str(models),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    # closed when the server stops, in the finally below
    log = (tmp_path / "lab.log").open("w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={root}",
            "--allow-root",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-2000:])
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_draw_a_digit_and_predict_in_jupyterlab(lab) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    _require(chromium is not None, "Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _require(False, "Playwright for Python is not installed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        try:
            page.goto(f"{lab}/lab/tree/05_draw.ipynb")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # Run All before the kernel is connected clears the cells without running them
            page.wait_for_function(
                "document.body.innerText.includes('(ipykernel) | Idle')", timeout=120_000
            )
            # Run > Run All Cells, through JupyterLab's own menu
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            # the first canvas is the learner's pad (the demo pad is drawn by code)
            output = page.locator(".jp-OutputArea-output").filter(has=page.locator("canvas")).first
            canvas = output.locator("canvas").first
            canvas.wait_for(state="visible", timeout=120_000)
            expect(output).to_contain_text("Draw a digit in the box", timeout=60_000)
            canvas.scroll_into_view_if_needed()
            box = canvas.bounding_box()
            assert box and box["width"] > 100
            scale = box["width"] / 280
            stroke = [(80, 70), (210, 70), (190, 120), (160, 170), (130, 230)]  # a 7
            page.mouse.move(box["x"] + stroke[0][0] * scale, box["y"] + stroke[0][1] * scale)
            page.mouse.down()
            for x, y in stroke[1:]:
                page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=8)
            page.mouse.up()
            output.get_by_role("button", name="Predict").click()
            expect(output).to_contain_text("It looks like a", timeout=60_000)
            message = output.inner_text()
            output.screenshot(path=str(SCREENSHOTS / "drawing_pad.png"))
            page.screenshot(path=str(SCREENSHOTS / "notebook_05.png"))
        finally:
            page.screenshot(path=str(SCREENSHOTS / "last_page.png"))
            browser.close()
    assert "sure)" in message
    assert (SCREENSHOTS / "drawing_pad.png").stat().st_size > 5_000
