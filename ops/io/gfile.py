"""``tf.gfile`` (TF1 names, and tf.io.gfile's lower-case spellings) for local files."""
import glob as _glob
import os as _os
import shutil as _shutil

from ...graph.errors import AlreadyExistsError


class GFile:
    """A file object (``tf.gfile.GFile(name, mode)``), local filesystem only."""

    def __init__(self, name: str, mode: str = "r"):
        self._file = open(name, mode)

    def __getattr__(self, attr: str):
        return getattr(self._file, attr)

    def __iter__(self):
        return iter(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self._file.close()


Open = FastGFile = GFile


def Exists(filename: str) -> bool:  # noqa: N802 (TF's names)
    return _os.path.exists(filename)


def IsDirectory(dirname: str) -> bool:  # noqa: N802
    return _os.path.isdir(dirname)


def ListDirectory(dirname: str) -> list:  # noqa: N802
    return _os.listdir(dirname)


def MakeDirs(dirname: str) -> None:  # noqa: N802
    _os.makedirs(dirname, exist_ok=True)


def MkDir(dirname: str) -> None:  # noqa: N802
    _os.mkdir(dirname)


def Glob(filename: str) -> list:  # noqa: N802
    return _glob.glob(filename)


def Remove(filename: str) -> None:  # noqa: N802
    _os.remove(filename)


def Rename(oldname: str, newname: str, overwrite: bool = False) -> None:  # noqa: N802
    if not overwrite and _os.path.exists(newname):
        raise AlreadyExistsError(None, None, f"file already exists: {newname}")
    _os.replace(oldname, newname)


def DeleteRecursively(dirname: str) -> None:  # noqa: N802
    _shutil.rmtree(dirname)


def Copy(oldpath: str, newpath: str, overwrite: bool = False) -> None:  # noqa: N802
    if not overwrite and _os.path.exists(newpath):
        raise AlreadyExistsError(None, None, f"file already exists: {newpath}")
    _shutil.copyfile(oldpath, newpath)


# tf.io.gfile's lower-case spellings.
exists, isdir, listdir, makedirs, mkdir, glob, remove, rename, rmtree, copy = (
    Exists, IsDirectory, ListDirectory, MakeDirs, MkDir, Glob, Remove, Rename,
    DeleteRecursively, Copy)


EXPORTS = {"gfile": [
    "Copy", "DeleteRecursively", "Exists", "FastGFile", "GFile", "Glob", "IsDirectory",
    "ListDirectory", "MakeDirs", "MkDir", "Open", "Remove", "Rename", "copy", "exists", "glob",
    "isdir", "listdir", "makedirs", "mkdir", "remove", "rename", "rmtree"]}
