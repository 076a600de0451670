//! IAM checks (IAM-001 ...) and the helpers they share: roles and users as resources,
//! parsed trust policies, and the identity-policy sets the policy engine evaluates.

include!(concat!(env!("OUT_DIR"), "/checks_iam.rs"));

use crate::emit::ev;
use crate::principals::Subject;
use crate::{CheckContext, Emitter};
use auditor_model::iam::InlinePolicy;
use auditor_model::iam::{IamAccount, Role};
use auditor_model::Resource;
use auditor_policy::reach::{reach, Question, Reach, Target};
use auditor_policy::{Named, PolicyDocument, PolicySet};

/// An IAM resource (global): a role, a user, or an account setting.
pub(crate) fn resource(ctx: &CheckContext<'_>, arn: &str, kind: &str, id: &str) -> Resource {
    Resource {
        arn: arn.to_owned(),
        account: ctx.inventory.account_id.as_str().into(),
        region: None,
        kind: kind.into(),
        id: id.to_owned(),
        name: None,
    }
}

/// An account-wide IAM setting as a resource, e.g. `account-password-policy`.
pub(crate) fn account_setting(ctx: &CheckContext<'_>, id: &str) -> Resource {
    let inv = ctx.inventory;
    resource(
        ctx,
        &format!("arn:{}:iam::{}:{id}", inv.partition, inv.account_id),
        "account-setting",
        id,
    )
}

/// The IAM data, or one "not assessed" finding for the whole account when it is missing.
pub(crate) fn account<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    kind: &str,
) -> Option<&'i IamAccount> {
    match ctx.iam() {
        Ok(a) => Some(a),
        Err(gap) => {
            let r = account_setting(ctx, &format!("{kind}/*"));
            out.not_assessed(r, &gap);
            None
        }
    }
}

/// One part of the IAM data, or `None` after one "not assessed" finding for all resources
/// of `kind` (`role`, `user`) when IAM or that part was not collected.
pub(crate) fn part<'i, T>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    kind: &str,
    pick: impl Fn(&'i IamAccount) -> &'i auditor_model::Collected<T>,
) -> Option<&'i T> {
    let iam = account(ctx, out, kind)?;
    match pick(iam).get() {
        Ok(v) => Some(v),
        Err(gap) => {
            out.not_assessed(account_setting(ctx, &format!("{kind}/*")), gap);
            None
        }
    }
}

/// Judges the root user from the account summary: `judge` gives the verdict.
pub(crate) fn judge_root(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    iam: &IamAccount,
    judge: impl Fn(&auditor_model::iam::AccountSummary) -> Verdict,
) {
    let root = root_user(ctx);
    match iam.account_summary.get() {
        Err(gap) => out.not_assessed(root, gap),
        Ok(s) => match judge(s) {
            Ok(e) => out.pass(root, vec![e]),
            Err(e) => out.fail(root, vec![e]),
        },
    }
}

/// Runs `f` on every role with its parsed trust policy. A role list that could not be read
/// gives one "not assessed"; a trust policy that does not parse, one per role.
pub(crate) fn for_each_trust<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(&'i Role, &PolicyDocument, Resource, &mut Emitter<'_>),
) {
    let Some(roles) = part(ctx, out, "role", |a| &a.roles) else {
        return;
    };
    for role in roles {
        let res = resource(ctx, &role.arn, "role", &role.role_name);
        let Some(text) = role.trust_policy.as_deref() else {
            out.not_assessed_because(res, "the role has no trust policy in the answer");
            continue;
        };
        match PolicyDocument::parse(text) {
            Ok(doc) => f(role, &doc, res, out),
            Err(e) => out.not_assessed_because(res, format!("AssumeRolePolicyDocument: {e}")),
        }
    }
}

/// What a trust check asks of each role's trust policy.
pub(crate) struct TrustAsk<'a> {
    /// The outsider question (its target is the role, its resource tags the role's).
    pub(crate) question: Question<'a>,
    /// The action asked about.
    pub(crate) action: &'a str,
    /// Accounts that count as inside.
    pub(crate) trusted: &'a [String],
    /// Why a request that gets in is a failure.
    pub(crate) fail_reason: &'a str,
    /// The finding when no statement names such an outsider (`None`: no finding).
    pub(crate) nobody: Option<auditor_model::Evidence>,
}

