"""The landing store: every fetched body and every parsed file, content-addressed.

A key is the sha256 of the bytes, so the same upstream body fetched twice is stored once, a key
in XCom is all a downstream task needs, and a parsed file can be traced back to the bodies that
made it. The root is a local directory by default (`.atlas/landing`); it is opened through
universal-pathlib, so an object-store URL (`s3://bucket/atlas/landing`) works in production with
the matching fsspec driver installed and no code change here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from upath import UPath

from atlas_ingest.settings import landing_root


class LandingKeyMissing(FileNotFoundError):
    pass


class LandingStore:
    def __init__(self, root: str | None = None):
        self.root = UPath(root or landing_root())

    def _path(self, key: str) -> UPath:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a landing key (sha256 hex): {key!r}")
        return self.root / "objects" / key[:2] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename so a crash never leaves a truncated object under a valid key.
            tmp = path.with_name(f".{key}.tmp")
            tmp.write_bytes(data)
            tmp.rename(path)
        return key

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise LandingKeyMissing(f"landing object {key} is not in {self.root}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def local_path(self, key: str) -> str:
        """A filesystem path for COPY; only meaningful for a local root."""
        return str(self._path(key))

    def put_json(self, obj: Any) -> str:
        return self.put(json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))

    def get_json(self, key: str) -> Any:
        return json.loads(self.get(key))
