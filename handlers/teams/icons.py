"""The Teams app icons, drawn in pure Python (no imaging library) and committed under assets/.

- color.png, 192×192: a RAG list on the accent colour (three rows, each a coloured dot and a bar);
- outline.png, 32×32: the same list in white on transparent, as Teams requires.

Shapes are drawn with 4× supersampling for smooth edges. `python -m handlers.teams.icons`
rewrites the files; a test checks the committed files are exactly what this code draws.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
ACCENT = (0x1F, 0x4E, 0x79)
RED, AMBER, GREEN, WHITE = (0xD1, 0x34, 0x38), (0xF2, 0xA9, 0x00), (0x10, 0x7C, 0x41), (0xFF, 0xFF, 0xFF)
SUPERSAMPLE = 4

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixels: list[list[Pixel]]) -> bytes:
    """Encode RGBA rows as a PNG (8-bit, no interlace, filter 0)."""
    raw = b"".join(b"\x00" + b"".join(struct.pack("BBBB", *p) for p in row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _rows(size: int) -> list[tuple[float, float, float, float]]:
    """Three list rows: (dot centre x, centre y, dot radius, bar end x) in unit coordinates."""
    return [(0.27, y, 0.085, 0.78) for y in (0.30, 0.50, 0.70)]


def _coverage(size: int, inside) -> list[list[float]]:
    """Fraction of each pixel covered by the shape `inside(x, y)` (unit coordinates)."""
    n = SUPERSAMPLE
    out = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = 0
            for sy in range(n):
                for sx in range(n):
                    if inside((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size):
                        hits += 1
            row.append(hits / (n * n))
        out.append(row)
    return out


def _dot(cx: float, cy: float, r: float):
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _bar(x0: float, x1: float, cy: float, half: float):
    """A bar with round ends (a stadium)."""

    def inside(x: float, y: float) -> bool:
        if x0 <= x <= x1:
            return abs(y - cy) <= half
        nearest = x0 if x < x0 else x1
        return (x - nearest) ** 2 + (y - cy) ** 2 <= half * half

    return inside


def _blend(under: Pixel, colour: tuple[int, int, int], alpha: float) -> Pixel:
    if alpha <= 0:
        return under
    r, g, b, a = under
    out_a = alpha + (a / 255) * (1 - alpha)
    if out_a == 0:
        return (0, 0, 0, 0)

    def mix(c: int, u: int) -> int:
        return round((c * alpha + u * (a / 255) * (1 - alpha)) / out_a)

    return (mix(colour[0], r), mix(colour[1], g), mix(colour[2], b), round(out_a * 255))


def _paint(size: int, background: Pixel, shapes: list[tuple[tuple[int, int, int], object]]) -> list[list[Pixel]]:
    canvas = [[background for _ in range(size)] for _ in range(size)]
    for colour, inside in shapes:
        cover = _coverage(size, inside)
        for y in range(size):
            for x in range(size):
                canvas[y][x] = _blend(canvas[y][x], colour, cover[y][x])
    return canvas


def color_icon(size: int = 192) -> bytes:
    shapes = []
    for (cx, cy, r, end), dot_colour in zip(_rows(size), (RED, AMBER, GREEN), strict=True):
        shapes.append((WHITE, _dot(cx, cy, r + 0.025)))
        shapes.append((dot_colour, _dot(cx, cy, r)))
        shapes.append((WHITE, _bar(cx + r + 0.09, end, cy, 0.035)))
    return png(size, size, _paint(size, (*ACCENT, 255), shapes))


def outline_icon(size: int = 32) -> bytes:
    shapes = []
    for cx, cy, r, end in _rows(size):
        shapes.append((WHITE, _dot(cx, cy, r)))
        shapes.append((WHITE, _bar(cx + r + 0.09, end, cy, 0.045)))
    return png(size, size, _paint(size, (255, 255, 255, 0), shapes))


def write_icons(folder: Path = ASSETS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in (("color.png", color_icon()), ("outline.png", outline_icon())):
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_icons():
        print(p)
