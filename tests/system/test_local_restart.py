"""`make run` keeps its data in `.local/` across stops and crashes: the local system started again
on the same folder has every order, account and email it had, old tokens still work, the stream
carries on where it stopped, and no email is sent twice or lost. The crash is a real SIGKILL in
the middle of a burst of bookings."""
import threading
import time
from collections import Counter
from datetime import date, timedelta

import requests

from tests.support.local_system import LocalSystem, booking_body, free_starts, login

# The burst comes from one address and one form token: the limits would refuse most of it.
LIMITS_OFF = {"BOOKINGS_PER_ADDRESS": "0", "AVAILABILITY_PER_ADDRESS": "0", "BOOKINGS_PER_CONTACT": "0",
              "FORM_MIN_SECONDS": "0"}


def _started(work) -> LocalSystem:
    system = LocalSystem(work, env=LIMITS_OFF)
    try:
        system.wait_until_up()
    except Exception:
        system.stop()
        raise
    return system


def _confirmations(system: LocalSystem) -> Counter:
    """How many 'booked' emails each order got, by the order id in the subject."""
    return Counter(str(m["Subject"]).rsplit(" - ", 1)[-1] for m in system.emails()
                   if str(m["Subject"]).startswith("Your appointment is booked"))


def _wait_for(condition, seconds: float, what: str, system: LocalSystem):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s:\n{system.log_tail(60)}")


def test_a_restart_keeps_orders_notes_accounts_and_tokens_and_sends_nothing_again(tmp_path):
    first = _started(tmp_path)
    try:
        office_token = login(first.url, "dispatcher@example.com")
        office = {"Authorization": f"Bearer {office_token}"}
        starts, form_token = free_starts(first.url, date.today() + timedelta(days=2), 7)
        booked = requests.post(f"{first.url}/public/bookings", json=booking_body(starts[0], 1, form_token), timeout=30)
        assert booked.status_code == 201, booked.text
        order_id = booked.json()["order_id"]
        note = requests.post(f"{first.url}/orders/{order_id}/notes", headers=office, timeout=30,
                             json={"text": "Gate code 4711, dog friendly"})
        assert note.status_code == 201, note.text
        _wait_for(lambda: _confirmations(first)[order_id] == 1, 20, "no confirmation email", first)
        orders_before = requests.get(f"{first.url}/orders", headers=office, timeout=30).json()["orders"]
    finally:
        first.stop()
    assert first.process.returncode == 0, first.log_tail()
    assert str(first.local_dir.resolve()) in first.log  # the banner says where the data lives
    assert "(restored;" not in first.log  # a first start creates the demo business

    second = _started(tmp_path)
    try:
        # The banner is printed once the server answers: wait for it rather than race it.
        _wait_for(lambda: "(restored;" in second.log, 30, "the banner saying the data was restored", second)
        assert "restored" in second.log
        # a token issued before the restart is still good: same user pool, same signing key
        answer = requests.get(f"{second.url}/orders/{order_id}", headers=office, timeout=30)
        assert answer.status_code == 200, answer.text
        assert [n["text"] for n in answer.json()["notes"]] == ["Gate code 4711, dog friendly"]
        assert answer.json()["step"] == "scheduled"
        # the demo business is not loaded a second time; the same password signs in again
        fresh = {"Authorization": f"Bearer {login(second.url, 'dispatcher@example.com')}"}
        orders_after = requests.get(f"{second.url}/orders", headers=fresh, timeout=30).json()["orders"]
        assert sorted(o["order_id"] for o in orders_after) == sorted(o["order_id"] for o in orders_before)
        # the stream resumed after what it had done: the confirmation is not sent again
        time.sleep(2)
        assert _confirmations(second)[order_id] == 1
        # and it goes on working: a move emails the customer
        order = answer.json()
        tech = {"Authorization": f"Bearer {login(second.url, 'tech' + order['technician']['id'].split('-')[1] + '@example.com')}"}
        moved = requests.post(f"{second.url}/orders/{order_id}/transitions", headers=tech, timeout=30,
                              json={"to": "en_route", "expected_version": order["version"]})
        assert moved.status_code == 200, moved.text
        _wait_for(lambda: any("on the way" in str(m["Subject"]) and order_id in str(m["Subject"]) for m in second.emails()),
                  20, "no 'on the way' email after the restart", second)
    finally:
        second.stop()
    assert "Traceback" not in second.log, second.log_tail(80)


def test_killed_during_a_burst_of_bookings_every_acknowledged_one_is_kept_and_emailed_exactly_once(tmp_path):
    first = _started(tmp_path)
    acknowledged: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()
    try:
        starts, form_token = free_starts(first.url, date.today() + timedelta(days=2), 14)
        assert len(starts) >= 40, "the demo business has too few free slots for the burst"

        def customer(n: int) -> None:
            for attempt, start in enumerate(starts[n::8][:5]):
                try:
                    answer = requests.post(f"{first.url}/public/bookings", timeout=30,
                                           json=booking_body(start, n * 10 + attempt, form_token))
                except requests.RequestException:
                    return  # the system was killed under this request: it was never acknowledged
                if answer.status_code == 201:
                    with lock:
                        acknowledged.append(answer.json()["order_id"])
                        if len(acknowledged) >= 12:
                            enough.set()

        clients = [threading.Thread(target=customer, args=(n,)) for n in range(8)]
        for client in clients:
            client.start()
        assert enough.wait(60), first.log_tail()
        first.process.kill()  # SIGKILL: no clean-up of any kind
        first.process.wait(10)
        for client in clients:
            client.join(30)
    finally:
        first.stop()
    acknowledged_before_kill = list(acknowledged)
    assert len(acknowledged_before_kill) >= 12

    second = _started(tmp_path)
    try:
        office = {"Authorization": f"Bearer {login(second.url, 'dispatcher@example.com')}"}
        for order_id in acknowledged_before_kill:
            answer = requests.get(f"{second.url}/orders/{order_id}", headers=office, timeout=30)
            assert answer.status_code == 200, f"{order_id} was acknowledged with 201 but is gone: {answer.text}"
            assert answer.json()["step"] == "scheduled"
        _wait_for(lambda: all(_confirmations(second)[o] >= 1 for o in acknowledged_before_kill), 45,
                  "a confirmation email is missing", second)
        time.sleep(2)  # anything sent twice would be in the outbox by now
        confirmations = _confirmations(second)
        assert {o: confirmations[o] for o in acknowledged_before_kill} == {o: 1 for o in acknowledged_before_kill}
        assert all(count == 1 for count in confirmations.values()), confirmations
        # nothing was booked twice onto one technician's time
        schedule = requests.get(f"{second.url}/orders?step=scheduled&limit=100", headers=office, timeout=30).json()["orders"]
        taken = Counter((o["technician"]["id"], o["appointment"]["start"]) for o in schedule if o.get("technician") and o.get("appointment"))
        assert all(count == 1 for count in taken.values()), taken
    finally:
        second.stop()
