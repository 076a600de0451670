//! Text with policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
//! `${*}`), compiled once, resolved against a request's context at evaluation.
//!
//! The rules, from "IAM policy elements: Variables and tags" in the IAM User Guide:
//! - variables are recognised only in documents whose `Version` is `2012-10-17`; elsewhere
//!   `${...}` is plain text;
//! - `${*}`, `${?}` and `${$}` stand for the characters `*`, `?` and `$` themselves;
//! - a variable whose key is absent from the request (or multivalued) has no value; with a
//!   default (`${key, 'default'}`) the default is used, otherwise the text it is part of
//!   matches nothing (a Resource does not match, a condition value does not match).

use crate::context::Context;
use auditor_model::wildcard::{matches_parts, Part, Wildcard};

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text as written (`*` and `?` are wildcards where the operator allows them).
    Text(Box<str>),
    /// Characters that stand for themselves (`${*}`).
    Char(char),
    /// A variable: the context key (lowercase) and its default value.
    Var {
        key: Box<str>,
        default: Option<Box<str>>,
    },
}

/// Text that may hold variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Box<[Piece]>,
}

/// Why a template has no value for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unresolved;

impl Template {
    /// Compiles `text`; `variables` is whether the document's version recognises them.
    pub(crate) fn new(text: &str, variables: bool) -> Template {
        if !variables || !text.contains("${") {
            return Template {
                pieces: Box::new([Piece::Text(text.into())]),
            };
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            if start > 0 {
                pieces.push(Piece::Text(rest[..start].into()));
            }
            let inner = &rest[start + 2..start + 2 + len];
            pieces.push(match inner {
                "*" => Piece::Char('*'),
                "?" => Piece::Char('?'),
                "$" => Piece::Char('$'),
                _ => {
                    let (name, default) = match inner.split_once(',') {
                        Some((name, d)) => {
                            let d = d.trim();
                            let quoted = d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'');
                            (name, quoted.then(|| d[1..d.len() - 1].into()))
                        }
                        None => (inner, None),
                    };
                    Piece::Var {
                        key: name.trim().to_ascii_lowercase().into(),
                        default,
                    }
                }
            });
            rest = &rest[start + 2 + len + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.into()));
        }
        Template {
            pieces: pieces.into(),
        }
    }

    /// The text when it holds no variable (`${*}` and friends rendered).
    pub(crate) fn fixed(&self) -> Option<String> {
        let mut out = String::new();
        for p in self.pieces.iter() {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Char(c) => out.push(*c),
                Piece::Var { .. } => return None,
            }
        }
        Some(out)
    }

    /// Whether it refers to a variable.
    pub(crate) fn has_variables(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Var { .. }))
    }

    /// Runs `f` on the value of each piece in this request's context: (text, whether
    /// wildcards in it are active). Allocates nothing for up to 16 pieces.
    fn with_parts<'a, R>(
        &'a self,
        ctx: &'a Context,
        f: impl FnOnce(&[Part<'a>]) -> R,
    ) -> Result<R, Unresolved> {
        const INLINE: usize = 16;
        let resolve = |p: &'a Piece| -> Result<Part<'a>, Unresolved> {
            Ok(match p {
                Piece::Text(t) => Part::Pattern(t),
                Piece::Char('*') => Part::Literal("*"),
                Piece::Char('?') => Part::Literal("?"),
                Piece::Char(_) => Part::Literal("$"),
                // An empty value counts as no value (an empty tag is null in AWS).
                Piece::Var { key, default } => match ctx.single(key).filter(|v| !v.is_empty()) {
                    Some(v) => Part::Literal(v),
                    None => match default {
                        Some(d) => Part::Literal(d),
                        None => return Err(Unresolved),
                    },
                },
            })
        };
        if self.pieces.len() <= INLINE {
            let mut buf = [Part::Literal(""); INLINE];
            for (slot, p) in buf.iter_mut().zip(self.pieces.iter()) {
                *slot = resolve(p)?;
            }
            Ok(f(&buf[..self.pieces.len()]))
        } else {
            let parts = self
                .pieces
                .iter()
                .map(resolve)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(f(&parts))
        }
    }

    /// The resolved text (wildcard characters kept as characters).
    pub(crate) fn render(&self, ctx: &Context) -> Result<String, Unresolved> {
        self.with_parts(ctx, |parts| {
            parts
                .iter()
                .map(|p| match p {
                    Part::Pattern(t) | Part::Literal(t) => *t,
                })
                .collect()
        })
    }

    /// Whether the resolved text equals `value` (case-sensitively, or ignoring case).
    pub(crate) fn equals(
        &self,
        value: &str,
        ignore_case: bool,
        ctx: &Context,
    ) -> Result<bool, Unresolved> {
        self.with_parts(ctx, |parts| {
            let chars = parts.iter().flat_map(|p| match p {
                Part::Pattern(t) | Part::Literal(t) => t.chars(),
            });
            if ignore_case {
                chars
                    .flat_map(char::to_lowercase)
                    .eq(value.chars().flat_map(char::to_lowercase))
            } else {
                chars.eq(value.chars())
            }
        })
    }

    /// Whether `value` matches the resolved pattern (wildcards active only in written
    /// text).
    pub(crate) fn is_match(&self, value: &str, ctx: &Context) -> Result<bool, Unresolved> {
        self.with_parts(ctx, |parts| {
            // The two-pointer matcher costs up to text × pattern steps: past a small
            // product, compiling the pattern (linear matching) is cheaper.
            let len: usize = parts
                .iter()
                .map(|p| match p {
                    Part::Pattern(t) | Part::Literal(t) => t.len(),
                })
                .sum();
            if len.saturating_mul(value.len()) > 1 << 14 {
                Wildcard::from_parts(parts).is_match(value)
            } else {
                matches_parts(parts, value)
            }
        })
    }

    /// The pattern resolved in `ctx` and compiled (wildcards active only in written text).
    pub(crate) fn pattern(&self, ctx: &Context) -> Result<Wildcard, Unresolved> {
        self.with_parts(ctx, Wildcard::from_parts)
    }

    /// The compiled pattern when it holds no variable.
    pub(crate) fn static_pattern(&self) -> Option<Wildcard> {
        if self.has_variables() {
            return None;
        }
        let parts: Vec<Part<'_>> = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => Part::Pattern(t),
                Piece::Char('*') => Part::Literal("*"),
                Piece::Char('?') => Part::Literal("?"),
                _ => Part::Literal("$"),
            })
            .collect();
        Some(Wildcard::from_parts(&parts))
    }
}

