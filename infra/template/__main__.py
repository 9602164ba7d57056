"""`python -m infra.template`: write the merge template (`--stage`, `--out`)."""
import argparse
import sys
from pathlib import Path

from infra.template.build import write
from infra.template.common import ROOT


def main(argv=None) -> None:
    # The first line of the package's docstring, which says what the template is.
    parser = argparse.ArgumentParser(prog="python -m infra.template",
                                     description=sys.modules[__package__].__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    print(write(args.out or ROOT / "build" / args.stage / "merge.json"))


if __name__ == "__main__":
    main()
