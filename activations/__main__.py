"""``python -m activations``: the command line (see :mod:`activations.cli`)."""

import sys

from activations.cli import main

sys.exit(main())
