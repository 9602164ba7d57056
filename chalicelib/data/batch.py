"""BatchGetItem for items of several tables at once, as few calls as DynamoDB allows."""
from chalicelib.core.aws import client
from chalicelib.data.models import ALL_MODELS


def batch_get(keys: list[tuple[type, str, str | int | None]]) -> dict:
    """Get items of several tables in as few BatchGetItem calls as possible (100 keys each).

    `keys` holds (model, hash key, range key or None); returns {(model, hash, range): item} for
    the items that exist. Unprocessed keys are asked again, as DynamoDB asks callers to.
    """
    by_raw_key: dict = {}
    for model, hash_key, range_key in dict.fromkeys(keys):
        by_raw_key[(model.Meta.table_name, _freeze(_raw_key(model, hash_key, range_key)))] = (model, hash_key, range_key)
    models_by_table = {m.Meta.table_name: m for m in ALL_MODELS}
    dynamodb = client("dynamodb")
    found: dict = {}
    pending = list(by_raw_key)
    while pending:
        chunk, pending = pending[:100], pending[100:]
        request: dict = {}
        for table, frozen in chunk:
            request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(_thaw(frozen))
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for table, items in answer.get("Responses", {}).items():
                model = models_by_table[table]
                names = [model._hash_keyname] + ([model._range_keyname] if model._range_keyname else [])
                for raw in items:
                    found[by_raw_key[(table, _freeze({n: raw[n] for n in names}))]] = model.from_raw_data(raw)
            request = answer.get("UnprocessedKeys") or {}
    return found


def _raw_key(model, hash_key, range_key) -> dict:
    attributes = model.get_attributes()
    key = {model._hash_keyname: {attributes[model._hash_keyname].attr_type: attributes[model._hash_keyname].serialize(hash_key)}}
    if model._range_keyname:
        attr = attributes[model._range_keyname]
        key[model._range_keyname] = {attr.attr_type: attr.serialize(range_key)}
    return key


def _freeze(raw_key: dict) -> tuple:
    return tuple(sorted((name, tuple(value.items())) for name, value in raw_key.items()))


def _thaw(frozen: tuple) -> dict:
    return {name: dict(value) for name, value in frozen}
