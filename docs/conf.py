"""Sphinx configuration of the sklearn-minde documentation.

Build it with ``bash scripts/docs.sh`` from the repository root (warnings are errors).
``bash scripts/docs.sh -D plot_gallery=0`` skips running the gallery examples.
"""

import os
from datetime import date

import torch

import sklearn_minde

# The examples train small networks on a CPU, which gain little from more torch threads
# and one thread is much faster when the machine is busy (threads wait on each other).
# This only affects the docs build, which runs every example in this process;
# MINDE_DOCS_THREADS overrides it.
torch.set_num_threads(int(os.environ.get("MINDE_DOCS_THREADS", "1")))

project = "sklearn-minde"
author = "the sklearn-minde developers"
copyright = f"{date.today().year}, {author}"
release = version = sklearn_minde.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# examples/ holds the gallery sources; sphinx-gallery renders them into auto_examples/.
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# -- API reference: autosummary pages (docs/generated/) from numpydoc docstrings ------
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False  # the class template lists the members itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Structural checks that the public docstrings meet today; a failure is a warning,
# hence an error under -W.
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "PR03", "PR10", "RT01"}
numpydoc_validation_exclude = {r"\.get_metadata_routing$", r"\.ConfidenceInterval\.(count|index)$"}

# No intersphinx: the build must work offline (CI reaches package registries only).

# -- Gallery ---------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_minde",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklearn_minde": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# -- HTML ------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-minde {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False
