//! Evaluating a request across the policy types of one account.
//!
//! The logic follows "Policy evaluation logic" in the IAM User Guide, for a principal and a
//! resource in the same account (cross-account requests also need the resource account's
//! resource policy, and are decided the same way with `same_account = false`):
//!
//! 1. An explicit `Deny` in any applicable policy denies.
//! 2. A resource policy that allows the principal's own ARN allows by itself (same account).
//!    One that allows the principal's account (`123456789012` or `...:root`) delegates to
//!    the account's IAM: the identity policies must allow too.
//! 3. Otherwise an identity policy must allow.
//! 4. A permission boundary, when present, must also allow whatever identity policies (or
//!    a resource policy naming a role) allow; a resource policy naming an IAM user ARN is not
//!    limited by the user's boundary.
//!
//! Service control policies, session policies and VPC endpoint policies are not modelled.

use super::document::{guarded, PolicyDocument, PolicyError};
use iam_rs::{
    Arn, ContextValue, EvaluationOptions, IAMEffect, IAMRequest, PolicyEvaluator, Principal,
    PrincipalId,
};

/// A concrete request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The calling principal's ARN, e.g. `arn:aws:iam::111122223333:role/deployer`.
    pub principal: String,
    /// e.g. `s3:GetObject`.
    pub action: String,
    /// The resource ARN, e.g. `arn:aws:s3:::bucket/services/crm/prod/tf.tfstate`.
    pub resource: String,
    /// Context keys and their values (`aws:SecureTransport`, `aws:PrincipalTag/team`, ...).
    pub context: Vec<(String, ContextValue)>,
}

/// A named policy of one of the types.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// A name for evidence: the policy ARN, or `role/x inline policy y`.
    pub name: &'a str,
    /// The document.
    pub doc: &'a PolicyDocument,
}

/// The policies that apply to one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity policies: inline and attached, of the principal and (for users) its groups.
    pub identity: Vec<Named<'a>>,
    /// The permission boundary, if the principal has one.
    pub boundary: Option<Named<'a>>,
    /// Resource policies of the resource (a bucket policy, a trust policy).
    pub resource: Vec<Named<'a>>,
    /// Whether the principal and the resource are in the same account.
    pub same_account: bool,
}

impl<'a> Named<'a> {
    /// Names a document.
    pub fn new(name: &'a str, doc: &'a PolicyDocument) -> Self {
        Named { name, doc }
    }
}

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// A statement denies explicitly.
    ExplicitDeny,
    /// Nothing allows (or a boundary does not).
    ImplicitDeny,
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// The policy's name.
    pub policy: String,
    /// `Statement[Sid=X]` or `Statement[i]`.
    pub statement: String,
}

/// A decision with the statements behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The outcome.
    pub decision: Decision,
    /// The Allow statements that grant it (when allowed).
    pub granted_by: Vec<StatementRef>,
    /// The Deny statements that deny it (when explicitly denied).
    pub denied_by: Vec<StatementRef>,
}

/// Allow and Deny statements of one policy that apply to a request.
#[derive(Debug, Default)]
struct Matches {
    allow: Vec<StatementRef>,
    deny: Vec<StatementRef>,
}

fn one_policy(
    p: Named<'_>,
    principal: &str,
    req: &Request,
    resource: &Arn,
) -> Result<Matches, PolicyError> {
    let mut ctx = iam_rs::Context::new();
    for (k, v) in &req.context {
        ctx.insert(k.clone(), v.clone());
    }
    let request = IAMRequest::new_with_context(
        Principal::Aws(PrincipalId::String(principal.to_owned())),
        req.action.clone(),
        resource.clone(),
        ctx,
    );
    let evaluator = PolicyEvaluator::with_policies(vec![p.doc.engine.clone()]).with_options(
        EvaluationOptions {
            stop_on_explicit_deny: false,
            collect_match_details: true,
            ..EvaluationOptions::default()
        },
    );
    let result = guarded(|| evaluator.evaluate(&request))
        .ok_or_else(|| PolicyError::BadRequest(format!("the policy engine failed on {}", p.name)))?
        .map_err(|e| PolicyError::BadRequest(format!("{}: {e:?}", p.name)))?;
    let views = p.doc.statements();
    let mut m = Matches::default();
    for (i, detail) in result.statement_details.iter().enumerate() {
        if !detail.conditions_satisfied {
            continue;
        }
        let statement = views
            .get(i)
            .map_or_else(|| format!("Statement[{i}]"), |v| v.label());
        let r = StatementRef {
            policy: p.name.to_owned(),
            statement,
        };
        match detail.effect {
            IAMEffect::Allow => m.allow.push(r),
            IAMEffect::Deny => m.deny.push(r),
        }
    }
    Ok(m)
}

fn collect(
    policies: &[Named<'_>],
    principal: &str,
    req: &Request,
    resource: &Arn,
) -> Result<Matches, PolicyError> {
    let mut all = Matches::default();
    for p in policies {
        let m = one_policy(*p, principal, req, resource)?;
        all.allow.extend(m.allow);
        all.deny.extend(m.deny);
    }
    Ok(all)
}

/// The account root ARN of a principal ARN (`arn:aws:iam::123456789012:root`).
fn account_root(principal: &str) -> Option<String> {
    let parts: Vec<&str> = principal.splitn(6, ':').collect();
    (parts.len() >= 5 && !parts[4].is_empty())
        .then(|| format!("arn:{}:iam::{}:root", parts[1], parts[4]))
}

/// Decides `req` against `set`.
pub fn evaluate(set: &PolicySet<'_>, req: &Request) -> Result<Evaluation, PolicyError> {
    let resource = Arn::parse(&req.resource)
        .map_err(|e| PolicyError::BadRequest(format!("resource {}: {e:?}", req.resource)))?;
    let identity = collect(&set.identity, &req.principal, req, &resource)?;
    let boundary = match set.boundary {
        Some(b) => Some(one_policy(b, &req.principal, req, &resource)?),
        None => None,
    };
    let direct = collect(&set.resource, &req.principal, req, &resource)?;
    // A grant to the principal's account delegates to the account's IAM policies.
    let via_account = match account_root(&req.principal) {
        Some(root) if !set.resource.is_empty() => collect(&set.resource, &root, req, &resource)?,
        _ => Matches::default(),
    };

    let mut denied_by: Vec<StatementRef> =
        identity.deny.iter().chain(&direct.deny).cloned().collect();
    if let Some(b) = &boundary {
        denied_by.extend(b.deny.iter().cloned());
    }
    if !denied_by.is_empty() {
        return Ok(Evaluation {
            decision: Decision::ExplicitDeny,
            granted_by: Vec::new(),
            denied_by,
        });
    }

    let boundary_allows = boundary.as_ref().is_none_or(|b| !b.allow.is_empty());
    let is_user = req.principal.contains(":user/");
    let resource_grants_alone =
        set.same_account && !direct.allow.is_empty() && (is_user || boundary_allows);
    let identity_grants = !identity.allow.is_empty() && boundary_allows;
    let resource_side_ok =
        set.same_account || !direct.allow.is_empty() || !via_account.allow.is_empty();

    let mut granted_by = Vec::new();
    let decision = if resource_grants_alone {
        granted_by.extend(direct.allow);
        Decision::Allow
    } else if identity_grants && resource_side_ok {
        granted_by.extend(identity.allow);
        granted_by.extend(direct.allow);
        granted_by.extend(via_account.allow);
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    };
    Ok(Evaluation {
        decision,
        granted_by,
        denied_by: Vec::new(),
    })
}
