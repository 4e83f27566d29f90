"""The examples in the docstrings run and show what they say; every public
function has a docstring with an example and type hints."""
import doctest
import inspect

import numpy as np
import pytest

import clconv
from clconv import _signal, dist, ndimage

MODULES = [clconv, _signal, ndimage, dist]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    globs = dict(vars(module), np=np, clconv=clconv)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module.__name__, globs=globs):
        runner.run(test)
    assert runner.failures == 0


def _public():
    for name in clconv.__all__:
        obj = getattr(clconv, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield name, obj
    for mod in (ndimage, dist):
        for name in mod.__all__:
            yield f"{mod.__name__}.{name}", getattr(mod, name)
    for cls in (clconv.Client, dist.Dist, clconv.RemoteDist):
        for name, obj in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_"):
                yield f"{cls.__name__}.{name}", obj


@pytest.mark.parametrize("name,obj", list(_public()), ids=lambda v: v if isinstance(v, str)
                         else "")
def test_docstring_and_hints(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert "Example" in doc, f"{name} has no example"
    if inspect.isfunction(obj):
        sig = inspect.signature(obj)
        assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return type"
