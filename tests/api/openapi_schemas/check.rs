//! Checks real answers against the schema `openapi.yaml` declares for their operation, status
//! and content type, with a JSON-Schema validator.
//!
//! OpenAPI 3.0.3 schemas become JSON Schema 2020-12: `nullable: true` adds `"null"` to `type`
//! (an `enum` keeps only what it lists, as 3.0.3 says); an object that lists its `properties`
//! and says nothing of `additionalProperties` gets `additionalProperties: false`, so an
//! undocumented field is caught; an `allOf` of several objects is merged into one object (as
//! generators read it), so that strictness still lets the members' fields through.

use std::collections::{BTreeSet, HashMap};

use jsonschema::Validator;
use serde_json::{Map, Value, json};
use sla_ledger::api::ROUTES;
use sla_ledger::auth::Role;
use yaml_rust2::{Yaml, YamlLoader};

use crate::helpers::{Resp, TestApp};

/// `openapi.yaml` as JSON.
pub fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml");
    to_json(&YamlLoader::load_from_str(&text).expect("YAML")[0])
}

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(r) => json!(r.parse::<f64>().expect("a YAML real")),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => json!(s),
        Yaml::Boolean(b) => json!(b),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        other => panic!("unexpected YAML key {other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Yaml::Null => Value::Null,
        other => panic!("unsupported YAML node {other:?}"),
    }
}

/// One OpenAPI 3.0 schema as JSON Schema 2020-12 (see the module comment). `named` holds the
/// raw `components.schemas`, to merge the members of an `allOf`.
pub fn convert(schema: &Value, named: &Map<String, Value>) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let converted = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .expect("properties")
                    .iter()
                    .map(|(name, s)| (name.clone(), convert(s, named)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => convert(value, named),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .expect("a list of schemas")
                    .iter()
                    .map(|s| convert(s, named))
                    .collect(),
            ),
            "nullable" | "discriminator" | "example" | "examples" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if map.get("nullable") == Some(&Value::Bool(true))
        && let Some(Value::String(t)) = out.get("type")
    {
        let t = t.clone();
        out.insert("type".into(), json!([t, "null"]));
    }
    if let Some(members) = map.get("allOf").and_then(Value::as_array)
        && members.len() > 1
    {
        merge_all_of(&mut out, members, named);
    }
    if out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), json!(false));
    }
    Value::Object(out)
}

/// Replaces `allOf: [A, B, …]` (objects, inline or `$ref`) with one object listing every
/// member's properties and required fields.
fn merge_all_of(out: &mut Map<String, Value>, members: &[Value], named: &Map<String, Value>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for member in members {
        let member = match member.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r
                    .strip_prefix("#/components/schemas/")
                    .expect("a local $ref");
                &named[name]
            }
            None => member,
        };
        assert_eq!(member["type"], "object", "allOf of non-objects: {member}");
        let converted = convert(member, named);
        properties.extend(
            converted["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        required.extend(
            converted["required"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    out.remove("allOf");
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Value::Object(properties));
    out.insert("required".into(), Value::Array(required));
}

/// `components.schemas` converted, to resolve the `$ref`s of any converted schema.
pub struct Schemas {
    raw: Map<String, Value>,
    converted: Value,
}

impl Schemas {
    pub fn of(spec: &Value) -> Schemas {
        let raw = spec["components"]["schemas"]
            .as_object()
            .expect("schemas")
            .clone();
        let converted: Map<String, Value> = raw
            .iter()
            .map(|(name, s)| (name.clone(), convert(s, &raw)))
            .collect();
        Schemas {
            converted: json!({ "schemas": converted }),
            raw,
        }
    }

    /// A validator for an OpenAPI schema (date-time formats checked).
    pub fn validator(&self, schema: &Value) -> Validator {
        let mut root = convert(schema, &self.raw);
        root["components"] = self.converted.clone();
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema {schema}: {e}"))
    }
}

/// Answers that were checked, and what did not match.
pub struct Checker<'a> {
    pub app: &'a TestApp,
    spec: Value,
    schemas: Schemas,
    validators: HashMap<String, Validator>,
    pub checked: BTreeSet<(String, String, u16)>,
    pub mismatches: Vec<String>,
}

