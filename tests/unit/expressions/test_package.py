"""The package's public names: all resolvable, none loaded before its first use."""

import subprocess
import sys

import inngest_lambda.expressions as expressions


def test_every_public_name_resolves_to_the_module_that_defines_it():
    for name in expressions.__all__:
        value = getattr(expressions, name)
        assert value is not None
        if hasattr(value, "__module__") and callable(value):
            assert value.__module__.startswith("inngest_lambda.expressions.")


def test_importing_the_package_loads_none_of_its_modules():
    """A cold start imports the package through flow control but evaluates nothing."""
    code = (
        "import sys, inngest_lambda.expressions\n"
        "print(sorted(m for m in sys.modules if m.startswith('inngest_lambda.expressions.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error():
    try:
        expressions.compile_everything  # noqa: B018
    except AttributeError as err:
        assert "compile_everything" in str(err)
    else:
        raise AssertionError("an unknown name resolved")


def test_no_public_name_is_shadowed_by_a_module_of_the_package():
    """Importing a submodule sets it as an attribute of the package: a public name equal to a
    module's name would then be the module, not the function (seen: `canonical`)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(expressions.__path__):
        importlib.import_module(f"{expressions.__name__}.{info.name}")
        assert info.name not in expressions.__all__
    for name in expressions.__all__:
        assert not isinstance(getattr(expressions, name), type(expressions)), name
