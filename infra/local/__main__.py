"""`python -m infra.local` (`make run`): the command line, and the run until Ctrl-C or SIGTERM."""
import argparse
import os
import signal
import sys
import time
from pathlib import Path

from infra.local.environment import ROOT, log
from infra.local.embedded import State, StateInUse
from infra.local.system import LocalSystem, PortInUse


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    # The first line of the package's docstring, which says what the system is.
    parser = argparse.ArgumentParser(prog="python -m infra.local",
                                     description=sys.modules[__package__].__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument("--local-dir", type=Path, default=Path(os.environ.get("LOCAL_DIR") or ROOT / ".local"),
                        help="where the system keeps its data and its outbox (default .local/, or $LOCAL_DIR)")
    parser.add_argument("--reset", action="store_true",
                        help="delete what --local-dir holds (refused while a local system uses it), then exit")
    return parser.parse_args(argv)


def reset(local_dir: Path) -> int:
    """Delete the local system's data, unless a running one holds it."""
    import shutil

    if not local_dir.exists():
        log(f"Nothing to delete: {local_dir} does not exist.")
        return 0
    state = State(local_dir / "state")
    try:
        state.lock()
    except StateInUse as exc:
        log(f"Cannot start afresh: {exc}. Stop it first (Ctrl-C).")
        return 1
    shutil.rmtree(local_dir)
    state.unlock()
    log(f"Deleted {local_dir}; the next make run starts with the demo business again.")
    return 0


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.reset:
        return reset(options.local_dir)
    system = LocalSystem(options.host, options.port, options.local_dir)
    # Both signals stop cleanly. SIGINT is set explicitly: a shell starts background jobs with it
    # ignored, and Python then never turns it into KeyboardInterrupt (`make run &`, `kill -INT`).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    code = 0
    try:
        log("Starting the embedded AWS, the tables, the user pool and the demo business...")
        system.start()
        log(system.banner())
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        log("Stopping...")
    except (PortInUse, StateInUse) as exc:
        log(f"Cannot start: {exc}.")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        system.stop()
    log("Stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
