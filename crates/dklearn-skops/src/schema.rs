//! The node tree of a skops file (`schema.json`), written and read.
//!
//! Every node is a JSON object with `__class__`, `__module__`, `__loader__` and
//! an `__id__` (skops' memo key: a node whose `__id__` was seen before is the
//! same Python object). The loaders used here, as skops 0.16 writes them:
//!
//! | loader | what | content |
//! |---|---|---|
//! | `JsonNode` | a JSON scalar (`__class__` is always `"str"`) | the value's JSON text, and `"is_json": true` |
//! | `ObjectNode` | an instance (`__new__` + `__setstate__`) | a `DictNode` of its attributes |
//! | `DictNode` | `builtins.dict` | `content` by key, `key_types`: a `ListNode` of `TypeNode`s, one per key |
//! | `ListNode` / `TupleNode` | `builtins.list` / `builtins.tuple` | a list of nodes |
//! | `TypeNode` | a type (`numpy.float64`, `builtins.str`) | none |
//! | `NdArrayNode` | `numpy.ndarray` | `"type": "numpy"` and `"file"`: a `.npy` member of the zip; or `"type": "json"`, a list of nodes and a `"shape"` |
//! | `LossNode` | an SGD loss object (`sklearn.linear_model._sgd_fast.Hinge`, ...) | `__reduce__.args` (a tuple node) and an empty dict |
//!
//! The root also carries `"protocol": 2` and `"_skops_version"`.
//!
//! Reading never constructs anything: the tree is decoded into [`Node`]s and
//! every type is checked against a fixed allow-list (the estimators dklearn
//! knows and the builtins/numpy types their attributes use); anything else is
//! an error naming the type and where it is.

use crate::npy::{self, NpyArray};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The skops protocol this crate writes and the newest it reads.
pub const PROTOCOL: i64 = 2;
/// The skops version written into files (the one whose format this follows).
pub const SKOPS_VERSION: &str = "0.16.0";

// ---------------------------------------------------------------- writing --

/// Builds a node tree; collects the `.npy` members it refers to.
pub(crate) struct Writer {
    next_id: u64,
    /// `(member name, bytes)` of every array written.
    pub(crate) files: Vec<(String, Vec<u8>)>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        // Ids only need to be distinct within a file; start where they read as ids.
        Writer {
            next_id: 1_000_001,
            files: Vec::new(),
        }
    }

    fn id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A `JsonNode` holding `v`.
    pub(crate) fn json(&mut self, v: Value) -> Value {
        json!({
            "__class__": "str",
            "__module__": "builtins",
            "__loader__": "JsonNode",
            "content": v.to_string(),
            "is_json": true,
            "__id__": self.id(),
        })
    }

    /// A `TypeNode`.
    pub(crate) fn type_node(&mut self, module: &str, class: &str) -> Value {
        json!({
            "__class__": class,
            "__module__": module,
            "__loader__": "TypeNode",
            "__id__": self.id(),
        })
    }

    /// A `builtins.dict` with string keys, in the given order.
    pub(crate) fn dict(&mut self, entries: Vec<(&str, Value)>) -> Value {
        let key_types: Vec<Value> = entries
            .iter()
            .map(|_| self.type_node("builtins", "str"))
            .collect();
        let key_types = json!({
            "__class__": "list",
            "__module__": "builtins",
            "__loader__": "ListNode",
            "content": key_types,
            "__id__": self.id(),
        });
        let mut content = Map::new();
        for (k, v) in entries {
            content.insert(k.to_string(), v);
        }
        json!({
            "__class__": "dict",
            "__module__": "builtins",
            "__loader__": "DictNode",
            "content": content,
            "key_types": key_types,
            "__id__": self.id(),
        })
    }

    /// A `builtins.list` or `builtins.tuple` node.
    pub(crate) fn seq(&mut self, tuple: bool, items: Vec<Value>) -> Value {
        let (class, loader) = if tuple {
            ("tuple", "TupleNode")
        } else {
            ("list", "ListNode")
        };
        json!({
            "__class__": class,
            "__module__": "builtins",
            "__loader__": loader,
            "content": items,
            "__id__": self.id(),
        })
    }

    /// An `NdArrayNode` stored as `<id>.npy`.
    pub(crate) fn array(&mut self, npy_bytes: Vec<u8>) -> Value {
        let id = self.id();
        let file = format!("{id}.npy");
        self.files.push((file.clone(), npy_bytes));
        json!({
            "__class__": "ndarray",
            "__module__": "numpy",
            "__loader__": "NdArrayNode",
            "type": "numpy",
            "file": file,
            "__id__": id,
        })
    }

    /// An `ObjectNode` of `module.class` with the given attributes.
    pub(crate) fn object(&mut self, module: &str, class: &str, attrs: Vec<(&str, Value)>) -> Value {
        let content = self.dict(attrs);
        json!({
            "__class__": class,
            "__module__": module,
            "__loader__": "ObjectNode",
            "content": content,
            "__id__": self.id(),
        })
    }

    /// A `LossNode` of `module.class(args...)`.
    pub(crate) fn loss(&mut self, module: &str, class: &str, args: Vec<Value>) -> Value {
        let args = self.seq(true, args);
        let content = self.dict(Vec::new());
        json!({
            "__class__": class,
            "__module__": module,
            "__reduce__": { "args": args },
            "content": content,
            "__loader__": "LossNode",
            "__id__": self.id(),
        })
    }
}

