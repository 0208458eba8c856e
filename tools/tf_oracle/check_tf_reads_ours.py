"""Checks that TensorFlow reads the bundles sessionflow writes (a manual oracle run).

Two steps, two Pythons (TensorFlow is never a dependency of sessionflow):

    python tools/tf_oracle/check_tf_reads_ours.py write /tmp/bundles        # sessionflow
    /tmp/tfvenv/bin/python tools/tf_oracle/check_tf_reads_ours.py check /tmp/bundles

``write`` saves bundles with ``BundleWriter``/``merge_bundles`` (every dtype, a 4 MB
tensor, multi-block indexes, a merged two-shard bundle) plus ``<prefix>.npz`` expected
values. ``check`` restores each with ``tf.train.load_checkpoint`` and compares, and has
TensorFlow save the many-key bundle itself to compare the files byte for byte.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def _values() -> dict[str, tuple[np.ndarray, str | None]]:
    rng = np.random.default_rng(3)
    f = rng.standard_normal((3, 5))
    strings = np.array([b"", b"a", b"\x00\xff" * 100, "naïve".encode()], dtype=object)
    values = {f"t_{t}": (f.astype(t), None) for t in
              ("float16", "float32", "float64", "complex64", "complex128")}
    values.update({f"t_{t}": ((f * 100).astype(t), None) for t in
                   ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")})
    values.update({
        "t_bfloat16": ((f.astype(np.float32).view(np.uint32) & 0xFFFF0000).view(np.float32),
                       "bfloat16"),
        "t_bool": (f > 0, None),
        "t_string": (strings, None),
        "t_scalar": (np.float32(4.25), None),
        "t_empty": (np.zeros((2, 0, 3), np.int32), None),
        "big/matrix": (rng.standard_normal((1024, 1024)).astype(np.float32), None),
    })
    return values


def _many_keys(count: int) -> dict[str, np.ndarray]:
    return {f"layer_{i // 10:04d}/var_{i % 10}": np.full((2,), i, np.int64)
            for i in range(count)}


def _save(prefix: Path, tensors: dict[str, tuple[np.ndarray, str | None]],
          **writer_args) -> None:
    from sessionflow.ops.io.tensor_bundle import BundleWriter

    with BundleWriter(str(prefix), **writer_args) as writer:
        for name, (value, dtype) in tensors.items():
            writer.add(name, value, dtype=dtype)
    _save_expected(prefix, {name: value for name, (value, _) in tensors.items()})


def _save_expected(prefix: Path, values: dict[str, np.ndarray]) -> None:
    np.savez(f"{prefix}.npz", names=np.array(list(values), dtype="U"),
             **{f"v{i}": v.astype("S") if v.dtype == object else v
                for i, v in enumerate(values.values())})


def write(out: Path) -> None:
    from sessionflow.ops.io.tensor_bundle import merge_bundles

    out.mkdir(parents=True, exist_ok=True)
    _save(out / "mixed", _values())
    many = {k: (v, None) for k, v in _many_keys(12000).items()}
    _save(out / "many_keys", many)
    _save(out / "small_blocks", dict(list(many.items())[:600]), block_size=256)
    parts = [{"a": (np.arange(3.0), None)}, {"b": (np.array([b"x"], dtype=object), None)}]
    for i, part in enumerate(parts):
        _save(out / f"part{i}", part)
    merge_bundles([str(out / "part0"), str(out / "part1")], str(out / "merged"))
    _save_expected(out / "merged", {"a": np.arange(3.0), "b": np.array([b"x"], dtype=object)})
    for i in range(2):
        Path(f"{out}/part{i}.npz").unlink()


def check(out: Path) -> int:
    import tensorflow as tf

    failures = 0
    for index in sorted(out.glob("*.index")):
        prefix = str(index)[:-len(".index")]
        expected = np.load(f"{prefix}.npz")
        reader = tf.train.load_checkpoint(prefix)
        names = list(expected["names"])
        assert sorted(reader.get_variable_to_shape_map()) == sorted(names), prefix
        for i, name in enumerate(names):
            got = np.asarray(reader.get_tensor(name))
            want = expected[f"v{i}"]
            if got.dtype == object:
                got = got.astype("S")
            elif got.dtype.name == "bfloat16":
                got = got.astype(np.float32)
            if got.shape != want.shape or not np.array_equal(got, want):
                print(f"MISMATCH {prefix} {name}: {got!r} vs {want!r}")
                failures += 1
        print(f"{Path(prefix).name}: TensorFlow read {len(names)} tensors")
    tf_prefix = out / "tf_many_keys"
    names = sorted(_many_keys(12000))
    tf.raw_ops.SaveV2(prefix=str(tf_prefix), tensor_names=names,
                      shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(v) for _, v in sorted(_many_keys(12000).items())])
    for suffix in (".index", ".data-00000-of-00001"):
        same = Path(f"{tf_prefix}{suffix}").read_bytes() == Path(
            f"{out}/many_keys{suffix}").read_bytes()
        print(f"many_keys{suffix}: byte-identical to TensorFlow's: {same}")
        failures += not same
    print("FAILED" if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    mode, directory = sys.argv[1], Path(sys.argv[2])
    if mode == "write":
        write(directory)
        sys.exit(0)
    sys.exit(check(directory))