/// Judges a role's trust policy by asking who outside gets in (see
/// [`auditor_policy::reach`]): a failing finding shows a request that gets in, a passing
/// one what stops every outsider.
pub(crate) fn judge_trust(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    role: &Role,
    doc: &PolicyDocument,
    res: Resource,
    ask: &TrustAsk<'_>,
) {
    let (trusted, fail_reason) = (ask.trusted, ask.fail_reason);
    let inside = crate::principals::inside(ctx.inventory, trusted);
    let actions = [ask.action];
    let targets = [Target {
        arn: &role.arn,
        any_suffix: false,
        actions: &actions,
    }];
    let q = Question {
        targets: &targets,
        resource_tags: Some(&role.tags),
        ..ask.question
    };
    match reach(doc, &q, &inside) {
        Reach::Open(w) => {
            let mut evidence = if w.granted_by.is_empty() {
                vec![ev(
                    "AssumeRolePolicyDocument",
                    format!("allows {}", w.describe()),
                    fail_reason,
                )]
            } else {
                w.granted_by
                    .iter()
                    .map(|s| {
                        ev(
                            format!("AssumeRolePolicyDocument.{s}"),
                            format!("allows {}", w.describe()),
                            fail_reason,
                        )
                    })
                    .collect()
            };
            evidence.push(crate::emit::unevaluated(false));
            out.fail(res, evidence);
        }
        Reach::Closed {
            stopped_by,
            assumed,
        } => {
            let mut e: Vec<_> = stopped_by
                .into_iter()
                .map(|s| {
                    ev(
                        "AssumeRolePolicyDocument",
                        s,
                        "no request an outsider can make is allowed",
                    )
                })
                .collect();
            e.extend(assumed.into_iter().map(|a| {
                ev(
                    "AssumeRolePolicyDocument",
                    a,
                    "taken as given, not read from AWS",
                )
            }));
            out.pass(res, e);
        }
        Reach::Nobody => {
            if let Some(e) = &ask.nobody {
                out.pass(res, vec![e.clone()]);
            }
        }
        Reach::Undecided(why) => {
            out.not_assessed_because(res, format!("AssumeRolePolicyDocument: {why}"))
        }
    }
}

/// An assumption of the policy engine as evidence text: `assuming X is met (policy
/// Statement[...])`, or `assuming the Deny policy Statement[...] is avoided (X)`.
pub(crate) fn assumption_note(a: &auditor_policy::Assumption) -> String {
    if a.allow {
        format!(
            "assuming {} is met ({} {})",
            a.conditions, a.policy, a.statement
        )
    } else {
        format!(
            "assuming the Deny {} {} is avoided ({})",
            a.policy, a.statement, a.conditions
        )
    }
}

/// The root user as a resource.
pub(crate) fn root_user(ctx: &CheckContext<'_>) -> Resource {
    let inv = ctx.inventory;
    resource(
        ctx,
        &format!("arn:{}:iam::{}:root", inv.partition, inv.account_id),
        "root-user",
        "root",
    )
}

/// A verdict on one statement of a trust policy: passing or failing evidence.
pub(crate) type Verdict = Result<auditor_model::Evidence, auditor_model::Evidence>;

/// Whole days from `from` to `to` (both RFC 3339), `None` if either does not parse.
pub(crate) fn days_between(from: &str, to: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let a = time::OffsetDateTime::parse(from, &Rfc3339).ok()?;
    let b = time::OffsetDateTime::parse(to, &Rfc3339).ok()?;
    Some((b - a).whole_days())
}

/// The inventory's collection time, or the reason a check of ages cannot run.
pub(crate) fn now<'i>(ctx: &CheckContext<'i>) -> Result<&'i str, &'static str> {
    ctx.inventory
        .collected_at
        .as_deref()
        .ok_or("the inventory has no collection time (collected_at) to measure ages against")
}

/// The issuer of an EKS OIDC provider ARN, e.g. `oidc.eks.eu-west-1.amazonaws.com/id/ABC`.
pub(crate) fn eks_issuer(federated: &str) -> Option<&str> {
    let issuer = federated.split_once(":oidc-provider/")?.1;
    issuer.starts_with("oidc.eks.").then_some(issuer)
}

/// Whether an issuer (lowercase, as reach gives it) is an EKS cluster's.
pub(crate) fn is_eks_issuer(issuer: &str) -> bool {
    issuer.starts_with("oidc.eks.")
}

/// Whether an issuer is another OIDC provider's (GitHub Actions, GitLab, ...).
pub(crate) fn is_other_issuer(issuer: &str) -> bool {
    !issuer.starts_with("oidc.eks.") && issuer.contains('.')
}

/// Parsed identity policies of one principal, or the reason they cannot all be read.
pub(crate) struct Policies {
    identity: Vec<(String, PolicyDocument)>,
    boundary: Option<(String, PolicyDocument)>,
}

