"""The Lambda functions' IAM policy, derived from the code: every AWS call chalicelib makes, and
nothing else.

The code is read, not run (`ast`), from app.py and chalicelib/:

- boto3 clients (`client("s3").put_object(...)`, `s3 = client("s3"); s3.head_object(...)`, a helper
  that returns a client): the operation, its IAM action from botocore's service model (HeadObject
  is s3:GetObject; an operation AWS does not authorise with IAM, such as Cognito InitiateAuth,
  needs nothing), and its resource from the arguments (`settings.files_bucket()`...);
  presigned URLs and POSTs count as the operation they allow.
- PynamoDB: `Model.get/query/count/batch_get/batch_write`, `Model.<index>.query`, and on
  instances `save/update/delete/refresh`, inside a transaction too (`tx.save(order, ...)`).
  The model of an instance comes from annotations, constructors, `Model.get`, loops over queries
  and functions annotated to return a model.
- Powertools Idempotency (`DynamoDBPersistenceLayer`): GetItem/PutItem/UpdateItem/DeleteItem on
  its table. Batch processing, Logger and Metrics (EMF on stdout) call no AWS API.

Functions no live code reaches (for example `staff.directory.create`, which only infra/ calls) are left out:
the functions never run them. What the analysis cannot resolve is reported as a problem, so a
new call fails the tests instead of being left out of the policy.

Beyond the code, the platform needs: log streams in the functions' log groups; for a stream
handler, reading its table's stream and sending to its on-failure queue (a separate policy file,
`policy-<stage>-stream.json`, given only to that function in .chalice/config.json).

    python -m infra.policy          # rewrite .chalice/policy-<stage>.json and -stream.json
    python -m infra.policy --check  # exit 1 when they differ from what the code needs
"""
import argparse
import ast
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from infra.template.build import load_app
from infra.template.common import ROOT
from infra.template.functions import failures_queue_id, stream_functions, stream_table
from infra.template.identity import ses_identity
from infra.template.tables import models, table_id, table_variables

STAGES = ("dev", "prod")
POLICY_DIR = ROOT / ".chalice"

# PynamoDB operations and the DynamoDB action each one needs.
CLASS_OPS = {"get": "GetItem", "query": "Query", "count": "Query", "scan": "Scan", "batch_get": "BatchGetItem",
             "batch_write": "BatchWriteItem", "exists": "DescribeTable", "describe_table": "DescribeTable"}
INDEX_OPS = {"query": "Query", "count": "Query", "scan": "Scan"}
INSTANCE_OPS = {"save": "PutItem", "update": "UpdateItem", "delete": "DeleteItem", "refresh": "GetItem"}
TABLE_ADMIN = {"create_table", "delete_table", "update_ttl"}
# Operations whose IAM action is not named after them.
SPECIAL_ACTIONS = {("s3", "HeadObject"): "s3:GetObject", ("s3", "HeadBucket"): "s3:ListBucket",
                   ("s3", "ListObjectsV2"): "s3:ListBucket", ("s3", "ListObjects"): "s3:ListBucket"}
IAM_PREFIX = {"sesv2": "ses", "dynamodbstreams": "dynamodb"}
CLIENT_HELPERS = {"exceptions", "meta", "can_paginate", "close", "get_waiter"}
# Powertools modules that call no AWS API (or whose calls are handled here: idempotency).
POWERTOOLS_QUIET = ("aws_lambda_powertools.utilities.batch", "aws_lambda_powertools.utilities.idempotency",
                    "aws_lambda_powertools.metrics", "aws_lambda_powertools.logging",
                    "aws_lambda_powertools.utilities.typing", "aws_lambda_powertools.utilities.data_classes",
                    "aws_lambda_powertools.utilities.parser", "aws_lambda_powertools.utilities.validation")
POWERTOOLS_QUIET_NAMES = {"Logger", "Metrics"}
IDEMPOTENCY_ACTIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
# The settings functions naming a bucket, and the template's bucket they name in the cloud (review
# reports go to the files bucket under reports/ unless REPORTS_BUCKET says otherwise).
BUCKETS = {"files_bucket": "FilesBucket", "reports_bucket": "FilesBucket"}
# S3 operations on the bucket itself rather than on its objects.
BUCKET_OPERATIONS = {"ListObjectsV2", "ListObjects", "ListObjectVersions", "HeadBucket"}


