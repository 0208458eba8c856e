"""``tf.train.Saver``: save/restore variables as TensorFlow V2 checkpoints.

The graph part is TF1's: ``save/Const`` (the filename), ``save/SaveV2``,
``save/control_dependency``, ``save/RestoreV2`` and ``save/restore_all``; the ``checkpoint``
state file is a text ``CheckpointState``; ``<prefix>.meta`` is the MetaGraphDef (and
``import_meta_graph`` turns one back into a graph and its Saver). Old checkpoints beyond
``max_to_keep`` are deleted, except those kept every N hours.
"""
from __future__ import annotations

import glob
import os
import time
from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import get_default_graph
from ...graph.serialization.graph_io import read_proto_file, write_proto_file
from ...graph.graph_keys import GraphKeys
from ...graph.op_builder import apply_op, convert_to_tensor
from ...proto import checkpoint_state_pb2, saver_pb2
from ..array import array_ops
from . import meta_graph
from .tensor_bundle import BundleReader
from ..state.variables import Variable, global_variables, group

CHECKPOINT_STATE = "checkpoint"


def _var_dict(var_list: Any) -> dict[str, Any]:
    """name -> Variable/Tensor to save, as TF's ``op_list_to_dict``."""
    if var_list is None:
        var_list = global_variables() + get_default_graph().get_collection(
            GraphKeys.SAVEABLE_OBJECTS)
    if isinstance(var_list, dict):
        return dict(var_list)
    result = {}
    for v in var_list:
        name = v.op.name
        if name in result:
            raise ValueError(f"At least two variables have the same name: {name}")
        result[name] = v
    return result


