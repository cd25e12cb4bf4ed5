import sys
from pathlib import Path

from PIL import Image


def main(src: str = "in", dst: str = "out") -> None:
    Path(dst).mkdir(exist_ok=True)
    for p in Path(src).glob("*.jpg"):
        with Image.open(p) as im:
            im.thumbnail((256, 256))
            im.save(Path(dst) / f"{p.stem}.webp", "WEBP")


if __name__ == "__main__":
    main(*sys.argv[1:])
