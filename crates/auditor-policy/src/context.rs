//! The request context: condition keys and their values, as AWS gives them to policies.
//!
//! Keys are case-insensitive (stored lowercase). Values are strings, as in AWS; operators
//! read them as numbers, dates, addresses or booleans. A multivalued key (`aws:TagKeys`,
//! `aws:PrincipalOrgPaths`) holds a list, possibly empty; a key that is absent is absent,
//! which is what `...IfExists`, `Null` and the set operators look at.

/// A context value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key.
    One(String),
    /// A multivalued key.
    Many(Vec<String>),
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::One(s.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::One(s)
    }
}

impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        ContextValue::One(b.to_string())
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(v: Vec<String>) -> Self {
        ContextValue::Many(v)
    }
}

impl ContextValue {
    /// The values, one for a single-valued key.
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::One(s) => std::slice::from_ref(s),
            ContextValue::Many(v) => v,
        }
    }
}

/// Which condition keys the evaluation may take in the requester's favour.
///
/// An analysis that asks "what may this principal reach" knows some keys (its ARN, its
/// tags, TLS) and not others (the address it calls from, the VPC endpoint, headers). With
/// [`Context::assume_unknown`], a condition on a key the predicate rejects is taken as met
/// in an `Allow`, and a `Deny` with such a condition is taken as avoidable; the evaluation
/// reports each such assumption.
pub type KnownKeys = fn(&str) -> bool;

/// The request context.
#[derive(Debug, Clone, Default)]
pub struct Context {
    entries: Vec<(Box<str>, ContextValue)>,
    known: Option<KnownKeys>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets `key` (any case) to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) {
        let k = key.to_ascii_lowercase();
        let value = value.into();
        match self.entries.iter_mut().find(|(e, _)| **e == *k) {
            Some(e) => e.1 = value,
            None => self.entries.push((k.into(), value)),
        }
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Context {
        self.insert(key, value);
        self
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        let k = key.to_ascii_lowercase();
        self.entries.retain(|(e, _)| **e != *k);
    }

    /// Conditions on keys that `known` rejects are taken in the requester's favour.
    pub fn assume_unknown(mut self, known: KnownKeys) -> Context {
        self.known = Some(known);
        self
    }

    /// The value of `key` (lowercase).
    pub(crate) fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .iter()
            .find(|(k, _)| **k == *key)
            .map(|(_, v)| v)
    }

    /// The value of `key` (any case), for callers.
    pub fn value(&self, key: &str) -> Option<&ContextValue> {
        self.get(&key.to_ascii_lowercase())
    }

    /// The single value of `key` (lowercase); `None` when absent or multivalued (a policy
    /// variable cannot take a multivalued key).
    pub(crate) fn single(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            ContextValue::One(s) => Some(s),
            ContextValue::Many(_) => None,
        }
    }

    /// Whether a condition on `key` (lowercase) is assumed rather than evaluated.
    pub(crate) fn is_assumed(&self, key: &str) -> bool {
        self.known.is_some_and(|known| !known(key))
    }

    /// Whether the context assumes anything.
    pub(crate) fn assumes(&self) -> bool {
        self.known.is_some()
    }

    /// The same context, with nothing assumed (every condition evaluated as written).
    pub(crate) fn as_written(&self) -> Context {
        Context {
            entries: self.entries.clone(),
            known: None,
        }
    }

    /// Every key and value, keys lowercase.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }
}
