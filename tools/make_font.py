"""Make wuyectl/fonts/NotoSansSC-subset.otf: the CJK font the printed forms embed and the
dashboard carries, so that neither needs a font on the machine that makes them.

Source: Noto Sans CJK SC Regular (SIL Open Font License 1.1, which allows a subset to be
redistributed with the licence: wuyectl/fonts/OFL.txt), from Debian's fonts-noto-cjk.
Kept: ASCII and Latin-1, general punctuation, arrows, enclosed numbers, box drawing, CJK
symbols and punctuation, full-width forms, and every hanzi of GB 2312 (6,763: the names,
addresses and words an office writes), about 3 MB instead of the collection's 19 MB.

    python tools/make_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

Needs fontTools (pulled in by fpdf2).
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TARGET = Path(__file__).resolve().parent.parent / "wuyectl" / "fonts" / "NotoSansSC-subset.otf"
SC = "Noto Sans CJK SC"


def gb2312() -> set[int]:
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return out


def wanted() -> set[int]:
    ranges = [(0x20, 0x7F), (0xA0, 0x100), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2460, 0x24FF),
              (0x2500, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
    chars = {c for lo, hi in ranges for c in range(lo, hi)} | {0x2713, 0x2717, 0x2605, 0x2606}
    return chars | gb2312()


def main(source: str = SOURCE) -> None:
    fonts = [f for f in TTCollection(source).fonts if f["name"].getDebugName(4) == SC]
    if not fonts:
        sys.exit(f"{source}: no {SC} in this collection")
    font = fonts[0]
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    font.save(TARGET)
    print(f"{TARGET}: {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:])
