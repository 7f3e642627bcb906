"""Only the compiled part of the package: everything else is declared in pyproject.toml.

`_matchcore` runs the screening hot loops (see service/knownparty_service/domain/watchlists/
matcher_core.py). It is optional: without a C compiler the install still succeeds and the
pure-Python matcher runs (the Dockerfile checks that its image has the compiled one).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "knownparty_service.domain.watchlists._matchcore",
            sources=["service/knownparty_service/domain/watchlists/_matchcore.c"],
            # Results must equal the Python code's to the last bit: no fused multiply-adds.
            extra_compile_args=["-ffp-contract=off"],
            optional=True,
        )
    ]
)
