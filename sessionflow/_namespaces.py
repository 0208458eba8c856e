"""Builds the facade's namespaces from the library's ``EXPORTS`` declarations.

Every library module that contributes public names says so in one place, a module-level
``EXPORTS = {namespace: [names]}`` (``""`` is the top level, ``"nn"`` is ``tf.nn``,
``"io.gfile"`` is ``tf.io.gfile``). A name that would shadow a Python builtin inside its
own module is defined there with a trailing underscore (``range_`` is ``tf.range``).
Namespaces without a module file of their own are created here; every namespace answers
an unknown name with an AttributeError that says it is not implemented (and suggests
near names, for typos).
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil
import sys
import types
from typing import Iterator

_LIBRARY_PACKAGES = ("graph", "ops", "session")


def library_modules(root: str) -> Iterator[types.ModuleType]:
    """Every module of the library packages, imported (importing ops registers them)."""
    for package_name in _LIBRARY_PACKAGES:
        package = importlib.import_module(f"{root}.{package_name}")
        yield package
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield importlib.import_module(info.name)


def _not_implemented(module: types.ModuleType, tf_path: str):
    def __getattr__(name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        public = [n for n in vars(module) if not n.startswith("_")]
        near = difflib.get_close_matches(name, public, n=3)
        hint = f" Did you mean: {', '.join(f'{tf_path}{n}' for n in near)}?" if near else ""
        raise AttributeError(f"module '{module.__name__}' has no attribute '{name}': "
                             f"sessionflow does not implement {tf_path}{name} yet.{hint}")
    return __getattr__


def namespace(root: types.ModuleType, dotted: str) -> types.ModuleType:
    """The facade module for ``dotted`` under ``root``, created (with parents) if needed."""
    module = root
    for part in dotted.split(".") if dotted else []:
        child = getattr(module, part, None) if part in vars(module) else None
        if child is None:
            name = f"{module.__name__}.{part}"
            child = sys.modules.get(name) or types.ModuleType(
                name, f"``tf.{name.partition('.')[2]}``: filled from the library's EXPORTS.")
            sys.modules[name] = child
            setattr(module, part, child)
        module = child
    if "__getattr__" not in vars(module):
        tf_path = "tf." + (dotted + "." if dotted else "")
        module.__getattr__ = _not_implemented(module, tf_path)
    return module


def _resolve(module: types.ModuleType, name: str):
    for attr in (name, name + "_"):
        if attr in vars(module):
            return vars(module)[attr]
    raise AttributeError(f"{module.__name__} lists '{name}' in EXPORTS but defines neither "
                         f"'{name}' nor '{name}_'")


def export_all(root: types.ModuleType) -> None:
    """Fills ``root`` and its namespaces from every library module's ``EXPORTS``."""
    owners: dict[tuple[str, str], str] = {}
    for module in library_modules(root.__name__):
        for dotted, names in getattr(module, "EXPORTS", {}).items():
            target = namespace(root, dotted)
            for name in names:
                value = _resolve(module, name)
                owner = owners.setdefault((dotted, name), module.__name__)
                existing = vars(target).get(name)
                if existing is not None and existing is not value and owner != module.__name__:
                    raise ImportError(f"tf.{dotted + '.' if dotted else ''}{name} is exported "
                                      f"by both {owner} and {module.__name__}")
                setattr(target, name, value)