/// Adds the root's protocol fields.
pub(crate) fn finish_root(mut root: Value) -> Value {
    if let Value::Object(m) = &mut root {
        m.insert("protocol".into(), json!(PROTOCOL));
        m.insert("_skops_version".into(), json!(SKOPS_VERSION));
    }
    root
}

// ---------------------------------------------------------------- reading --

/// A decoded, checked node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// A JSON scalar or container from a `JsonNode`.
    Json(Value),
    /// An instance of an allowed class with its attributes (`None`: no content).
    Object {
        module: String,
        class: String,
        attrs: Option<Vec<(String, Node)>>,
    },
    /// A dict with string keys.
    Dict(Vec<(String, Node)>),
    /// A list or tuple.
    Seq(Vec<Node>),
    /// A type.
    Type { module: String, class: String },
    /// An array, with the `__id__` of its node (skops' object identity).
    Array { array: NpyArray, id: i64 },
    /// An SGD loss object: its class and constructor arguments.
    Loss { class: String, args: Vec<Node> },
}

/// The classes an `ObjectNode` may have.
pub(crate) const ALLOWED_OBJECTS: &[(&str, &str)] = &[
    ("sklearn.feature_extraction.text", "HashingVectorizer"),
    ("sklearn.linear_model._stochastic_gradient", "SGDClassifier"),
    ("sklearn.linear_model._perceptron", "Perceptron"),
    (
        "sklearn.linear_model._passive_aggressive",
        "PassiveAggressiveClassifier",
    ),
    ("sklearn.linear_model._logistic", "LogisticRegression"),
    ("sklearn.naive_bayes", "MultinomialNB"),
    ("sklearn.pipeline", "Pipeline"),
];

/// The SGD loss classes a `LossNode` may have.
const ALLOWED_LOSSES: &[(&str, &str)] = &[
    ("sklearn.linear_model._sgd_fast", "Hinge"),
    ("sklearn.linear_model._sgd_fast", "SquaredHinge"),
    ("sklearn.linear_model._sgd_fast", "ModifiedHuber"),
    ("sklearn._loss._loss", "CyHalfBinomialLoss"),
];

/// The types a `TypeNode` may name (dtypes and dict key types).
const ALLOWED_TYPES: &[(&str, &str)] = &[
    ("builtins", "str"),
    ("builtins", "int"),
    ("numpy", "float64"),
    ("numpy", "float32"),
    ("numpy", "int64"),
    ("numpy", "int32"),
];

/// Where a node is, for messages: `steps[1][1].coef_`.
pub(crate) fn child(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else if key.starts_with('[') {
        format!("{at}{key}")
    } else {
        format!("{at}.{key}")
    }
}

