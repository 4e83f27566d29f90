"""`python -m clconv`: the library's version and the OpenCL devices it sees."""
from __future__ import annotations

import sys

from . import __version__, devices


def main() -> int:
    """Prints each device as `clconv devices` does; exit status 1 when none.

    Example:
        $ python -m clconv
    """
    print(f"clconv {__version__}")
    found = devices()
    if not found:
        print("no OpenCL device found", file=sys.stderr)
        return 1
    for d in found:
        print(f"Device {d.index}")
        for label, value in (("name", d.name), ("type", d.type), ("vendor", d.vendor),
                             ("platform", d.platform), ("driver", d.driver),
                             ("OpenCL", d.opencl), ("compute units", d.compute_units),
                             ("clock", f"{d.clock_mhz} MHz"),
                             ("global memory", f"{d.global_memory / 2**30:.1f} GiB"),
                             ("max allocation", f"{d.max_allocation / 2**30:.1f} GiB"),
                             ("float64", "yes" if d.float64 else "no")):
            print(f"  {label:<15} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
