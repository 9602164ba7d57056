"""Make building a fresh world per test cheap. Behaviour is unchanged; only repeated work goes.

- Every botocore session (PynamoDB makes one per model connection, chalicelib.aws one per
  service) normally re-reads and re-parses the large service-model JSON files: share one loader.
- PynamoDB builds a new botocore session for every model connection: keep one per thread.
- moto re-imports the same RSA signing key for every Cognito user pool: import it once.
- moto serializes each DynamoDB AttributeValue member by member through botocore's shape model
  (tens of milliseconds for one work order with its history); its items are already in wire
  format, so pass them through as they are.
"""
import functools

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    _share_botocore_loader()
    _one_pynamodb_session_per_thread()
    _cache_moto_cognito_key()
    _pass_dynamodb_attribute_values_through()


def _share_botocore_loader() -> None:
    import botocore.loaders
    import botocore.session

    loaders: dict = {}

    def _register_data_loader(self):
        def make():
            path = self.get_config_variable("data_path")
            if path not in loaders:
                loaders[path] = botocore.loaders.create_loader(path)
            return loaders[path]

        self._components.lazy_register_component("data_loader", make)

    botocore.session.Session._register_data_loader = _register_data_loader


def _one_pynamodb_session_per_thread() -> None:
    import threading

    import botocore.session
    import pynamodb.connection.base as base

    local = threading.local()

    def get_session():
        if getattr(local, "session", None) is None:
            local.session = botocore.session.get_session()
        return local.session

    base.get_session = get_session


def _cache_moto_cognito_key() -> None:
    import json
    import types

    import moto.cognitoidp.models as cognito_models

    real = cognito_models.jwk

    @functools.lru_cache(maxsize=4)
    def _import(serialized: str):
        return real.RSAKey.import_key(json.loads(serialized))

    def import_key(data, *args, **kwargs):
        if args or kwargs or not isinstance(data, dict):
            return real.RSAKey.import_key(data, *args, **kwargs)
        return _import(json.dumps(data, sort_keys=True))

    cognito_models.jwk = types.SimpleNamespace(RSAKey=types.SimpleNamespace(import_key=import_key))


def _pass_dynamodb_attribute_values_through() -> None:
    from moto.core import serialize

    base = serialize.BaseJSONSerializer
    original = base._serialize_type_structure
    wire_types = frozenset({"S", "N", "M", "L", "NULL", "BOOL", "SS", "NS"})

    def _serialize_type_structure(self, serialized, value, shape, key):
        if (
            key
            and shape.name == "AttributeValue"
            and isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in wire_types
        ):
            self._default_serialize(serialized, value, shape, key)
            return
        original(self, serialized, value, shape, key)

    base._serialize_type_structure = _serialize_type_structure