@dataclass(frozen=True)
class Use:
    """One AWS action on one resource, and where the code needs it."""

    action: str  # "dynamodb:GetItem"
    resource: tuple  # ("table", "OrdersTable"), ("index", "OrdersTable", "by-step"), ("objects", "FilesBucket"), ...
    where: str = field(compare=False, default="")


@dataclass
class Analysis:
    uses: set = field(default_factory=set)
    problems: list = field(default_factory=list)
    dead: set = field(default_factory=set)  # functions no live code reaches ("chalicelib.staff.directory.create")

    def pairs(self) -> set:
        return {(u.action, u.resource) for u in self.uses}


# --- reading the code ----------------------------------------------------------------------------

@dataclass
class Module:
    name: str
    path: Path
    root: Path
    tree: ast.Module
    aliases: dict = field(default_factory=dict)  # local name -> module ("storage" -> "chalicelib.orders.storage")
    imported: dict = field(default_factory=dict)  # local name -> (module, name)
    functions: dict = field(default_factory=dict)  # "f" / "Class.f" -> FunctionDef

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(self.root))


def source_files(root: Path = ROOT) -> list[Path]:
    return [root / "app.py", *sorted(p for p in (root / "chalicelib").rglob("*.py") if "__pycache__" not in p.parts)]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_modules(files: list[Path], root: Path) -> dict[str, Module]:
    modules = {}
    for path in files:
        mod = Module(module_name(path, root), path, root, ast.parse(path.read_text(), str(path)))
        package = mod.name if path.name == "__init__.py" else mod.name.rpartition(".")[0]
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    mod.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    local = alias.asname or alias.name
                    mod.imported[local] = (base, alias.name)
                    mod.aliases.setdefault(local, f"{base}.{alias.name}")
        for node in mod.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                mod.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        mod.functions[f"{node.name}.{item.name}"] = item
        modules[mod.name] = mod
    return modules


