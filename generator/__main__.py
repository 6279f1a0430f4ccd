"""`python -m generator` is the `news-archive` command."""

import sys

from .cli import main

sys.exit(main())
