"""HTML reports: one model on one photo (``activations report``) and the demo.

``write_model_report`` and ``write_demo`` write a folder with ``index.html``
and its PNG figures. ``_page`` is the page itself (HTML, figures, progress,
a staged output folder), ``_sections`` the sections a report is made of,
``_compare_section`` the two-photo comparison, ``_model`` the model report and
``_demo`` the three walkthroughs. The report never imports the command line.
"""

from __future__ import annotations

from activations.report._demo import write_demo
from activations.report._model import write_model_report

__all__ = ["write_demo", "write_model_report"]
