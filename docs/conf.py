"""Sphinx configuration: the documentation site, built offline from the repository.

``python -m sphinx -W --keep-going -b html docs docs/_build/html`` builds it (the
docs stage of ``scripts/test.sh`` runs it through ``tests/test_docs.py``). The API
pages are written here, before the build, from each public module's ``__all__``, so
a name added to ``__all__`` is documented without editing a page; the tutorials
(``docs/tutorials/*.ipynb``) are executed by myst-nb during the build, offline.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout, not an installed copy
sys.path.insert(0, str(DOCS))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The notebooks' kernels run in temporary folders: they import this checkout too.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from api_pages import write_api_pages  # noqa: E402

project = "activations"
author = "the activations authors"
copyright = "the activations authors, MIT License"  # noqa: A001
release = importlib.import_module("activations").__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "api_pages.py"]
root_doc = "index"

# API: autosummary writes one page per public name (docs/api/generated/, not committed).
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections already give the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Notebooks: executed at every build, in a temporary folder, offline; an error fails it.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_in_temp = True
nb_merge_streams = True
nb_output_stderr = "remove"  # progress bars (tqdm draws them in a notebook)
nb_execution_show_tb = True
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = "activations"
html_static_path: list[str] = []
html_show_sourcelink = False
html_last_updated_fmt = None

write_api_pages(DOCS / "api")
