"""The C extension of the server package; everything else about the package is in pyproject.toml.

Search snippets are made in C (storage/repositories/article_snippets.py says why), built from
source by `pip install` with the machine's C compiler and Python headers. There is no
pure-Python fallback: a machine that cannot build it cannot install the server.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "storage.repositories._article_snippets",
            sources=["storage/repositories/_article_snippets.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
        )
    ]
)
