//! IAM checks (IAM-001 ...) and the helpers they share: roles and users as resources,
//! parsed trust policies, and the identity-policy sets the policy engine evaluates.

mod access_key_stale;
mod admin_access;
mod console_without_mfa;
mod human_user_access_keys;
mod irsa_aud_missing;
mod irsa_provider_missing;
mod irsa_sub_unscoped;
mod lb_controller_overprivileged;
mod oidc_trust_without_sub;
mod privilege_escalation;
mod role_unused;
mod trust_any_principal;
mod trust_cross_account;
mod user_direct_policies;
mod weak_password_policy;

pub(crate) use access_key_stale::AccessKeyStale;
pub(crate) use admin_access::AdminAccess;
pub(crate) use console_without_mfa::ConsoleWithoutMfa;
pub(crate) use human_user_access_keys::HumanUserAccessKeys;
pub(crate) use irsa_aud_missing::IrsaAudMissing;
pub(crate) use irsa_provider_missing::IrsaProviderMissing;
pub(crate) use irsa_sub_unscoped::IrsaSubUnscoped;
pub(crate) use lb_controller_overprivileged::LbControllerOverprivileged;
pub(crate) use oidc_trust_without_sub::OidcTrustWithoutSub;
pub(crate) use privilege_escalation::PrivilegeEscalation;
pub(crate) use role_unused::RoleUnused;
pub(crate) use trust_any_principal::TrustAnyPrincipal;
pub(crate) use trust_cross_account::TrustCrossAccount;
pub(crate) use user_direct_policies::UserDirectPolicies;
pub(crate) use weak_password_policy::WeakPasswordPolicy;

use crate::{CheckContext, Emitter};
use auditor_model::iam::InlinePolicy;
use auditor_model::iam::{IamAccount, Role};
use auditor_model::{Gap, GapKind, Resource};
use auditor_policy::{Named, PolicyDocument, PolicySet, StatementView};

/// An IAM resource (global): a role, a user, or an account setting.
pub(crate) fn resource(ctx: &CheckContext<'_>, arn: &str, kind: &str, id: &str) -> Resource {
    Resource {
        arn: arn.to_owned(),
        account: ctx.inventory.account_id.clone(),
        region: None,
        kind: kind.to_owned(),
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

fn not_collected() -> Gap {
    Gap {
        service: "iam".into(),
        region: None,
        api: "iam:GetAccountAuthorizationDetails".into(),
        kind: GapKind::Absent,
        message: "IAM was not collected".into(),
    }
}

/// The IAM data, or one "not assessed" finding for the whole account when it is missing.
pub(crate) fn account<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    kind: &str,
) -> Option<&'i IamAccount> {
    match &ctx.inventory.iam {
        Some(a) => Some(a),
        None => {
            let r = account_setting(ctx, &format!("{kind}/*"));
            out.not_assessed(r, &not_collected());
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
    mut f: impl FnMut(&'i Role, Vec<StatementView>, Resource, &mut Emitter<'_>),
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
            Ok(doc) => f(role, doc.statements(), res, out),
            Err(e) => out.not_assessed_because(res, format!("AssumeRolePolicyDocument: {e}")),
        }
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

/// The shared body of the federated-trust checks (IAM-003/004/005): for every role, every
/// `Allow` statement federating an issuer that `issuer_of` accepts is judged; the role fails
/// if any verdict fails, passes if any passes, and gets no finding when no statement is in
/// scope.
pub(crate) fn judge_federated_trusts(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    issuer_of: fn(&str) -> Option<&str>,
    judge: impl Fn(&str, &StatementView, String) -> Vec<Verdict>,
) {
    for_each_trust(ctx, out, |_, statements, res, out| {
        let (mut fails, mut passes) = (Vec::new(), Vec::new());
        for s in statements.iter().filter(|s| s.allow) {
            for issuer in s
                .principal
                .iter()
                .flat_map(|p| &p.federated)
                .filter_map(|f| issuer_of(f))
            {
                for v in judge(issuer, s, format!("AssumeRolePolicyDocument.{}", s.label())) {
                    match v {
                        Ok(e) => passes.push(e),
                        Err(e) => fails.push(e),
                    }
                }
            }
        }
        if !fails.is_empty() {
            out.fail(res, fails);
        } else if !passes.is_empty() {
            out.pass(res, passes);
        }
    });
}

/// Verdicts on the `<issuer>:sub` conditions of a federated trust statement: one failing
/// verdict (`missing`) when there is none, else one per value, passing or failing as
/// `judge` says (`Ok(reason)` passes, `Err(reason)` fails). Negated operators do not scope.
pub(crate) fn sub_verdicts(
    issuer: &str,
    s: &StatementView,
    field: &str,
    missing: &str,
    judge: impl Fn(&str) -> Result<&'static str, &'static str>,
) -> Vec<Verdict> {
    let key = format!("{issuer}:sub");
    let subs: Vec<_> = s
        .conditions_on(&key)
        .into_iter()
        .filter(|c| !c.base_operator().contains("Not"))
        .collect();
    if subs.is_empty() {
        return vec![Err(crate::emit::ev(
            field,
            format!("no condition on {key}"),
            missing,
        ))];
    }
    subs.iter()
        .flat_map(|c| c.values.iter().map(move |v| (c, v)))
        .map(|(c, v)| {
            let observed = format!("{} {key} = {v}", c.operator);
            match judge(v) {
                Ok(why) => Ok(crate::emit::ev(field, observed, why)),
                Err(why) => Err(crate::emit::ev(field, observed, why)),
            }
        })
        .collect()
}

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

/// The issuer of any other OIDC provider ARN (GitHub Actions, GitLab, ...).
pub(crate) fn other_oidc_issuer(federated: &str) -> Option<&str> {
    let issuer = federated.split_once(":oidc-provider/")?.1;
    (!issuer.starts_with("oidc.eks.")).then_some(issuer)
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
    /// The set the policy engine evaluates (same account, no resource policy).
    pub(crate) fn set(&self) -> PolicySet<'_> {
        PolicySet {
            identity: self
                .identity
                .iter()
                .map(|(n, d)| Named::new(n, d))
                .collect(),
            boundary: self.boundary.as_ref().map(|(n, d)| Named::new(n, d)),
            resource: Vec::new(),
            same_account: true,
        }
    }
}

/// Runs `f` on every role (but service-linked ones) and user with its identity policies
/// (users': with their groups') and boundary, or the reason they could not all be read.
pub(crate) fn for_each_principal(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(Resource, &str, Result<Policies, String>, &mut Emitter<'_>),
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
                f(res, &r.arn, p, out);
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
                f(res, &u.arn, p, out);
            }
        }
    }
}
