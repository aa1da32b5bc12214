#!/usr/bin/python3
"""gen_json_check.py: validate pmtcp-gen --json output against its schema.

usage: gen_json_check.py SCHEMA JSON [--role client|server]
                         [--expect PATH=VALUE ...] [--mutations]

Two validators check the document, and both must accept it:
  - python3-jsonschema (Debian's), Draft 2020-12, when it is installed;
  - a small validator written here for the subset of JSON Schema that
    docs/pmtcp-gen-json.schema.json uses (type, const, enum, minimum, maximum,
    required, properties, additionalProperties, items, maxProperties,
    if/then/else, local $ref). It is stricter on one point: "integer"
    means a JSON integer literal (jsonschema accepts 5.0). It rejects a
    keyword it does not know, so the schema stays inside the subset.
Then checks JSON Schema cannot express: errors.total is the sum of the
kinds, samples are in time order, and --expect PATH=VALUE (a dotted path,
e.g. totals.responses=2004: the figures of the text summary).

--mutations: the schema must reject the document with any one member
removed, with any one member of the wrong type, and with an unknown
member added, at every level (the first and last sample included): proof
that a missing or mistyped field fails the check.

Exit 0 when all is well, 1 otherwise (every problem printed), 2 on usage.
Standard library only, apart from the optional jsonschema.
"""

import argparse
import copy
import json
import sys

KNOWN = {"$schema", "$id", "$defs", "$ref", "$comment", "title",
         "description", "type", "const", "enum", "minimum", "maximum",
         "required",
         "properties", "additionalProperties", "items", "maxProperties",
         "if", "then", "else"}


class MiniValidator:
    """The subset of JSON Schema 2020-12 that the pmtcp-gen schema uses."""

    def __init__(self, schema):
        self.root = schema

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $ref: %s" % ref)
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    @staticmethod
    def type_ok(value, t):
        if t == "object":
            return isinstance(value, dict)
        if t == "array":
            return isinstance(value, list)
        if t == "string":
            return isinstance(value, str)
        if t == "boolean":
            return isinstance(value, bool)
        if t == "integer":	# a JSON integer literal, not 5.0
            return isinstance(value, int) and not isinstance(value, bool)
        if t == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if t == "null":
            return value is None
        raise ValueError("unknown type %s" % t)

    def errors(self, value, schema, path="$"):
        """Every violation of schema by value, as 'path: message'."""
        out = []
        unknown = set(schema) - KNOWN
        if unknown:
            raise ValueError("schema keywords outside the subset: %s"
                             % sorted(unknown))
        if "$ref" in schema:
            out += self.errors(value, self.resolve(schema["$ref"]), path)
        if "type" in schema:
            types = schema["type"]
            types = types if isinstance(types, list) else [types]
            if not any(self.type_ok(value, t) for t in types):
                return out + ["%s: %r is not of type %s"
                              % (path, value, "/".join(types))]
        if "const" in schema and (value != schema["const"] or
                                  type(value) is not type(schema["const"])):
            out.append("%s: %r is not %r" % (path, value, schema["const"]))
        if "enum" in schema and not any(
                value == e and type(value) is type(e) for e in schema["enum"]):
            out.append("%s: %r is not one of %r" % (path, value, schema["enum"]))
        if "minimum" in schema and self.type_ok(value, "number") and \
                value < schema["minimum"]:
            out.append("%s: %r is less than %r" % (path, value, schema["minimum"]))
        if "maximum" in schema and self.type_ok(value, "number") and \
                value > schema["maximum"]:
            out.append("%s: %r is more than %r" % (path, value, schema["maximum"]))
        if isinstance(value, dict):
            for k in schema.get("required", []):
                if k not in value:
                    out.append("%s: %r is missing" % (path, k))
            props = schema.get("properties", {})
            for k, v in value.items():
                if k in props:
                    out += self.errors(v, props[k], "%s.%s" % (path, k))
                elif schema.get("additionalProperties", True) is False:
                    out.append("%s: member %r is not allowed" % (path, k))
                elif isinstance(schema.get("additionalProperties"), dict):
                    out += self.errors(v, schema["additionalProperties"],
                                       "%s.%s" % (path, k))
            if "maxProperties" in schema and len(value) > schema["maxProperties"]:
                out.append("%s: more than %d members" % (path, schema["maxProperties"]))
        if isinstance(value, list) and "items" in schema:
            for i, v in enumerate(value):
                out += self.errors(v, schema["items"], "%s[%d]" % (path, i))
        if "if" in schema:
            if not self.errors(value, schema["if"], path):
                if "then" in schema:
                    out += self.errors(value, schema["then"], path)
            elif "else" in schema:
                out += self.errors(value, schema["else"], path)
        return out


