"""Copy the browser tests' widget screenshots (build/browser/) into notebooks/images/.

Each picture is cropped to what the widget draws (the output area is wider) and scaled to
at most 760 pixels wide, the width the notebooks show. Run by `make screenshots`.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parents[1]
# the picture each notebook shows -> the browser test's screenshot of it
SHOTS = {
    "dataset_browser": "dataset_browser_start",
    "prediction_explorer": "prediction_explorer_start",
    "drawing_pad": "drawing_pad",
    "training_playground": "training_playground",
}
WIDTH, MARGIN = 760, 4


def crop(image: Image.Image) -> Image.Image:
    """``image`` without the white space around what is drawn, keeping a small margin."""
    image = image.convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box is None:
        raise SystemExit("an empty screenshot: run the browser tests again")
    left, top, right, bottom = box
    image = image.crop(
        (
            0,
            max(0, top - MARGIN),
            min(image.width, right + MARGIN),
            min(image.height, bottom + MARGIN),
        )
    )
    if image.width > WIDTH:
        image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
    return image


def main() -> None:
    for folder in ("", "zh"):
        source, target = ROOT / "build" / "browser" / folder, ROOT / "notebooks" / "images" / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, shot in SHOTS.items():
            if not (source / f"{shot}.png").is_file():
                raise SystemExit(f"{source / shot}.png is missing: run the browser tests first")
            crop(Image.open(source / f"{shot}.png")).save(target / f"{name}.png", optimize=True)
            print(f"notebooks/images/{folder}/{name}.png".replace("//", "/"))


if __name__ == "__main__":
    main()
