"""Checkpoint ops: SaveV2, RestoreV2 and MergeV2Checkpoints over TF's tensor-bundle format.

Files are TensorFlow's V2 checkpoints (``<prefix>.index`` + ``<prefix>.data-*``), written
atomically by ``tensor_bundle``, so checkpoints move both ways between TF and sessionflow.
"""
from __future__ import annotations

import glob
import os

import numpy as np

from ...graph import errors
from ...graph.tensor_shape import TensorShape
from ..framework import shape_fns
from . import tensor_bundle
from ..framework.declare import declare


def _text(value) -> str:
    value = value.item() if isinstance(value, np.ndarray) else value
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _names(tensor_names, shape_and_slices) -> list[str]:
    names = [_text(n) for n in np.ravel(tensor_names)]
    slices = [_text(s) for s in np.ravel(shape_and_slices)]
    if len(slices) != len(names):
        raise errors.InvalidArgumentError(
            None, None, f"shape_and_slices has {len(slices)} entries but tensor_names has "
                        f"{len(names)}")
    if any(slices):
        raise errors.UnimplementedError(
            None, None, "Saving or restoring slices of tensors (shape_and_slices) is not "
                        "supported; save whole tensors")
    return names


def _save_kernel(op, ctx):
    types = op.attrs["dtypes"]

    def kernel(prefix, tensor_names, shape_and_slices, *tensors):
        names = _names(tensor_names, shape_and_slices)
        if len(names) != len(tensors):
            raise errors.InvalidArgumentError(
                None, None, f"Got {len(tensors)} tensors to save but {len(names)} tensor names")
        writer = tensor_bundle.BundleWriter(_text(prefix))
        for name, value, dtype in sorted(zip(names, tensors, types), key=lambda item: item[0]):
            writer.add(name, np.asarray(value), dtype=dtype)
        writer.finish()
    return kernel


declare("SaveV2", shape=shape_fns.unknown, make_kernel=_save_kernel, not_differentiable=True)


def _restore_kernel(op, ctx):
    want = op.attrs["dtypes"]

    def kernel(prefix, tensor_names, shape_and_slices):
        names = _names(tensor_names, shape_and_slices)
        if len(names) != len(want):
            raise errors.InvalidArgumentError(
                None, None, f"Got {len(names)} tensor names but {len(want)} dtypes")
        reader = tensor_bundle.BundleReader(_text(prefix))
        out = []
        for name, dtype in zip(names, want):
            saved_dtype = reader.dtype_and_shape(name)[0]
            if saved_dtype != dtype:
                raise errors.InvalidArgumentError(
                    None, None, f"tensor_name = {name}; expected dtype {dtype.name} does not "
                                f"equal original dtype {saved_dtype.name}")
            out.append(reader.read(name))
        return out
    return kernel


declare("RestoreV2", shape=lambda op: [TensorShape(None)] * len(op.attrs["dtypes"]),
        make_kernel=_restore_kernel, not_differentiable=True)


def _merge_kernel(op, ctx):
    delete_old = op.attrs.get("delete_old_dirs", True)

    def kernel(checkpoint_prefixes, destination_prefix):
        prefixes = [_text(p) for p in np.ravel(checkpoint_prefixes)]
        destination = _text(destination_prefix)
        tensor_bundle.merge_bundles(prefixes, destination)
        for p in prefixes:
            if p != destination:
                for path in glob.glob(glob.escape(p) + ".data-*") + [p + ".index"]:
                    if os.path.exists(path):
                        os.remove(path)
        if delete_old:
            for p in prefixes:
                directory = os.path.dirname(p)
                if directory and directory != os.path.dirname(destination):
                    try:
                        os.rmdir(directory)
                    except OSError:
                        pass  # TF also ignores non-empty or missing directories here
    return kernel


declare("MergeV2Checkpoints", shape=shape_fns.unknown, make_kernel=_merge_kernel,
        not_differentiable=True)