/// A pattern compiled once when it can be, or per request when it holds variables.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Static(Wildcard),
    Dynamic(Template),
}

impl Matcher {
    pub(crate) fn new(text: &str, variables: bool) -> Matcher {
        let t = Template::new(text, variables);
        match t.static_pattern() {
            Some(w) => Matcher::Static(w),
            None => Matcher::Dynamic(t),
        }
    }

    /// Whether `value` matches; `Err` when a variable has no value.
    pub(crate) fn is_match(&self, value: &str, ctx: &Context) -> Result<bool, Unresolved> {
        match self {
            Matcher::Static(w) => Ok(w.is_match(value)),
            Matcher::Dynamic(t) => t.is_match(value, ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        let mut c = Context::new();
        for (k, v) in pairs {
            c.insert(k, *v);
        }
        c
    }

    #[test]
    fn variables_defaults_and_escapes() {
        let c = ctx(&[("aws:username", "alice"), ("aws:PrincipalTag/team", "crm")]);
        let t = Template::new("home/${aws:username}/${aws:PrincipalTag/Team}/*", true);
        assert_eq!(t.render(&c).unwrap(), "home/alice/crm/*");
        let d = Template::new("${aws:PrincipalTag/dept, 'none'}", true);
        assert_eq!(d.render(&c).unwrap(), "none");
        assert_eq!(
            Template::new("${aws:userid}", true).render(&c),
            Err(Unresolved)
        );
        let m = Matcher::new("a${*}b*", true);
        assert!(m.is_match("a*bzz", &c).unwrap());
        assert!(!m.is_match("axbzz", &c).unwrap());
    }

    #[test]
    fn without_version_variables_are_text() {
        let c = ctx(&[("aws:username", "alice")]);
        let t = Template::new("home/${aws:username}", false);
        assert_eq!(t.render(&c).unwrap(), "home/${aws:username}");
    }

    #[test]
    fn a_variable_value_is_literal() {
        let c = ctx(&[("aws:username", "a*")]);
        let m = Matcher::new("home/${aws:username}", true);
        assert!(m.is_match("home/a*", &c).unwrap());
        assert!(!m.is_match("home/abc", &c).unwrap());
    }
}