impl<'a> Checker<'a> {
    pub fn new(app: &'a TestApp) -> Checker<'a> {
        let spec = spec();
        Checker {
            app,
            schemas: Schemas::of(&spec),
            spec,
            validators: HashMap::new(),
            checked: BTreeSet::new(),
            mismatches: Vec::new(),
        }
    }

    /// Sends a request, checks the answer, and returns it.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        role: Option<Role>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let text = body.map(Value::to_string);
        let r = self.app.send(method, path, role, text.as_deref(), headers);
        self.check(method, path, &r);
        r
    }

    pub fn get(&mut self, path: &str, role: Role) -> Resp {
        self.send("GET", path, Some(role), None, &[])
    }

    /// GET that must answer 200; answers the body.
    pub fn read(&mut self, path: &str, role: Role) -> Value {
        let r = self.get(path, role);
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        r.body
    }

    /// A write (no body for `null`) that must answer `status`; answers the body.
    pub fn write(
        &mut self,
        method: &str,
        path: &str,
        role: Role,
        body: Value,
        status: u16,
    ) -> Value {
        let sent = (!body.is_null()).then_some(&body);
        let r = self.send(method, path, Some(role), sent, &[]);
        let mut sent = body.to_string();
        sent.truncate(300);
        assert_eq!(r.status, status, "{method} {path} {sent}: {}", r.text);
        r.body
    }

    fn check(&mut self, method: &str, path: &str, r: &Resp) {
        let template = template(method, path);
        let label = format!("{method} {path} → {}", r.status);
        let Some(content_type) = r.header("content-type") else {
            return self.mismatch(&label, "no Content-Type");
        };
        let content_type = content_type.split(';').next().unwrap_or_default().trim();
        if !content_type.ends_with("json") {
            return; // CSV: not described by a JSON schema.
        }
        let op = format!("/paths/{}/{}", escape(template), method.to_lowercase());
        let Some(pointer) = self.response_pointer(&op, r.status) else {
            return self.mismatch(&label, "status not documented for this operation");
        };
        let pointer = format!("{pointer}/content/{}/schema", escape(content_type));
        if self.spec.pointer(&pointer).is_none() {
            return self.mismatch(&label, &format!("{content_type} not documented"));
        }
        if r.body.is_null() {
            return self.mismatch(&label, &format!("body is not JSON: {:?}", r.text));
        }
        let validator = self.validator(&pointer);
        let errors: Vec<String> = validator
            .iter_errors(&r.body)
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect();
        self.checked
            .insert((method.to_owned(), template.to_owned(), r.status));
        for error in errors {
            self.mismatch(&label, &error);
        }
    }

    /// The JSON pointer of the response object for `status` (a `$ref` followed).
    fn response_pointer(&self, op: &str, status: u16) -> Option<String> {
        let pointer = format!("{op}/responses/{status}");
        let response = self.spec.pointer(&pointer)?;
        Some(match response.get("$ref").and_then(Value::as_str) {
            Some(r) => r.trim_start_matches('#').to_owned(),
            None => pointer,
        })
    }

    fn validator(&mut self, pointer: &str) -> &Validator {
        let (spec, schemas) = (&self.spec, &self.schemas);
        self.validators
            .entry(pointer.to_owned())
            .or_insert_with(|| schemas.validator(&spec.pointer(pointer).cloned().unwrap()))
    }

    fn mismatch(&mut self, label: &str, what: &str) {
        self.mismatches.push(format!("{label}: {what}"));
    }

    /// Fails with every mismatch found.
    pub fn assert_all_match(&self) {
        assert!(
            self.mismatches.is_empty(),
            "{} answer(s) differ from openapi.yaml:\n{}",
            self.mismatches.len(),
            self.mismatches.join("\n")
        );
    }
}

/// The route template (`/v1/credits/{id}`) that serves `method path`.
fn template(method: &str, path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or_default();
    let mut matches: Vec<&str> = ROUTES
        .iter()
        .filter(|r| r.method == method && actix_web::dev::ResourceDef::new(r.path).is_match(path))
        .map(|r| r.path)
        .collect();
    matches.sort_by_key(|t| t.matches('{').count());
    matches
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no route for {method} {path}"))
}

/// A JSON-pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
