"""Rebuild ``src/gdlab/i18n/fonts/gdlab-cjk.ttf`` from Noto Sans SC for the characters of the zh-CN catalogue.

    pip install justmytype-intl-cjk        # Noto Sans SC (variable, OFL), about 30 MB; only to build
    python tools/build_cjk_font.py         # or: --source path/to/NotoSansSC[wght].ttf

It instantiates the variable font at weight 400 (Regular), keeps every non-ASCII character of the
zh-CN messages plus the CJK punctuation a sentence may need, and renames the family "gdlab CJK".
Run it after adding a message whose characters the font lacks (tests/test_i18n.py names them).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gdlab.i18n.catalog import catalog  # noqa: E402
from gdlab.i18n.fonts import FAMILY, FILE  # noqa: E402

PUNCTUATION = "，。、；：？！“”‘’（）《》【】—…·％"


def source_font() -> Path:
    import justmytype_intl_cjk

    found = sorted(Path(justmytype_intl_cjk.__file__).parent.rglob("NotoSansSC*.ttf"))
    if not found:
        raise SystemExit("justmytype-intl-cjk has no NotoSansSC*.ttf; pass --source")
    return found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="Noto Sans SC (variable or Regular) .ttf/.otf")
    args = parser.parse_args()
    source = args.source or source_font()
    text = "".join(catalog("zh-CN").values()) + PUNCTUATION
    wanted = sorted({c for c in text if ord(c) > 127})
    font = TTFont(source)
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": 400})
    options = subset.Options()
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(wanted))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
        elif record.nameID == 3:
            record.string = f"{FAMILY}; subset of Noto Sans SC for gdlab"
    out = ROOT / "src" / "gdlab" / "i18n" / "fonts"
    font.save(out / FILE)
    shutil.copyfile(source.parent / "OFL.txt", out / "OFL.txt")
    missing = [c for c in wanted if ord(c) not in font["cmap"].getBestCmap()]
    print(f"wrote {out / FILE}: {len(wanted) - len(missing)} characters, {(out / FILE).stat().st_size:,} bytes"
          + (f"; not in the source font: {''.join(missing)}" if missing else ""))


if __name__ == "__main__":
    main()
