"""The content-addressed landing store (local root)."""

from __future__ import annotations

import hashlib

import pytest

from atlas_ingest.landing import LandingKeyMissing, LandingStore


@pytest.fixture
def store(tmp_path) -> LandingStore:
    return LandingStore(str(tmp_path / "landing"))


def test_same_bytes_same_key_stored_once(store, tmp_path):
    body = b'{"class": "dataset"}'
    key = store.put(body)
    assert key == hashlib.sha256(body).hexdigest()
    assert store.put(body) == key
    objects = [p for p in (tmp_path / "landing").rglob("*") if p.is_file()]
    assert [p.name for p in objects] == [key]
    assert objects[0].parent.name == key[:2] and objects[0].parent.parent.name == "objects"
    assert store.get(key) == body and store.exists(key)


def test_different_bytes_different_keys(store):
    assert store.put(b"a") != store.put(b"b")
    assert store.get(store.put(b"")) == b""


def test_local_path_points_at_the_object(store):
    key = store.put(b"copy me")
    with open(store.local_path(key), "rb") as fh:
        assert fh.read() == b"copy me"


@pytest.mark.parametrize("key", ["", "abc", "A" * 64, "g" * 64, "0" * 63, "0" * 65, "../" + "0" * 61,
                                 "0" * 62 + "/x"])
def test_invalid_keys_are_rejected(store, key):
    with pytest.raises(ValueError, match="not a landing key"):
        store.get(key)
    with pytest.raises(ValueError, match="not a landing key"):
        store.exists(key)


def test_missing_key_is_a_clear_error(store):
    key = "0" * 64
    assert not store.exists(key)
    with pytest.raises(LandingKeyMissing) as err:
        store.get(key)
    assert key in str(err.value) and str(store.root) in str(err.value)
    assert isinstance(err.value, FileNotFoundError)


def test_json_round_trip_is_canonical(store):
    key = store.put_json({"b": 1, "a": ["ø", 2]})
    assert store.get(key) == '{"a": ["ø", 2], "b": 1}'.encode("utf-8")
    assert store.put_json({"a": ["ø", 2], "b": 1}) == key  # key order does not matter
    assert store.get_json(key) == {"a": ["ø", 2], "b": 1}


def test_no_temporary_files_left_behind(store, tmp_path):
    for i in range(5):
        store.put(str(i).encode())
    assert not [p for p in (tmp_path / "landing").rglob(".*.tmp")]


def test_default_root_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_LANDING_ROOT", str(tmp_path / "elsewhere"))
    s = LandingStore()
    key = s.put(b"x")
    assert (tmp_path / "elsewhere" / "objects" / key[:2] / key).read_bytes() == b"x"
