"""Schema check of Kubernetes objects against the API's OpenAPI types, offline.

The schema comes from Debian's python3-kubernetes: its models are generated from the Kubernetes
OpenAPI spec (field names, types, required fields). A field the API does not know, a value of the
wrong type or a missing required field is an error, as it is for `kubectl apply --validate=strict`.
"""
import re

import kubernetes.client as k8s

# (apiVersion, kind) -> model class name of the kinds sctpkit deploys.
MODELS = {
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "Pod"): "V1Pod",
    ("v1", "Service"): "V1Service",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
    ("batch/v1", "Job"): "V1Job",
    ("rbac.authorization.k8s.io/v1", "Role"): "V1Role",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "V1ClusterRole",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "V1RoleBinding",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "V1ClusterRoleBinding",
}

_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(str, (.+)\)$")


class _Probe:
    """Stands in for a model instance to ask a setter whether it accepts None."""

    class _Config:
        client_side_validation = True

    local_vars_configuration = _Config()


def _required(cls):
    required = []
    for attr in cls.openapi_types:
        setter = getattr(cls, attr).fset
        try:
            setter(_Probe(), None)
        except ValueError:
            required.append(attr)
    return required


def _check_type(value, type_name, where, errors):
    if type_name == "str":
        if not isinstance(value, str):
            errors.append(f"{where}: expected a string, got {value!r}")
    elif type_name == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{where}: expected an integer, got {value!r}")
    elif type_name == "bool":
        if not isinstance(value, bool):
            errors.append(f"{where}: expected true or false, got {value!r}")
    elif type_name == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{where}: expected a number, got {value!r}")
    elif type_name == "object":
        # IntOrString (targetPort), Quantity, or free-form: the API accepts a scalar or a map here.
        pass
    elif type_name == "datetime":
        if not isinstance(value, str):
            errors.append(f"{where}: expected a timestamp, got {value!r}")
    elif m := _LIST.match(type_name):
        if not isinstance(value, list):
            errors.append(f"{where}: expected a list, got {value!r}")
            return
        for i, item in enumerate(value):
            _check_type(item, m.group(1), f"{where}[{i}]", errors)
    elif m := _DICT.match(type_name):
        if not isinstance(value, dict):
            errors.append(f"{where}: expected a map, got {value!r}")
            return
        for key, item in value.items():
            if not isinstance(key, str):
                errors.append(f"{where}: map key {key!r} is not a string")
            _check_type(item, m.group(1), f"{where}.{key}", errors)
    else:
        check_model(value, type_name, where, errors)


def check_model(obj, model_name, where, errors):
    """Appends to errors every way obj fails the API type model_name (e.g. 'V1Pod')."""
    cls = getattr(k8s, model_name, None)
    if cls is None:
        errors.append(f"{where}: no API type {model_name}")
        return
    if not isinstance(obj, dict):
        errors.append(f"{where}: expected a {model_name} map, got {obj!r}")
        return
    by_json = {json: attr for attr, json in cls.attribute_map.items()}
    for key, value in obj.items():
        attr = by_json.get(key)
        if attr is None:
            errors.append(f"{where}: unknown field '{key}' in {model_name}")
            continue
        if value is None:
            continue
        _check_type(value, cls.openapi_types[attr], f"{where}.{key}", errors)
    for attr in _required(cls):
        json = cls.attribute_map[attr]
        if obj.get(json) is None:
            errors.append(f"{where}: required field '{json}' of {model_name} is missing")


def check_object(doc, where, errors):
    """Schema-checks one manifest of a kind in MODELS; returns False if the kind is not one."""
    model = MODELS.get((doc.get("apiVersion"), doc.get("kind")))
    if model is None:
        return False
    check_model(doc, model, where, errors)
    return True