def load_json(path):
    def no_dups(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                raise ValueError("duplicate member %r" % k)
            d[k] = v
        return d

    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=no_dups)


def jsonschema_validator(schema):
    """Debian's python3-jsonschema, or None when it is not installed."""
    try:
        import jsonschema
    except ImportError:
        return None
    cls = getattr(jsonschema, "Draft202012Validator", None)
    if cls is None:	# jsonschema < 4: draft 2020-12 unknown
        return None
    cls.check_schema(schema)
    return cls(schema)


def validate(doc, mini, js):
    """Messages from both validators (empty: valid)."""
    msgs = ["mini: " + m for m in mini.errors(doc, mini.root)]
    if js is not None:
        msgs += ["jsonschema: %s: %s" % ("/".join(map(str, e.absolute_path)) or "$",
                                         e.message)
                 for e in js.iter_errors(doc)]
    return msgs


def semantic(doc, role, expects):
    msgs = []
    e = doc.get("errors", {})
    kinds = [k for k in e if k not in ("total", "first", "http_reasons")]
    if kinds and all(isinstance(e.get(k), int) for k in kinds + ["total"]) and \
            e["total"] != sum(e[k] for k in kinds):
        msgs.append("errors.total=%d is not the sum of the kinds (%d)"
                    % (e["total"], sum(e[k] for k in kinds)))
    ts = [s.get("t") for s in doc.get("samples", [])]
    if any(b <= a for a, b in zip(ts, ts[1:])):
        msgs.append("samples are not in time order: %r" % ts)
    if role is not None and doc.get("role") != role:
        msgs.append("role is %r, want %r" % (doc.get("role"), role))
    for ex in expects:
        path, _, want = ex.partition("=")
        node = doc
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if str(node) != want:
            msgs.append("%s=%s, want %s (the text summary's figure)"
                        % (path, node, want))
    return msgs


def mutations(doc):
    """(description, mutated document) for every member at every level."""
    def members(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                yield path + [k], v
                yield from members(v, path + [k])
        elif isinstance(node, list) and node:
            # the first and the last item stand for all of them
            for i in sorted({0, len(node) - 1}):
                yield path + [i], node[i]
                yield from members(node[i], path + [i])

    def at(d, path):
        for p in path:
            d = d[p]
        return d

    objects = [([], doc)] + [(p, v) for p, v in members(doc, [])
                             if isinstance(v, dict)]
    for path, value in list(members(doc, [])):
        parent = path[:-1]
        if isinstance(path[-1], str):
            m = copy.deepcopy(doc)
            del at(m, parent)[path[-1]]
            yield "without %s" % ".".join(map(str, path)), m
        m = copy.deepcopy(doc)
        wrong = 1 if isinstance(value, str) else "1"
        at(m, parent)[path[-1]] = wrong
        yield "%s as %r" % (".".join(map(str, path)), wrong), m
        if isinstance(value, int) and not isinstance(value, bool):
            # an integer written as a number with a fraction
            m = copy.deepcopy(doc)
            at(m, parent)[path[-1]] = value + 0.5
            yield "%s as %r" % (".".join(map(str, path)), value + 0.5), m
    for path, _ in objects:
        m = copy.deepcopy(doc)
        at(m, path)["unexpected"] = 0
        yield "unknown member in %s" % (".".join(map(str, path)) or "$"), m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("schema")
    ap.add_argument("json")
    ap.add_argument("--role", choices=["client", "server"])
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--mutations", action="store_true")
    a = ap.parse_args()

    schema = load_json(a.schema)
    try:
        doc = load_json(a.json)
    except ValueError as e:
        print("FAIL: %s is not valid JSON: %s" % (a.json, e))
        return 1
    mini = MiniValidator(schema)
    js = jsonschema_validator(schema)
    print("validators: built-in subset%s" %
          (" and jsonschema (Draft 2020-12)" if js is not None else
           " only (python3-jsonschema is not installed)"))
    problems = validate(doc, mini, js) + semantic(doc, a.role, a.expect)
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print("%s: valid (%s, %s, %d samples)" %
              (a.json, doc["role"], doc["proto"], len(doc["samples"])))
    if a.mutations:
        n = missed = 0
        for what, m in mutations(doc):
            n += 1
            mm = mini.errors(m, schema)
            jm = list(js.iter_errors(m)) if js is not None else None
            if not mm or (jm is not None and not jm):
                missed += 1
                print("FAIL: the schema accepts the document %s (%s)" %
                      (what, "built-in" if not mm else "jsonschema"))
        print("mutations: %d tried, %d rejected by every validator" %
              (n, n - missed))
        if missed:
            problems.append("mutations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
