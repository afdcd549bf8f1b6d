"""Checks shared by the report and CLI tests: a page's files exist, a figure is not cut."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from PIL import Image


class _Links(HTMLParser):
    """Every src / href of a page (data: URLs left out), and the src of each <img>."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key) and not attrs[key].startswith("data:"):
                self.targets.append(attrs[key])
        if tag == "img":
            self.images.append(attrs["src"])


def links_of(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def assert_all_targets_exist(page: Path) -> list[str]:
    """Every file a page refers to exists and every image is a non-empty PNG."""
    parsed = links_of(page)
    for target in parsed.targets:
        assert (page.parent / target).is_file(), target
    for src in parsed.images:
        with Image.open(page.parent / src) as image:
            assert image.format == "PNG"
            assert image.width > 0 and image.height > 0
    return parsed.images


def edges_are_blank(path: Path) -> bool:
    """Nothing drawn on the outer two pixels of a figure: no title runs off its edges."""
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("L"))
    frame = [pixels[:2], pixels[-2:], pixels[:, :2], pixels[:, -2:]]
    return all(part.min() == 255 for part in frame)
