def test_health_answers_ok(as_):
    r = as_().get("/health")
    assert r.status == 200 and r.json == {"status": "ok"}


def test_dispatcher_creates_and_reads_an_order(as_, new_order):
    order = new_order()
    assert order["step"] == "requested" and order["version"] == 1
    r = as_("dispatcher").get(f"/orders/{order['order_id']}")
    assert r.status == 200, r
    assert r.json["technician"]["email"] == "tech1@example.com"
    assert r.json["history"][0]["to"] == "requested"
