"""``python -m sim.native build`` compiles the hot modules; ``python -m sim.native status`` says which engine runs."""

from __future__ import annotations

import importlib.util
import sys

from sim.native import NATIVE_MODULES, install, state
from sim.native.build import BuildError, build


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "build":
        try:
            folder = build()
        except BuildError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 1
        sys.stdout.write(f"built {folder}\n")
        return 0
    if command == "status":
        install()
        s = state()
        sys.stdout.write(f"engine: {s.engine} ({s.reason})\n")
        for module in NATIVE_MODULES:  # where each hot module is (or would be) loaded from
            spec = importlib.util.find_spec(module)
            sys.stdout.write(f"  {module}: {spec.origin if spec else 'not found'}\n")
        return 0
    sys.stderr.write(f"error: unknown command {command!r}; valid: build, status\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