class Saver:
    """Saves and restores variables (TF1 signature and behaviour)."""

    def __init__(self, var_list: Any = None, reshape: bool = False, sharded: bool = False,
                 max_to_keep: int = 5, keep_checkpoint_every_n_hours: float = 10000.0,
                 name: str | None = None, restore_sequentially: bool = False,
                 saver_def: Any = None, builder: Any = None, defer_build: bool = False,
                 allow_empty: bool = False, write_version: int = 2,
                 pad_step_number: bool = False, save_relative_paths: bool = False,
                 filename: str | None = None):
        if write_version != 2:
            raise ValueError("sessionflow writes only V2 checkpoints (write_version=2)")
        self._graph = get_default_graph()
        self._max_to_keep = max_to_keep
        self._keep_every_n_hours = keep_checkpoint_every_n_hours
        self._pad_step_number = pad_step_number
        self._save_relative_paths = save_relative_paths
        self._last_checkpoints: list[tuple[str, float]] = []
        self._next_keep_time = time.time() + keep_checkpoint_every_n_hours * 3600
        if saver_def is not None:
            self.saver_def = saver_def
            if name:  # imported under a scope: tensor names carry it
                self.saver_def = type(saver_def)()
                self.saver_def.CopyFrom(saver_def)
                for field in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
                    setattr(self.saver_def, field, f"{name}/{getattr(saver_def, field)}")
            self._max_to_keep = self.saver_def.max_to_keep
            return
        self._vars = _var_dict(var_list)
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self.saver_def = self._build(name or "save", filename or "model", sharded)

    def _build(self, name: str, filename: str, sharded: bool):
        graph = self._graph
        names = sorted(self._vars)
        with graph.name_scope(name):
            filename_t = convert_to_tensor(np.array(filename.encode(), dtype=object),
                                           dtype=dtypes.string, name="Const")
            tensors = [self._read(self._vars[n]) for n in names]
            if names:
                save = apply_op("SaveV2", [filename_t,
                                           _strings(names, "SaveV2/tensor_names"),
                                           _strings([""] * len(names), "SaveV2/shape_and_slices"),
                                           tensors], name="SaveV2")
                with graph.control_dependencies([save]):
                    save_t = array_ops.identity(filename_t, name="control_dependency")
                restored = apply_op(
                    "RestoreV2", [filename_t, _strings(names, "RestoreV2/tensor_names"),
                                  _strings([""] * len(names), "RestoreV2/shape_and_slices")],
                    {"dtypes": [self._dtype(self._vars[n]) for n in names]}, name="RestoreV2")
                assigns = [self._assign(self._vars[n], t) for n, t in zip(names, restored)]
                restore_op = group(assigns, name="restore_all")
            else:
                save_t = array_ops.identity(filename_t, name="control_dependency")
                restore_op = array_ops.no_op(name="restore_all")
        return saver_pb2.SaverDef(
            filename_tensor_name=filename_t.name, save_tensor_name=save_t.name,
            restore_op_name=restore_op.name, max_to_keep=self._max_to_keep, sharded=sharded,
            keep_checkpoint_every_n_hours=self._keep_every_n_hours,
            version=saver_pb2.SaverDef.V2)

    @staticmethod
    def _dtype(v: Any) -> dtypes.DType:
        return v.dtype.base_dtype

    @staticmethod
    def _read(v: Any) -> Tensor:
        if isinstance(v, Variable):
            return v.value()
        return convert_to_tensor(v)

    @staticmethod
    def _assign(v: Any, value: Tensor):
        if isinstance(v, Variable):
            if v._use_resource:
                return apply_op("AssignVariableOp", [v.handle, value],
                                {"validate_shape": True}, name="Assign")
            return apply_op("Assign", [v._ref, value], {"validate_shape": True},
                            name="Assign").op
        raise TypeError(f"Cannot restore into {v!r}: only variables can be restored")

    # -- saving ---------------------------------------------------------------------------
    @property
    def last_checkpoints(self) -> list[str]:
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time: list) -> None:
        self._last_checkpoints = list(last_checkpoints_with_time)

    def save(self, sess, save_path: str, global_step: Any = None,
             latest_filename: str | None = None, meta_graph_suffix: str = "meta",
             write_meta_graph: bool = True, write_state: bool = True,
             strip_default_attrs: bool = False, save_debug_info: bool = False) -> str:
        """Writes a checkpoint; returns its prefix (``save_path-<step>`` with a step)."""
        if global_step is not None:
            if not isinstance(global_step, (int, np.integer)):
                global_step = int(sess.run(global_step))
            fmt = "%s-%08d" if self._pad_step_number else "%s-%d"
            checkpoint_file = fmt % (save_path, global_step)
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == (latest_filename or CHECKPOINT_STATE):
                raise ValueError(f"'latest_filename' collides with 'save_path': "
                                 f"'{save_path}' and '{latest_filename}'")
        save_dir = os.path.dirname(save_path)
        if save_dir and not os.path.isdir(save_dir):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        sess.run(self.saver_def.save_tensor_name,
                 {self.saver_def.filename_tensor_name: checkpoint_file})
        if write_state:
            self._record(checkpoint_file, save_dir, latest_filename)
        if write_meta_graph:
            self.export_meta_graph(f"{checkpoint_file}.{meta_graph_suffix}")
        return checkpoint_file

    def _record(self, checkpoint_file: str, save_dir: str, latest_filename: str | None) -> None:
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints
                                  if p != checkpoint_file]
        self._last_checkpoints.append((checkpoint_file, time.time()))
        if self._max_to_keep and len(self._last_checkpoints) > self._max_to_keep:
            oldest, stamp = self._last_checkpoints.pop(0)
            if stamp > self._next_keep_time:
                self._next_keep_time += self._keep_every_n_hours * 3600
            else:
                _delete_checkpoint_files(oldest)
        update_checkpoint_state(save_dir, checkpoint_file, self.last_checkpoints,
                                latest_filename, self._save_relative_paths)

    def restore(self, sess, save_path: str) -> None:
        """Restores all saved variables from the checkpoint ``save_path``."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        if not checkpoint_exists(save_path):
            raise errors.NotFoundError(
                None, None, f"The passed save_path is not a valid checkpoint: {save_path}")
        sess.run(self.saver_def.restore_op_name,
                 {self.saver_def.filename_tensor_name: save_path})

    def export_meta_graph(self, filename: str | None = None, collection_list=None,
                          as_text: bool = False, export_scope=None, clear_devices: bool = False,
                          clear_extraneous_savers: bool = False,
                          strip_default_attrs: bool = False, save_debug_info: bool = False):
        return meta_graph.export_meta_graph(filename, saver_def=self.saver_def,
                                            collection_list=collection_list, as_text=as_text,
                                            graph=self._graph, clear_devices=clear_devices)

    def as_saver_def(self):
        return self.saver_def


def _strings(values: list[str], name: str) -> Tensor:
    return convert_to_tensor(np.array([v.encode() for v in values], dtype=object),
                             dtype=dtypes.string, name=name)


def _delete_checkpoint_files(prefix: str) -> None:
    for path in glob.glob(glob.escape(prefix) + ".data-*") + [prefix + ".index",
                                                              prefix + ".meta"]:
        if os.path.exists(path):
            os.remove(path)


def checkpoint_exists(prefix: str) -> bool:
    return os.path.exists(prefix + ".index")


def update_checkpoint_state(save_dir: str, model_checkpoint_path: str,
                            all_model_checkpoint_paths: list | None = None,
                            latest_filename: str | None = None,
                            save_relative_paths: bool = False) -> None:
    """Writes the text ``checkpoint`` file (atomically), as TF's Saver does."""
    paths = list(all_model_checkpoint_paths or [])
    if model_checkpoint_path not in paths:
        paths.append(model_checkpoint_path)

    def rel(p: str) -> str:
        # Stored relative to the directory (as save_relative_paths=True does), which
        # TensorFlow resolves against the checkpoint directory when reading.
        return os.path.relpath(p, save_dir or ".") if save_relative_paths or \
            os.path.dirname(os.path.abspath(p)) == os.path.abspath(save_dir or ".") else p
    state = checkpoint_state_pb2.CheckpointState(
        model_checkpoint_path=rel(model_checkpoint_path),
        all_model_checkpoint_paths=[rel(p) for p in paths])
    write_proto_file(os.path.join(save_dir, latest_filename or CHECKPOINT_STATE), state,
                     as_text=True)