/// A managed policy's parsed document, or why it cannot be had (not read, not parsable).
pub(crate) fn managed_document(iam: &IamAccount, arn: &str) -> Result<PolicyDocument, String> {
    let managed = iam.managed_policies.get().map_err(|g| g.to_string())?;
    let p = managed
        .iter()
        .find(|p| p.arn == arn)
        .ok_or_else(|| format!("{arn} was not read"))?;
    let text = p
        .document
        .get()
        .map_err(|gap| format!("the document of {arn} was not read: {gap}"))?;
    PolicyDocument::parse(text).map_err(|e| format!("{arn}: {e}"))
}

pub(crate) fn load(
    iam: &IamAccount,
    owner: &str,
    inline: &[&InlinePolicy],
    attached: &[&String],
    boundary: Option<&String>,
) -> Result<Policies, String> {
    let doc_of = |arn: &str| managed_document(iam, arn);
    let mut identity = Vec::new();
    for p in inline {
        let doc = PolicyDocument::parse(&p.document)
            .map_err(|e| format!("inline policy {}: {e}", p.name))?;
        identity.push((format!("{owner} inline policy {}", p.name), doc));
    }
    for arn in attached {
        identity.push(((*arn).clone(), doc_of(arn)?));
    }
    let boundary = match boundary {
        Some(arn) => Some((format!("boundary {arn}"), doc_of(arn)?)),
        None => None,
    };
    Ok(Policies { identity, boundary })
}

impl Policies {
    /// The set the policy engine evaluates (no resource policy).
    pub(crate) fn set(&self) -> PolicySet<'_> {
        PolicySet {
            identity: self
                .identity
                .iter()
                .map(|(n, d)| Named::new(n, d))
                .collect(),
            boundary: self.boundary.as_ref().map(|(n, d)| Named::new(n, d)),
            resource: None,
        }
    }

    /// Every document, boundary included.
    pub(crate) fn documents(&self) -> impl Iterator<Item = &PolicyDocument> {
        self.identity
            .iter()
            .chain(self.boundary.as_ref())
            .map(|(_, d)| d)
    }
}

/// Runs `f` on every role (but service-linked ones) and user with its identity policies
/// (users': with their groups') and boundary, or the reason they could not all be read.
pub(crate) fn for_each_principal(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(Resource, Subject<'_>, Result<Policies, String>, &mut Emitter<'_>),
) {
    let Some(iam) = account(ctx, out, "principal") else {
        return;
    };
    match iam.roles.get() {
        Err(gap) => out.not_assessed(account_setting(ctx, "role/*"), gap),
        Ok(roles) => {
            for r in roles
                .iter()
                .filter(|r| !r.path.starts_with("/aws-service-role/"))
            {
                let res = resource(ctx, &r.arn, "role", &r.role_name);
                let inline: Vec<&InlinePolicy> = r.inline_policies.iter().collect();
                let attached: Vec<&String> = r.attached_policies.iter().collect();
                let p = load(
                    iam,
                    &format!("role/{}", r.role_name),
                    &inline,
                    &attached,
                    r.permissions_boundary.as_ref(),
                );
                let who = Subject {
                    arn: &r.arn,
                    kind: "role",
                    name: &r.role_name,
                    tags: &r.tags,
                };
                f(res, who, p, out);
            }
        }
    }
    match iam.users.get() {
        Err(gap) => out.not_assessed(account_setting(ctx, "user/*"), gap),
        Ok(users) => {
            for u in users {
                let res = resource(ctx, &u.arn, "user", &u.user_name);
                let mine = match iam.groups_of(u) {
                    Ok(mine) => mine,
                    Err(gap) => {
                        out.not_assessed(res, gap);
                        continue;
                    }
                };
                let inline: Vec<&InlinePolicy> = u
                    .inline_policies
                    .iter()
                    .chain(mine.iter().flat_map(|g| &g.inline_policies))
                    .collect();
                let attached: Vec<&String> = u
                    .attached_policies
                    .iter()
                    .chain(mine.iter().flat_map(|g| &g.attached_policies))
                    .collect();
                let p = load(
                    iam,
                    &format!("user/{}", u.user_name),
                    &inline,
                    &attached,
                    u.permissions_boundary.as_ref(),
                );
                let who = Subject {
                    arn: &u.arn,
                    kind: "user",
                    name: &u.user_name,
                    tags: &u.tags,
                };
                f(res, who, p, out);
            }
        }
    }
}
