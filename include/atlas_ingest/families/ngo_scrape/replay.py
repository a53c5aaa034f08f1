"""Replay a scraped source against another state of its site ("snapshot variants").

A site changes between runs (pages move, chapters leave the sitemap), and replay answers by
request, so each later state of the site is a variant: `snapshots/variants/<name>/index.json`,
an index over the same body store (its `file` entries are paths relative to `snapshots/`; the
bodies that differ live in `snapshots/variants/<name>/`). `variant_sources_dir` builds a sources
directory in which that source's `snapshots/` answers as the variant — every other source, and
the source's own manifest and config files, are symlinks to the repository's — and a run with
`ATLAS_SOURCES_DIR=<that directory>` replays the variant through the unchanged code path:

    python -m atlas_ingest.families.ngo_scrape.replay folkehjelp-chapters run2-lastmod-moved /tmp/site-run2
    ATLAS_SOURCES_DIR=/tmp/site-run2 atlas run folkehjelp-chapters
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from atlas_ingest.settings import SOURCES_DIR


class VariantMissing(FileNotFoundError):
    pass


def variants(source_id: str, sources: Path = SOURCES_DIR) -> list[str]:
    root = sources / source_id / "snapshots" / "variants"
    return sorted(p.parent.name for p in root.glob("*/index.json"))


def variant_sources_dir(source_id: str, variant: str, dest: Path, sources: Path = SOURCES_DIR) -> Path:
    """Build (or rebuild) `dest` as a sources directory replaying `variant` for `source_id`."""
    folder = sources / source_id
    snapshots = folder / "snapshots"
    index = snapshots / "variants" / variant / "index.json"
    if not index.exists():
        raise VariantMissing(f"{source_id}: no snapshot variant {variant!r} ({index} does not exist); "
                             f"known: {', '.join(variants(source_id, sources)) or 'none'}")
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for other in sorted(p for p in sources.iterdir() if p.is_dir()):
        if other.name != source_id:
            (dest / other.name).symlink_to(other.resolve(), target_is_directory=True)
    mine = dest / source_id
    mine.mkdir()
    for item in folder.iterdir():
        if item.name != "snapshots":
            (mine / item.name).symlink_to(item.resolve(), target_is_directory=item.is_dir())
    replay = mine / "snapshots"
    replay.mkdir()
    entries = json.loads(index.read_text(encoding="utf-8"))["entries"]
    for entry in entries:
        target = (snapshots / entry["file"]).resolve()
        if not target.is_file():
            raise VariantMissing(f"{index}: entry {entry['request']['url']} names {entry['file']}, which is not a "
                                 f"file under {snapshots}")
        link = replay / entry["file"]
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(target)
    shutil.copyfile(index, replay / "index.json")
    return dest


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m atlas_ingest.families.ngo_scrape.replay SOURCE_ID VARIANT DEST", file=sys.stderr)
        return 2
    dest = variant_sources_dir(args[0], args[1], Path(args[2]))
    print(f"ATLAS_SOURCES_DIR={dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
