"""The local outbox (`infra.local.outbox`): one .eml file per email, named after its Message-ID
when it has one and then written once only, the file complete or absent."""
import stat
from datetime import datetime, timezone
from email.message import EmailMessage

import pytest

from infra.local.files import create_once, write_atomically
from infra.local.outbox import Outbox, file_name, simple_message

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def message(message_id: str | None = "<booked-WO-1@example.com>", subject: str = "Booked") -> bytes:
    email = EmailMessage()
    email["From"] = "office@example.com"
    email["To"] = "Ada <ada@example.net>"
    email["Subject"] = subject
    if message_id:
        email["Message-ID"] = message_id
    email.set_content("See you soon.")
    return email.as_bytes()


def test_a_message_with_a_message_id_is_named_after_it():
    assert file_name("<booked-WO-1.v2@example.com>", NOW) == "booked-WO-1.v2@example.com.eml"


@pytest.mark.parametrize("message_id", ["<../../etc/passwd@x>", "<a/b@x>", "<.hidden@x>", "<a b@x>", "<" + "x" * 400 + ">"])
def test_a_message_id_never_makes_a_path_outside_the_outbox_or_a_hidden_or_overlong_name(message_id):
    name = file_name(message_id, NOW)
    assert "/" not in name and not name.startswith(".") and len(name) < 200 and name.endswith(".eml")
    assert file_name(message_id, NOW) == name  # the same id, the same name: that is what makes it once


def test_different_message_ids_that_clean_up_alike_keep_different_names():
    assert file_name("<a/b@x>", NOW) != file_name("<a_b@x>", NOW) != file_name("<a b@x>", NOW)


def test_a_message_without_a_message_id_gets_a_unique_name_starting_with_the_time():
    first, second = file_name(None, NOW), file_name("", NOW)
    assert first.startswith("20261130T080000Z-") and second.startswith("20261130T080000Z-") and first != second


def test_the_same_message_id_sent_twice_is_written_once_and_said_so(tmp_path, capsys):
    outbox = Outbox(tmp_path / "outbox")
    first = outbox.write(message(subject="Booked"), NOW)
    again = outbox.write(message(subject="Booked, sent again"), NOW)
    assert first == again and [p.name for p in (tmp_path / "outbox").iterdir()] == [first.name]
    assert b"Subject: Booked\n" in first.read_bytes()
    out = capsys.readouterr().out
    assert "email: to Ada <ada@example.net> | Booked |" in out
    assert "<booked-WO-1@example.com> is in the outbox already" in out


def test_messages_without_a_message_id_are_each_written(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.write(message(None), NOW)
    outbox.write(message(None), NOW)
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_a_simple_send_is_kept_as_a_plain_text_message():
    raw = simple_message("office@example.com", "Hello", "Body text", {"ToAddresses": ["a@example.net"],
                                                                      "CcAddresses": ["b@example.net"]})
    assert b"To: a@example.net" in raw and b"Cc: b@example.net" in raw and b"Body text" in raw


def test_create_once_never_replaces_a_file_and_leaves_no_temporary_behind(tmp_path):
    target = tmp_path / "x.eml"
    assert create_once(target, b"first") is True
    assert create_once(target, b"second") is False
    assert target.read_bytes() == b"first" and [p.name for p in tmp_path.iterdir()] == ["x.eml"]


def test_write_atomically_replaces_the_whole_file_with_the_mode_asked(tmp_path):
    target = tmp_path / "deep" / "key.json"
    write_atomically(target, b"one", mode=0o600)
    write_atomically(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["key.json"]