class Analyser:
    def __init__(self, modules: dict[str, Module], model_classes: dict, settings_tables: dict):
        self.modules = modules
        self.models = model_classes  # class name -> model class
        self.settings_tables = settings_tables  # settings attribute -> model class
        self.result = Analysis()
        self.returns: dict = {}  # (module, qualname) -> type
        self.raw_table_calls: list = []  # (module, qualname, action, mod, node): raw DynamoDB calls without TableName
        self.parameters: set = set()  # the parameters of the function being scanned
        for mod in modules.values():
            for qualname, fn in mod.functions.items():
                self.returns[(mod.name, qualname)] = self.annotation_type(fn.returns, mod)
        for mod in modules.values():
            for qualname, fn in mod.functions.items():
                if self.returns[(mod.name, qualname)] is None:
                    self.returns[(mod.name, qualname)] = self.returned_client(fn, mod)

    # -- types: ("class", M) ("model", M) ("list", M) ("index", M, name) ("tuple", (...)) ("client", svc)

    def model_named(self, node, mod: Module):
        if isinstance(node, ast.Name) and node.id in self.models:
            return node.id
        if isinstance(node, ast.Attribute) and node.attr in self.models:
            return node.attr
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in self.models:
            return node.value
        return None

    def annotation_type(self, node, mod: Module):
        if node is None:
            return None
        name = self.model_named(node, mod)
        if name:
            return ("model", name)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.annotation_type(node.left, mod) or self.annotation_type(node.right, mod)
        if isinstance(node, ast.Subscript):
            outer = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
            inner = node.slice
            if outer == "Optional":
                return self.annotation_type(inner, mod)
            if outer in ("list", "List", "Iterable", "Iterator", "Sequence", "set", "Set"):
                t = self.annotation_type(inner, mod)
                return ("list", t[1]) if t and t[0] == "model" else None
            if outer in ("tuple", "Tuple") and isinstance(inner, ast.Tuple):
                return ("tuple", tuple(self.annotation_type(e, mod) for e in inner.elts))
        return None

    def returned_client(self, fn, mod: Module):
        for node in ast.walk(fn):
            if isinstance(node, ast.Return) and node.value is not None:
                t = self.client_call(node.value)
                if t:
                    return t
        return None

    @staticmethod
    def client_call(node):
        """("client", service) for `client("s3")`, `boto3.client("s3")`, `session.client("s3")`."""
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "client" and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            return ("client", node.args[0].value)
        return None

    def function_ref(self, node, mod: Module, cls: str | None):
        """(module, qualname) of the project function `node` names, if any."""
        if isinstance(node, ast.Name):
            if node.id in mod.functions:
                return (mod.name, node.id)
            if node.id in mod.imported:
                base, name = mod.imported[node.id]
                if base in self.modules and name in self.modules[base].functions:
                    return (base, name)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name):
                if node.value.id in ("self", "cls") and cls and f"{cls}.{node.attr}" in mod.functions:
                    return (mod.name, f"{cls}.{node.attr}")
                target = mod.aliases.get(node.value.id)
                if target in self.modules and node.attr in self.modules[target].functions:
                    return (target, node.attr)
        return None

    def type_of(self, node, env: dict, mod: Module, cls: str | None):
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id in self.models:
                return ("class", node.id)
            return None
        if isinstance(node, ast.Attribute):
            if node.attr in self.models and isinstance(node.value, ast.Name) and node.value.id in mod.aliases:
                return ("class", node.attr)
            owner = self.type_of(node.value, env, mod, cls)
            if owner and owner[0] == "class" and node.attr in self.index_attributes(owner[1]):
                return ("index", owner[1], self.index_attributes(owner[1])[node.attr])
            return None
        if isinstance(node, ast.Call):
            client = self.client_call(node)
            if client:
                return client
            for name, bucket in BUCKETS.items():
                if self.is_call_to(node, name):
                    return ("bucket", bucket)
            func = node.func
            callee = self.type_of(func, env, mod, cls)
            if callee and callee[0] == "class":
                return ("model", callee[1])
            if isinstance(func, ast.Attribute):
                owner = self.type_of(func.value, env, mod, cls)
                if owner and owner[0] == "class":
                    if func.attr == "get":
                        return ("model", owner[1])
                    if func.attr in ("query", "scan", "batch_get"):
                        return ("list", owner[1])
                if owner and owner[0] == "index" and func.attr in ("query", "scan"):
                    return ("list", owner[1])
                # found.get((OrderModel, order_id, None)): the result of models.batch_get
                if func.attr == "get" and node.args and isinstance(node.args[0], ast.Tuple) and node.args[0].elts:
                    first = self.type_of(node.args[0].elts[0], env, mod, cls)
                    if first and first[0] == "class":
                        return ("model", first[1])
            if isinstance(func, ast.Name) and func.id in ("list", "sorted", "reversed") and node.args:
                return self.type_of(node.args[0], env, mod, cls)
            ref = self.function_ref(func, mod, cls)
            if ref:
                return self.returns.get(ref)
            return None
        if isinstance(node, ast.IfExp):
            return self.type_of(node.body, env, mod, cls) or self.type_of(node.orelse, env, mod, cls)
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                t = self.type_of(value, env, mod, cls)
                if t:
                    return t
        if isinstance(node, ast.Subscript):
            t = self.type_of(node.value, env, mod, cls)
            if t and t[0] == "list":
                return ("model", t[1])
        if isinstance(node, ast.Await):
            return self.type_of(node.value, env, mod, cls)
        return None

    def index_attributes(self, model_name: str) -> dict:
        """{class attribute: index name} of a model's indexes."""
        from pynamodb.indexes import Index

        model = self.models[model_name]
        return {name: value.Meta.index_name for name, value in vars(model).items() if isinstance(value, Index)}

    def bind(self, target, t, env: dict) -> None:
        if t is None:
            return
        if isinstance(target, ast.Name):
            env.setdefault(target.id, t)
        elif isinstance(target, (ast.Tuple, ast.List)) and t[0] == "tuple":
            for element, element_type in zip(target.elts, t[1]):
                self.bind(element, element_type, env)

    def environment(self, fn, mod: Module, cls: str | None) -> dict:
        env: dict = {}
        args = fn.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            t = self.annotation_type(arg.annotation, mod)
            if t:
                env[arg.arg] = t
        for _ in range(3):  # a few passes reach names assigned from names assigned later in the text
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    t = self.type_of(node.value, env, mod, cls)
                    for target in node.targets:
                        self.bind(target, t, env)
                elif isinstance(node, ast.AnnAssign):
                    self.bind(node.target, self.annotation_type(node.annotation, mod)
                              or (self.type_of(node.value, env, mod, cls) if node.value else None), env)
                elif isinstance(node, ast.NamedExpr):
                    self.bind(node.target, self.type_of(node.value, env, mod, cls), env)
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    t = self.type_of(node.iter, env, mod, cls)
                    if t and t[0] == "list":
                        self.bind(node.target, ("model", t[1]), env)
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    self.bind(node.optional_vars, self.type_of(node.context_expr, env, mod, cls), env)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not fn:
                    for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                        self.bind(ast.Name(arg.arg), self.annotation_type(arg.annotation, mod), env)
        return env

    # -- uses ------------------------------------------------------------------------------------

    def add(self, action: str, resource: tuple, mod: Module, node) -> None:
        self.result.uses.add(Use(action, resource, f"{mod.rel}:{node.lineno}"))

    def problem(self, mod: Module, node, message: str) -> None:
        self.result.problems.append(f"{mod.rel}:{node.lineno}: {message}")

    def table(self, model_name: str) -> tuple:
        return ("table", table_id(self.models[model_name]))

    def scan_function(self, fn, mod: Module, cls: str | None, qualname: str) -> None:
        env = self.environment(fn, mod, cls)
        self.parameters = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                self.scan_call(node, env, mod, cls, qualname)

    def scan_call(self, node: ast.Call, env: dict, mod: Module, cls, qualname: str) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "DynamoDBPersistenceLayer" or (
                isinstance(func, ast.Attribute) and func.attr == "DynamoDBPersistenceLayer"):
            self.idempotency_store(node, mod)
            return
        if isinstance(func, ast.Attribute) and func.attr == "resource" and node.args:
            self.problem(mod, node, "boto3 resources are not analysed: use a client")
            return
        if isinstance(func, ast.Attribute) and func.attr == "client" and not self.client_call(node):
            if node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in self.parameters:
                return  # a client factory (chalicelib.core.aws.client): its callers name the service
            self.problem(mod, node, "a client for a service not named by a string constant")
            return
        if not isinstance(func, ast.Attribute):
            return
        method = func.attr
        owner = self.type_of(func.value, env, mod, cls)
        if owner and owner[0] == "client":
            self.client_operation(owner[1], method, node, env, mod, qualname)
            return
        if owner and owner[0] == "class":
            model = owner[1]
            if method in CLASS_OPS:
                self.add(f"dynamodb:{CLASS_OPS[method]}", self.table(model), mod, node)
            elif method in TABLE_ADMIN:
                self.problem(mod, node, f"{model}.{method}: table management does not belong in the functions")
            return
        if owner and owner[0] == "index":
            if method in INDEX_OPS:
                self.add(f"dynamodb:{INDEX_OPS[method]}", ("index", self.table(owner[1])[1], owner[2]), mod, node)
            return
        if owner and owner[0] == "model":
            if method in INSTANCE_OPS:
                self.add(f"dynamodb:{INSTANCE_OPS[method]}", self.table(owner[1]), mod, node)
            return
        # Inside a transaction: tx.save(order, ...), tx.update(invoice, actions), tx.condition_check(Model, ...)
        first = self.type_of(node.args[0], env, mod, cls) if node.args else None
        if method in ("save", "update", "delete") and first and first[0] == "model":
            self.add(f"dynamodb:{INSTANCE_OPS[method]}", self.table(first[1]), mod, node)
        elif method == "condition_check" and first and first[0] == "class":
            self.add("dynamodb:ConditionCheckItem", self.table(first[1]), mod, node)
        elif method == "get" and first and first[0] == "class":  # TransactGet
            self.add("dynamodb:GetItem", self.table(first[1]), mod, node)
        elif method in ("save", "delete", "refresh", "condition_check") and not node.args:
            self.problem(mod, node, f"`.{method}()` on something whose model is not known: annotate it")
        elif method in ("save", "delete", "condition_check") and node.args and self.looks_transactional(func.value):
            self.problem(mod, node, f"`.{method}(...)` in a transaction on something whose model is not known: annotate it")

    @staticmethod
    def looks_transactional(node) -> bool:
        return isinstance(node, ast.Name) and node.id in ("tx", "transaction", "batch")

    def idempotency_store(self, node: ast.Call, mod: Module) -> None:
        table_arg = next((k.value for k in node.keywords if k.arg == "table_name"), node.args[0] if node.args else None)
        model = self.table_from_expression(table_arg)
        if model is None:
            self.problem(mod, node, "DynamoDBPersistenceLayer: cannot tell which table")
            return
        for action in IDEMPOTENCY_ACTIONS:
            self.add(f"dynamodb:{action}", ("table", table_id(model)), mod, node)

    def table_from_expression(self, node):
        """The model whose table `settings.ORDERS_TABLE` or `OrderModel.Meta.table_name` names."""
        if isinstance(node, ast.Attribute) and node.attr in self.settings_tables:
            return self.settings_tables[node.attr]
        if (isinstance(node, ast.Attribute) and node.attr == "table_name" and isinstance(node.value, ast.Attribute)
                and node.value.attr == "Meta"):
            name = self.model_named(node.value.value, None)
            return self.models.get(name) if name else None
        return None

    def client_operation(self, service: str, method: str, node: ast.Call, env, mod: Module, qualname: str) -> None:
        import botocore.session
        from botocore import xform_name

        model = botocore.session.get_session().get_service_model(service)
        by_method = {xform_name(op): op for op in model.operation_names}
        if method in CLIENT_HELPERS:
            return
        if method == "generate_presigned_post":
            operation = "PutObject"
        elif method in ("generate_presigned_url", "get_paginator"):
            named = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("ClientMethod", "operation_name")), None)
            if not (isinstance(named, ast.Constant) and named.value in by_method):
                self.problem(mod, node, f"{service}.{method}: the operation is not a constant")
                return
            operation = by_method[named.value]
        elif method in by_method:
            operation = by_method[method]
        else:
            self.problem(mod, node, f"{service}.{method} is not an operation of {service}")
            return
        op = model.operation_model(operation)
        if op.auth_type == "none" or "smithy.api#noAuth" in (getattr(op, "auth", None) or []):
            return  # AWS does not evaluate IAM for this operation (Cognito InitiateAuth)
        action = SPECIAL_ACTIONS.get((service, operation), f"{IAM_PREFIX.get(service, service)}:{operation}")
        resource = self.client_resource(service, operation, node, env, mod)
        if resource == ("callers",):
            self.raw_table_calls.append((mod.name, qualname, action, mod, node))
        elif resource is not None:
            self.add(action, resource, mod, node)

    def bucket_of(self, node, env: dict):
        for name, bucket in BUCKETS.items():
            if self.is_call_to(node, name):
                return bucket
        t = env.get(node.id) if isinstance(node, ast.Name) else None
        return t[1] if t and t[0] == "bucket" else None

    def client_resource(self, service: str, operation: str, node: ast.Call, env: dict, mod: Module):
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if service == "s3":
            bucket = keywords.get("Bucket")
            params = keywords.get("Params")
            if bucket is None and isinstance(params, ast.Dict):
                bucket = next((v for k, v in zip(params.keys, params.values) if isinstance(k, ast.Constant) and k.value == "Bucket"), None)
            if bucket is None and node.args:
                bucket = node.args[0]
            named = self.bucket_of(bucket, env)
            if named:
                return ("bucket" if operation in BUCKET_OPERATIONS else "objects", named)
            self.problem(mod, node, f"s3 {operation}: the bucket is not one of settings.{'(), settings.'.join(BUCKETS)}()")
            return None
        if service in ("ses", "sesv2"):
            source = keywords.get("Source") or keywords.get("FromEmailAddress")
            if self.is_call_to(source, "sender_email"):
                return ("ses-identity",)
            self.problem(mod, node, f"ses {operation}: the sender is not settings.sender_email()")
            return None
        if service == "cognito-idp":
            return ("user-pool",)
        if service == "dynamodb":
            model = self.table_from_expression(keywords.get("TableName"))
            if model is not None:
                return ("table", table_id(model))
            return ("callers",)
        self.problem(mod, node, f"{service} {operation}: no resource mapping for {service}; teach infra/policy.py")
        return None

    @staticmethod
    def is_call_to(node, name: str) -> bool:
        return isinstance(node, ast.Call) and (getattr(node.func, "attr", None) == name or getattr(node.func, "id", None) == name)

    def resolve_raw_table_calls(self, live: set) -> None:
        """A raw DynamoDB call without a TableName (models.batch_get) reaches the tables its callers
        name: the models in the `(Model, hash, range)` keys they build."""
        for module, qualname, action, mod, node in self.raw_table_calls:
            tables = set()
            for caller in live:
                caller_mod = self.modules[caller[0]]
                fn = caller_mod.functions.get(caller[1])
                if fn is None:
                    continue
                calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call)
                         and self.function_ref(c.func, caller_mod, caller[1].partition(".")[0] if "." in caller[1] else None) == (module, qualname)]
                if not calls:
                    continue
                for tup in ast.walk(fn):
                    if isinstance(tup, ast.Tuple) and tup.elts:
                        name = self.model_named(tup.elts[0], caller_mod)
                        if name:
                            tables.add(name)
            if not tables:
                self.problem(mod, node, f"{action} without TableName: no caller names the tables")
            for name in tables:
                self.add(action, self.table(name), mod, node)

    # -- which functions run ---------------------------------------------------------------------

    def references(self, node, mod: Module, cls: str | None) -> set:
        found = set()
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Name, ast.Attribute)):
                ref = self.function_ref(sub, mod, cls)
                if ref:
                    found.add(ref)
                elif isinstance(sub, ast.Attribute) and not (isinstance(sub.value, ast.Name) and sub.value.id in mod.aliases):
                    # x.method on something unknown: any project method of that name may run
                    found |= {(m.name, q) for m in self.modules.values() for q in m.functions if q.rpartition(".")[2] == sub.attr and "." in q}
        return found

    def live_functions(self) -> set:
        live, todo = set(), []
        for mod in self.modules.values():
            for stmt in mod.tree.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if stmt.decorator_list:  # routes, handlers, schedules: entry points
                        todo.append((mod.name, stmt.name))
                    todo.extend(self.references(ast.Module(body=stmt.decorator_list, type_ignores=[]), mod, None))
                elif isinstance(stmt, ast.ClassDef):
                    for item in stmt.body:
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                            if item.name.startswith("__"):
                                todo.append((mod.name, f"{stmt.name}.{item.name}"))
                        else:
                            todo.extend(self.references(item, mod, stmt.name))
                else:
                    todo.extend(self.references(stmt, mod, None))
        while todo:
            ref = todo.pop()
            if ref in live or ref[0] not in self.modules or ref[1] not in self.modules[ref[0]].functions:
                continue
            live.add(ref)
            mod = self.modules[ref[0]]
            cls = ref[1].partition(".")[0] if "." in ref[1] else None
            todo.extend(self.references(mod.functions[ref[1]], mod, cls))
        return live

    def module_level(self, mod: Module):
        return ast.Module(body=[s for s in mod.tree.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))],
                          type_ignores=[])

    def run(self) -> Analysis:
        live = self.live_functions()
        for mod in self.modules.values():
            for qualname, fn in mod.functions.items():
                if (mod.name, qualname) in live:
                    self.scan_function(fn, mod, qualname.partition(".")[0] if "." in qualname else None, qualname)
                else:
                    self.result.dead.add(f"{mod.name}.{qualname}")
            top = self.module_level(mod)
            for node in ast.walk(top):
                if isinstance(node, ast.Call):
                    self.scan_call(node, {}, mod, None, "<module>")
            self.check_imports(mod)
        self.resolve_raw_table_calls(live)
        return self.result

    def check_imports(self, mod: Module) -> None:
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_lambda_powertools"):
                if node.module == "aws_lambda_powertools":
                    unknown = [a.name for a in node.names if a.name not in POWERTOOLS_QUIET_NAMES]
                elif node.module.startswith(POWERTOOLS_QUIET):
                    unknown = []
                else:
                    unknown = [node.module]
                if unknown:
                    self.problem(mod, node, f"Powertools {unknown}: which AWS calls does it make? Teach infra/policy.py")


