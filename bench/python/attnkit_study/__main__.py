"""python3 -m attnkit_study run|report|compare|plan (see cli.py)."""

import sys

from attnkit_study.cli import main

if __name__ == "__main__":
    sys.exit(main())
