"""The kinds of work registry read from stored items, pure: a business that stored none has the
legacy one (`installation` on the single map "default"); a hand-edited item never breaks it;
where a kind's maps are stored; a new order's kind; what a key and a label may be."""
from types import SimpleNamespace

import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.workflow import kinds
from chalicelib.workflow.kinds import LEGACY, LEGACY_KIND, Kind


def item(key, **data):
    return SimpleNamespace(item_id=key, data=data)


def test_no_stored_kind_is_the_legacy_registry():
    assert kinds.registry([]) == [Kind("installation", "Installation", "default", 0)]
    assert kinds.registry([])[0] is LEGACY


def test_stored_kinds_come_by_position_then_key_and_the_legacy_kind_is_always_there():
    found = kinds.registry([item("repair", label="Repair", workflow_id="repair", position=2),
                            item("estimate", label="Estimate", workflow_id="estimate", position=1)])
    assert [(k.key, k.workflow_id, k.position) for k in found] == [
        ("installation", "default", 0), ("estimate", "estimate", 1), ("repair", "repair", 2)]


@pytest.mark.parametrize("bad", [item("Not A Key", label="x"), item("ok", label="x"), item("x" * 41)])
def test_an_item_that_is_not_a_kind_is_left_out_or_mended(bad):
    found = {k.key: k for k in kinds.registry([bad])}
    assert LEGACY_KIND in found
    assert set(found) <= {LEGACY_KIND, "ok"}


def test_a_stored_kind_missing_its_label_workflow_or_position_gets_defaults():
    (legacy,) = kinds.registry([item("installation", label="", position="first")])
    assert (legacy.label, legacy.workflow_id, legacy.position) == ("Installation", "default", 0)
    roof = kinds.from_item("roof_repair", {"position": True})
    assert (roof.label, roof.workflow_id, roof.position) == ("Roof repair", "roof_repair", 0)
    assert kinds.from_item("estimate", "not a dict") is None


def test_the_legacy_kinds_maps_are_the_single_map_the_others_under_their_key():
    assert [kinds.workflow_id_of(k) for k in (None, "installation", "estimate")] == ["default", "default", "estimate"]
    assert [kinds.kind_for_workflow(w) for w in (None, "default", "repair")] == ["installation", "installation", "repair"]


def test_an_orders_kind_is_its_own_else_its_maps_else_the_legacy_one():
    assert kinds.kind_of(SimpleNamespace(kind="estimate", workflow_id="estimate")) == "estimate"
    assert kinds.kind_of(SimpleNamespace(kind=None, workflow_id="default")) == "installation"
    assert kinds.kind_of(SimpleNamespace(kind=None, workflow_id=None)) == "installation"


def test_a_new_orders_kind_is_its_services_else_the_one_it_names():
    assert kinds.for_new_order(None, {"id": "survey", "kind": "estimate"}) == "estimate"
    assert kinds.for_new_order(None, {"id": "old"}) == "installation"  # a service from before kinds
    assert kinds.for_new_order("repair", None) == "repair"
    assert kinds.for_new_order(None, None) is None
    with pytest.raises(ValidationFailed) as refused:
        kinds.for_new_order("repair", {"id": "survey", "kind": "estimate"})
    assert refused.value.details[0]["field"] == "kind"


@pytest.mark.parametrize("key", ["estimate", "roof_repair", "a", "k" + "9" * 39])
def test_a_kind_key_is_like_a_step_key(key):
    assert kinds.check_key(key) == key


@pytest.mark.parametrize("key", ["", "Estimate", "9lives", "a-b", "a b", "estimate\n", "x" * 41, None, 7])
def test_anything_else_is_refused_at_kind(key):
    with pytest.raises(ValidationFailed) as refused:
        kinds.check_key(key)
    assert refused.value.details[0]["field"] == "kind"


@pytest.mark.parametrize("label", ["", "   ", "x" * 61, "Roof\nrepair", "=?utf-8?b?QmNjOg==?=", 5])
def test_a_label_is_one_short_line_that_can_reach_an_email(label):
    with pytest.raises(ValidationFailed) as refused:
        kinds.check_label(label)
    assert refused.value.details[0]["field"] == "kind_label"
    assert kinds.check_label("  Estimate ") == "Estimate"
