"""The embedded AWS keeps its state in `.local/state/` (`infra.local.embedded`): what a process
wrote is there after it died without a clean stop, and again after a second restart."""
import json
import subprocess
import sys

from tests.support.local_system import ROOT, child_env


def _probe(*args) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.support.embedded_probe", *map(str, args)], cwd=ROOT,
                          env=child_env(args[-1]), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_acknowledged_write_is_there_after_the_process_dies_and_after_a_second_restart(tmp_path):
    state = tmp_path / "state"
    assert _probe("write", state)["written"] > 20
    assert not (state / "snapshot.pickle").exists()  # only the journal had it

    first = _probe("read", state)
    assert first["keys"] == sorted(f"k{i}" for i in range(19))
    assert first["counter"] == "2"  # two increments; the cancelled transaction's one is not replayed
    assert first["photo"] == 25600 and first["objects"] == ["photo.jpg"]
    assert first["users"] == ["ann"]
    # 20 puts, 2 updates, 1 delete: the stream has the same records, numbered as before
    assert len(first["stream"]) == 23
    assert first["replayed"] > 20

    second = _probe("read", state)  # now from the snapshot the first restart wrote
    assert second["replayed"] == 0
    assert {k: v for k, v in second.items() if k != "replayed"} == {k: v for k, v in first.items() if k != "replayed"}