def get_checkpoint_state(checkpoint_dir: str, latest_filename: str | None = None):
    """The CheckpointState in ``checkpoint_dir`` (paths made absolute), or None."""
    path = os.path.join(checkpoint_dir, latest_filename or CHECKPOINT_STATE)
    if not os.path.exists(path):
        return None
    try:
        state = read_proto_file(path, checkpoint_state_pb2.CheckpointState(), text=True)
    except errors.InvalidArgumentError as e:
        raise errors.DataLossError(None, None, f"Unable to parse {path}: {e}") from None
    if not state.model_checkpoint_path:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}")

    def absolute(p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
    state.model_checkpoint_path = absolute(state.model_checkpoint_path)
    paths = [absolute(p) for p in state.all_model_checkpoint_paths]
    del state.all_model_checkpoint_paths[:]
    state.all_model_checkpoint_paths.extend(paths)
    return state


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The newest checkpoint prefix recorded in ``checkpoint_dir``, if its files exist."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """(name, shape) of every tensor in a checkpoint (``tf.train.list_variables``)."""
    prefix = latest_checkpoint(ckpt_dir_or_file) if os.path.isdir(ckpt_dir_or_file) \
        else ckpt_dir_or_file
    if prefix is None:
        raise errors.NotFoundError(None, None, f"No checkpoint found in {ckpt_dir_or_file}")
    reader = BundleReader(prefix)
    return [(k, list(reader.dtype_and_shape(k)[1])) for k in sorted(reader.keys()) if k]


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    prefix = latest_checkpoint(ckpt_dir_or_file) if os.path.isdir(ckpt_dir_or_file) \
        else ckpt_dir_or_file
    if prefix is None:
        raise errors.NotFoundError(None, None, f"No checkpoint found in {ckpt_dir_or_file}")
    return BundleReader(prefix).read(name[:-2] if name.endswith(":0") else name)


def import_meta_graph(meta_graph_or_file: Any, clear_devices: bool = False,
                      import_scope: str | None = None, **kwargs):
    """Imports a MetaGraph into the default graph; returns a Saver if it has a SaverDef."""
    meta = meta_graph.import_scoped_meta_graph(meta_graph_or_file, clear_devices, import_scope)
    if meta.HasField("saver_def"):
        return Saver(saver_def=meta.saver_def, name=import_scope)
    return None


EXPORTS = {"train": ["Saver", "import_meta_graph", "latest_checkpoint", "get_checkpoint_state",
                     "update_checkpoint_state", "checkpoint_exists", "list_variables",
                     "load_variable"]}
