"""The Message-ID an automation's email carries is the same every time its task runs, so a
redelivered stream record that sends again is recognisably the same message."""
from chalicelib.events.automations import message_key
from chalicelib.mail import messages


def test_a_task_always_gives_the_same_safe_message_id():
    task = {"order_id": "WO-7hK2m", "position": 3, "step": "scheduled", "automation": "notify_customer"}
    assert message_key(task) == message_key(dict(reversed(list(task.items()))))
    assert message_key(task) == "notify_customer.WO-7hK2m.3.scheduled"
    reminder = {"automation": "remind_customer", "order_id": "WO-1", "appointment_start": "2026-12-02T09:00:00+00:00"}
    assert message_key(reminder) == "2026-12-02T09-00-00-00-00.remind_customer.WO-1"
    for key in (message_key(task), message_key(reminder)):
        email = messages.build(messages.mailbox("ada@example.net"), "Subject", "text", "<p>html</p>", message_id=key)
        assert email["Message-ID"].startswith(f"<{key}@")


def test_different_tasks_give_different_message_ids():
    first = {"order_id": "WO-1", "position": 3, "step": "scheduled", "automation": "notify_customer"}
    assert message_key(first) != message_key({**first, "position": 4})
    assert message_key(first) != message_key({**first, "order_id": "WO-2"})