/// Decodes a whole schema: reads arrays through `read_member`, checks every
/// type, and the memo rule (a repeated `__id__` must repeat the same node).
pub(crate) struct Reader<'a> {
    read_member: &'a mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    seen: HashMap<i64, Value>,
    arrays: HashMap<String, NpyArray>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(read_member: &'a mut dyn FnMut(&str) -> Result<Vec<u8>, String>) -> Self {
        Reader {
            read_member,
            seen: HashMap::new(),
            arrays: HashMap::new(),
        }
    }

    /// Checks the root's protocol, then decodes it.
    pub(crate) fn root(&mut self, v: &Value) -> Result<Node, String> {
        let protocol = v.get("protocol").ok_or("schema.json has no \"protocol\"")?;
        match protocol.as_i64() {
            Some(p) if (0..=PROTOCOL).contains(&p) => {}
            Some(p) if p > PROTOCOL => {
                return Err(format!(
                    "the file was saved with skops protocol {p}; this reader knows protocols 0 to {PROTOCOL}"
                ))
            }
            _ => return Err(format!("invalid skops protocol {protocol} (an integer 0..={PROTOCOL} is expected)")),
        }
        self.node(v, "")
    }

    fn node(&mut self, v: &Value, at: &str) -> Result<Node, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("{}: a node must be a JSON object", show(at)))?;
        let s = |k: &str| -> Result<&str, String> {
            obj.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{}: the node has no string {k:?}", show(at)))
        };
        let id = obj
            .get("__id__")
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("{}: the node has no integer \"__id__\"", show(at)))?;
        // skops reuses the first node of an id for every later one; a later
        // node that differs would load as something other than it says.
        match self.seen.get(&id) {
            Some(first) if !same_node(first, v) => {
                return Err(format!(
                    "{}: node __id__ {id} is reused for a different node",
                    show(at)
                ))
            }
            Some(_) => {}
            None => {
                self.seen.insert(id, v.clone());
            }
        }
        let loader = s("__loader__")?;
        let module = s("__module__")?;
        let class = s("__class__")?;
        let untrusted = || {
            format!(
                "{}: untrusted type {module}.{class} (loader {loader}); dklearn loads only the \
                 scikit-learn estimators it implements and the builtins/numpy types they use",
                show(at)
            )
        };
        let content = |k: &str| {
            obj.get(k)
                .ok_or_else(|| format!("{}: the {loader} has no {k:?}", show(at)))
        };
        match loader {
            "JsonNode" => {
                let text = content("content")?
                    .as_str()
                    .ok_or_else(|| format!("{}: JsonNode content must be a string", show(at)))?;
                let value: Value = serde_json::from_str(text).map_err(|e| {
                    format!("{}: JsonNode content {text:?} is not JSON: {e}", show(at))
                })?;
                Ok(Node::Json(value))
            }
            "ObjectNode" => {
                if !ALLOWED_OBJECTS.contains(&(module, class)) {
                    return Err(untrusted());
                }
                let attrs = match obj.get("content") {
                    None | Some(Value::Null) => None,
                    Some(c) => match self.node(c, at)? {
                        Node::Dict(d) => Some(d),
                        _ => {
                            return Err(format!(
                                "{}: the attributes of {class} must be a dict",
                                show(at)
                            ))
                        }
                    },
                };
                Ok(Node::Object {
                    module: module.into(),
                    class: class.into(),
                    attrs,
                })
            }
            "DictNode" => {
                if (module, class) != ("builtins", "dict") {
                    return Err(untrusted());
                }
                let items = content("content")?
                    .as_object()
                    .ok_or_else(|| format!("{}: DictNode content must be an object", show(at)))?;
                let key_types = match self.node(content("key_types")?, &child(at, "<key_types>"))? {
                    Node::Seq(k) => k,
                    _ => return Err(format!("{}: key_types must be a list", show(at))),
                };
                if key_types.len() != items.len() {
                    return Err(format!(
                        "{}: {} keys but {} key types",
                        show(at),
                        items.len(),
                        key_types.len()
                    ));
                }
                for k in &key_types {
                    match k {
                        Node::Type { module, class } if module == "builtins" && class == "str" => {}
                        _ => {
                            return Err(format!(
                                "{}: only string dict keys are supported",
                                show(at)
                            ))
                        }
                    }
                }
                let mut out = Vec::with_capacity(items.len());
                for (k, v) in items {
                    out.push((k.clone(), self.node(v, &child(at, k))?));
                }
                Ok(Node::Dict(out))
            }
            "ListNode" | "TupleNode" => {
                let expected = if loader == "ListNode" {
                    "list"
                } else {
                    "tuple"
                };
                if (module, class) != ("builtins", expected) {
                    return Err(untrusted());
                }
                let items = content("content")?
                    .as_array()
                    .ok_or_else(|| format!("{}: {loader} content must be a list", show(at)))?;
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    out.push(self.node(v, &child(at, &format!("[{i}]")))?);
                }
                Ok(Node::Seq(out))
            }
            "TypeNode" => {
                if !ALLOWED_TYPES.contains(&(module, class)) {
                    return Err(untrusted());
                }
                Ok(Node::Type {
                    module: module.into(),
                    class: class.into(),
                })
            }
            "NdArrayNode" => {
                if (module, class) != ("numpy", "ndarray") {
                    return Err(untrusted());
                }
                let kind = content("type")?.as_str().unwrap_or_default();
                match kind {
                    "numpy" => {
                        let file = content("file")?.as_str().ok_or_else(|| {
                            format!("{}: the array's \"file\" must be a string", show(at))
                        })?;
                        let array = match self.arrays.get(file) {
                            Some(a) => a.clone(),
                            None => {
                                let bytes = (self.read_member)(file)
                                    .map_err(|e| format!("{}: {e}", show(at)))?;
                                let a = npy::read(&bytes)
                                    .map_err(|e| format!("{} ({file}): {e}", show(at)))?;
                                self.arrays.insert(file.to_string(), a.clone());
                                a
                            }
                        };
                        Ok(Node::Array { array, id })
                    }
                    "json" => {
                        // An object array: its items as nodes; only strings are
                        // supported (scikit-learn's classes_ of Python strings).
                        let items = content("content")?.as_array().ok_or_else(|| {
                            format!("{}: an object array's content must be a list", show(at))
                        })?;
                        let shape = match self.node(content("shape")?, &child(at, "<shape>"))? {
                            Node::Seq(s) => s,
                            _ => return Err(format!("{}: the shape must be a tuple", show(at))),
                        };
                        if shape.len() != 1 {
                            return Err(format!(
                                "{}: only 1-D object arrays are supported",
                                show(at)
                            ));
                        }
                        let mut strings = Vec::with_capacity(items.len());
                        for (i, v) in items.iter().enumerate() {
                            match self.node(v, &child(at, &format!("[{i}]")))? {
                                // numpy drops trailing NULs from its strings.
                                Node::Json(Value::String(s)) if !s.ends_with('\0') => {
                                    strings.push(s)
                                }
                                _ => {
                                    return Err(format!(
                                    "{}: object arrays of anything but strings are not supported",
                                    show(at)
                                ))
                                }
                            }
                        }
                        if shape[0].as_json().and_then(Value::as_u64) != Some(strings.len() as u64)
                        {
                            return Err(format!(
                                "{}: the object array's shape does not match its {} items",
                                show(at),
                                strings.len()
                            ));
                        }
                        Ok(Node::Array {
                            array: NpyArray {
                                shape: vec![strings.len()],
                                data: npy::NpyData::Str(strings),
                                descr: "object".into(),
                            },
                            id,
                        })
                    }
                    other => Err(format!(
                        "{}: unknown array storage type {other:?}",
                        show(at)
                    )),
                }
            }
            "LossNode" => {
                if !ALLOWED_LOSSES.contains(&(module, class)) {
                    return Err(untrusted());
                }
                let args = obj
                    .get("__reduce__")
                    .and_then(|r| r.get("args"))
                    .ok_or_else(|| format!("{}: the LossNode has no __reduce__.args", show(at)))?;
                let args = match self.node(args, &child(at, "<args>"))? {
                    Node::Seq(a) => a,
                    _ => return Err(format!("{}: loss arguments must be a tuple", show(at))),
                };
                match self.node(content("content")?, at)? {
                    Node::Dict(d) if d.is_empty() => {}
                    _ => {
                        return Err(format!(
                            "{}: a loss object must have no attributes",
                            show(at)
                        ))
                    }
                }
                Ok(Node::Loss {
                    class: class.into(),
                    args,
                })
            }
            _ => Err(untrusted()),
        }
    }
}

/// Two nodes are the same when equal as JSON.
fn same_node(a: &Value, b: &Value) -> bool {
    a == b
}

/// The location for messages (`<root>` for the root).
pub(crate) fn show(at: &str) -> &str {
    if at.is_empty() {
        "<root>"
    } else {
        at
    }
}

impl Node {
    /// The JSON value of a `JsonNode`.
    pub(crate) fn as_json(&self) -> Option<&Value> {
        match self {
            Node::Json(v) => Some(v),
            _ => None,
        }
    }

    /// A short description for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Node::Json(v) => format!("{v}"),
            Node::Object { module, class, .. } => format!("a {module}.{class}"),
            Node::Dict(_) => "a dict".into(),
            Node::Seq(_) => "a list".into(),
            Node::Type { module, class } => format!("the type {module}.{class}"),
            Node::Array { array, .. } => {
                format!(
                    "an array of dtype {} and shape {:?}",
                    array.descr, array.shape
                )
            }
            Node::Loss { class, .. } => format!("a loss {class}"),
        }
    }
}