def analyse(files: list[Path] | None = None, root: Path = ROOT) -> Analysis:
    from chalicelib.core import settings

    model_classes = {m.__name__: m for m in models()}
    settings_tables = {attr: m for attr in table_variables() for m in model_classes.values()
                       if getattr(settings, attr) == m.Meta.table_name}
    modules = read_modules(files or source_files(root), root)
    return Analyser(modules, model_classes, settings_tables).run()


# --- the policy documents ------------------------------------------------------------------------

def arn(resource: tuple):
    kind = resource[0]
    if kind == "table":
        return {"Fn::GetAtt": [resource[1], "Arn"]}
    if kind == "index":
        return {"Fn::Sub": f"${{{resource[1]}.Arn}}/index/{resource[2]}"}
    if kind == "objects":
        return {"Fn::Sub": f"${{{resource[1]}.Arn}}/*"}
    if kind == "bucket":
        return {"Fn::GetAtt": [resource[1], "Arn"]}
    if kind == "ses-identity":
        return {"Fn::Sub": ["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Identity}",
                            {"Identity": ses_identity()}]}
    if kind == "user-pool":
        return {"Fn::GetAtt": ["UserPool", "Arn"]}
    if kind == "stream":
        return {"Fn::GetAtt": [resource[1], "StreamArn"]}
    if kind == "streams":
        return {"Fn::Sub": f"${{{resource[1]}.Arn}}/stream/*"}
    if kind == "queue":
        return {"Fn::GetAtt": [resource[1], "Arn"]}
    if kind == "log-streams":
        return {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${AWS::StackName}-*:*"}
    raise ValueError(resource)


def platform_uses(app, stream_function: str | None) -> set:
    """What Lambda itself needs with the function's role, beyond the code's calls."""
    uses = {Use("logs:CreateLogStream", ("log-streams",)), Use("logs:PutLogEvents", ("log-streams",))}
    if stream_function:
        source = stream_functions(app)[stream_function]
        table = table_id(stream_table(source))
        for action in ("DescribeStream", "GetRecords", "GetShardIterator"):
            uses.add(Use(f"dynamodb:{action}", ("stream", table)))
        uses.add(Use("dynamodb:ListStreams", ("streams", table)))
        uses.add(Use("sqs:SendMessage", ("queue", failures_queue_id(stream_function))))
    return uses


def statement_id(resource: tuple) -> str:
    words = {"table": "", "index": "Indexes", "objects": "Objects", "bucket": "Listing", "ses-identity": "SendEmail", "user-pool": "UserPool",
             "stream": "Stream", "streams": "ListStreams", "queue": "SendToFailureQueue", "log-streams": "Logs"}
    return "".join(w for w in ((resource[1] if len(resource) > 1 else ""), words[resource[0]]) if w)


def document(pairs: set) -> dict:
    """One statement per resource kind and owner: table actions on the table, Query on its
    indexes, object actions on the bucket's objects..."""
    groups: dict = {}
    for action, resource in pairs:
        key = (statement_id(resource), resource[0])
        groups.setdefault(key, {"actions": set(), "resources": set()})
        groups[key]["actions"].add(action)
        groups[key]["resources"].add(resource)
    statements = []
    for (sid, kind), group in sorted(groups.items()):
        resources = [arn(r) for r in sorted(group["resources"])]
        statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(group["actions"]),
                     "Resource": resources[0] if len(resources) == 1 else resources}
        if kind == "ses-identity":
            # Only ever as the configured sender.
            statement["Condition"] = {"StringEqualsIgnoreCase": {"ses:FromAddress": {"Ref": "SenderEmail"}}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policy_files(stage: str) -> dict[str, Path]:
    return {"functions": POLICY_DIR / f"policy-{stage}.json", "stream": POLICY_DIR / f"policy-{stage}-stream.json"}


def documents(app, analysis: Analysis) -> dict[str, dict]:
    """{"functions": the policy of every function, "stream": the stream handler's}."""
    code = analysis.pairs()
    streams = list(stream_functions(app))
    if len(streams) > 1:
        raise NotImplementedError("more than one stream handler: give each its own policy file")
    out = {"functions": document(code | {(u.action, u.resource) for u in platform_uses(app, None)})}
    if streams:
        out["stream"] = document(code | {(u.action, u.resource) for u in platform_uses(app, streams[0])})
    return out


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) the IAM policy files the code needs.")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    app = load_app()
    analysis = analyse()
    if analysis.problems:
        print("The code makes AWS calls this analysis cannot place:\n  " + "\n  ".join(analysis.problems), file=sys.stderr)
        return 1
    stale = []
    for stage in STAGES:
        for kind, doc in documents(app, analysis).items():
            path = policy_files(stage)[kind]
            text = render(doc)
            if args.check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path.relative_to(ROOT)))
            else:
                path.write_text(text)
                print(path.relative_to(ROOT))
    if stale:
        print("Out of date with the code (run `make policy` and review the diff): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
