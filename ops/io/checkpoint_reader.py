"""Reading checkpoints without a graph: ``tf.train.NewCheckpointReader`` /
``load_checkpoint`` / ``list_variables`` / ``load_variable``, as TensorFlow's
``checkpoint_utils`` and ``CheckpointReader`` do, over the V2 tensor-bundle format."""
from __future__ import annotations

import os

import numpy as np

from ...graph import dtypes, errors
from ...proto import types_pb2
from .saver import latest_checkpoint
from .tensor_bundle import BundleReader, index_filename


class CheckpointReader:
    """The tensors of one checkpoint (a prefix), by name."""

    def __init__(self, prefix: str):
        if not os.path.exists(index_filename(prefix)):
            raise errors.NotFoundError(
                None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any "
                            f"matching files for {prefix}")
        self._prefix = prefix
        self._reader = BundleReader(prefix)

    def _names(self) -> list[str]:
        return [k for k in self._reader.keys() if k]   # "" is the bundle's header entry

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {k: list(self._reader.dtype_and_shape(k)[1]) for k in self._names()}

    def get_variable_to_dtype_map(self) -> dict[str, dtypes.DType]:
        return {k: self._reader.dtype_and_shape(k)[0] for k in self._names()}

    def has_tensor(self, tensor_str: str) -> bool:
        return bool(tensor_str) and tensor_str in self._reader

    def get_tensor(self, tensor_str: str) -> np.ndarray:
        if not self.has_tensor(tensor_str):
            raise errors.NotFoundError(None, None,
                                       f"Key {tensor_str} not found in checkpoint")
        return self._reader.read(tensor_str)

    def debug_string(self) -> bytes:
        """One line per tensor: ``name (DT_FLOAT) [3,4]``, as TF prints it."""
        lines = []
        for name in self._names():
            dtype, shape = self._reader.dtype_and_shape(name)
            enum_name = dtype.as_datatype_enum
            lines.append(f"{name} ({_DATA_TYPE_NAMES.get(enum_name, enum_name)}) "
                         f"{errors.shape_str(shape)}\n")
        return "".join(lines).encode()


_DATA_TYPE_NAMES = {value: name for name, value in types_pb2.DataType.items()}


def _checkpoint_prefix(ckpt_dir_or_file: str) -> str:
    """The checkpoint a directory's ``checkpoint`` file names, or the prefix itself."""
    if os.path.isdir(ckpt_dir_or_file):
        prefix = latest_checkpoint(ckpt_dir_or_file)
        if prefix is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {ckpt_dir_or_file}")
        return prefix
    return ckpt_dir_or_file


def NewCheckpointReader(filepattern: str) -> CheckpointReader:  # noqa: N802 (TF's name)
    """A reader for the checkpoint at prefix ``filepattern``."""
    return CheckpointReader(os.fspath(filepattern))


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    """A reader for a checkpoint prefix, or for the newest checkpoint of a directory."""
    return CheckpointReader(_checkpoint_prefix(os.fspath(ckpt_dir_or_file)))


EXPORTS = {"train": ["NewCheckpointReader", "load_checkpoint"]}
