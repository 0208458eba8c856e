"""The op library: one declaration per op type (OpDef, shape fn, kernel, gradient).

Importing this package imports every module in it, which registers every op type; a new
module is picked up without being listed anywhere. Modules name the public functions
they contribute to the facade in a module-level ``EXPORTS``.
"""
import importlib as _importlib
import pkgutil as _pkgutil

for _module in _pkgutil.walk_packages(__path__, __name__ + "."):
    _importlib.import_module(_module.name)
