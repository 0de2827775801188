"""`python -m bench [--help]`: run the whole benchmark."""

import sys

from bench.harness import main

sys.exit(main())
