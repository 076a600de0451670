//! IAM checks (IAM-001 ...) and the helpers they share: roles and users as resources,
//! parsed trust policies, and the identity-policy sets the policy engine evaluates.

mod admin_access;
mod console_without_mfa;
mod irsa_aud_missing;
mod irsa_provider_missing;
mod irsa_sub_unscoped;
mod oidc_trust_without_sub;
mod trust_any_principal;
mod trust_cross_account;
mod user_direct_policies;
mod weak_password_policy;

pub(crate) use admin_access::AdminAccess;
pub(crate) use console_without_mfa::ConsoleWithoutMfa;
pub(crate) use irsa_aud_missing::IrsaAudMissing;
pub(crate) use irsa_provider_missing::IrsaProviderMissing;
pub(crate) use irsa_sub_unscoped::IrsaSubUnscoped;
pub(crate) use oidc_trust_without_sub::OidcTrustWithoutSub;
pub(crate) use trust_any_principal::TrustAnyPrincipal;
pub(crate) use trust_cross_account::TrustCrossAccount;
pub(crate) use user_direct_policies::UserDirectPolicies;
pub(crate) use weak_password_policy::WeakPasswordPolicy;

use crate::{CheckContext, Emitter};
use auditor_model::iam::{IamAccount, Role};
use auditor_model::{Gap, GapKind, Resource};
use auditor_policy::{PolicyDocument, StatementView};

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

/// Runs `f` on every role with its parsed trust policy. A role list that could not be read
/// gives one "not assessed"; a trust policy that does not parse, one per role.
pub(crate) fn for_each_trust<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(&'i Role, Vec<StatementView>, Resource, &mut Emitter<'_>),
) {
    let Some(iam) = account(ctx, out, "role") else {
        return;
    };
    let roles = match iam.roles.get() {
        Ok(r) => r,
        Err(gap) => return out.not_assessed(account_setting(ctx, "role/*"), gap),
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
