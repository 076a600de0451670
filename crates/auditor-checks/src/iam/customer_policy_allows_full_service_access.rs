//! IAM-016: a customer managed policy allows every action of a service.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::iam::{IamAccount, ManagedPolicy};
use auditor_model::Evidence;
use auditor_policy::PolicyDocument;

declare_check! {
    /// ## What it checks
    /// Every customer managed policy of the account (attached or not: an unattached policy
    /// is one attachment away from use). It fails when an `Allow` statement grants every
    /// action of a service: an `Action` of `<service>:*` (any case, any run of `*`) or `*`; or
    /// a `NotAction`, which allows every action of every service it does not name. Resources and conditions do not change the verdict, as in
    /// Security Hub's control IAM.21: a statement that grants a whole service is too broad to
    /// review even when it is scoped today. It passes when no `Allow` statement does, and
    /// when the policy is used only as a permissions boundary (a boundary grants nothing).
    /// Inline policies are not policies "you create" in IAM.21's sense; the principals that
    /// hold them are judged by IAM-007 and IAM-014. A document that cannot be read or parsed
    /// is "not assessed".
    ///
    /// ## Why it matters
    /// `s3:*` includes `s3:DeleteBucket` and `s3:PutBucketPolicy`; `kms:*` includes
    /// `kms:ScheduleKeyDeletion`; `ec2:*` includes every network change. Least privilege
    /// (SEC03-BP02) starts with granting the actions a job needs, and an action list that no
    /// one wrote down cannot be reviewed or reduced (SEC03-BP04). The AWS Security Profile answers
    /// SEC03-BP02 with roles created "with the necessary permissions"; the Terraform state threat model notes that an
    /// attacker with credentials tries every API method a policy allows.
    ///
    /// ## Remediation
    /// Replace each `<service>:*` with the actions the policy's users need. IAM Access
    /// Analyzer's policy generation (from CloudTrail) or the last-accessed data of the
    /// principals that hold the policy (`aws iam generate-service-last-accessed-details`)
    /// list the actions used. Publish the narrower version as the default
    /// (`aws iam create-policy-version --policy-arn <arn> --policy-document
    /// file://policy.json --set-as-default`) and delete the old one.
    ///
    /// ## References
    /// - AWS Security Hub User Guide, "[IAM.21] IAM customer managed policies that you create
    ///   should not allow wildcard actions for services":
    ///   https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-21
    /// - IAM User Guide, "Security best practices in IAM":
    ///   https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
    /// - IAM User Guide, "IAM JSON policy elements: NotAction":
    ///   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    pub(crate) struct CustomerPolicyFullServiceAccess {
        code: "IAM-016",
        name: "customer-policy-allows-full-service-access",
        title: "Customer managed policy allows every action of a service",
        service: Iam,
        severity: Low,
        wa: ["SEC03-BP02", "SEC03-BP04"],
        fsbp: ["IAM.21"],
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

impl Check for CustomerPolicyFullServiceAccess {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(iam) = super::account(ctx, out, "policy") else {
            return;
        };
        let Some(policies) = super::part(ctx, out, "policy", |a| &a.managed_policies) else {
            return;
        };
        for p in policies.iter().filter(|p| !p.is_aws_managed()) {
            let name = p
                .name
                .clone()
                .unwrap_or_else(|| p.arn.rsplit('/').next().unwrap_or_default().to_owned());
            let res = super::resource(ctx, &p.arn, "policy", &name);
            let text = match p.document.get() {
                Ok(t) => t,
                Err(gap) => {
                    out.not_assessed(res, gap);
                    continue;
                }
            };
            let doc = match PolicyDocument::parse(text) {
                Ok(d) => d,
                Err(e) => {
                    out.not_assessed_because(res, format!("PolicyVersion.Document: {e}"));
                    continue;
                }
            };
            let grants = full_service_grants(&doc);
            let uses = Uses::of(iam, p);
            if grants.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "PolicyVersion.Document",
                        format!("{} statements", doc.statements().len()),
                        "no Allow statement grants every action of a service",
                    )],
                );
            } else if uses.known && uses.permissions == 0 && uses.boundary > 0 {
                out.pass(
                    res,
                    vec![ev(
                        "PermissionsBoundary",
                        format!("boundary of {} principals, attached to none", uses.boundary),
                        "a permissions boundary only limits; it grants nothing",
                    )],
                );
            } else {
                let mut evidence = grants;
                evidence.push(match (uses.known, uses.permissions) {
                    (false, n) => ev(
                        "AttachmentCount",
                        format!("at least {n}"),
                        "principals that hold these permissions (not every role, user and \
                         group list was read)",
                    ),
                    (true, 0) => ev("AttachmentCount", "0", "attached to no principal yet"),
                    (true, n) => ev(
                        "AttachmentCount",
                        n.to_string(),
                        "principals (roles, users, groups) that hold these permissions",
                    ),
                });
                out.fail(res, evidence);
            }
        }
    }
}

/// The evidence of each `Allow` statement value that grants a whole service.
fn full_service_grants(doc: &PolicyDocument) -> Vec<Evidence> {
    let mut found = Vec::new();
    for s in doc.statements().iter().filter(|s| s.allow) {
        for a in &s.action {
            if let Some(why) = whole_service(a) {
                found.push(ev(format!("{}.Action", s.label()), a.clone(), why));
            }
        }
        if !s.not_action.is_empty() {
            found.push(ev(
                format!("{}.NotAction", s.label()),
                s.not_action.join(", "),
                "Allow with NotAction grants every action of every service it does not name",
            ));
        }
    }
    found
}

/// Why an `Action` value grants every action of a service, if it does.
fn whole_service(action: &str) -> Option<String> {
    let stars = |t: &str| !t.is_empty() && t.bytes().all(|b| b == b'*');
    match action.split_once(':') {
        None if stars(action) => Some("grants every action of every service".into()),
        // The parser has refused any other wildcard in a service prefix.
        Some((service, name)) if stars(name) => Some(format!(
            "grants every action of {}",
            service.to_ascii_lowercase()
        )),
        _ => None,
    }
}

/// How a managed policy is used: as permissions (attached to roles, users and groups) and as
/// a permissions boundary; `known` when every list was read.
struct Uses {
    permissions: usize,
    boundary: usize,
    known: bool,
}

impl Uses {
    fn of(iam: &IamAccount, p: &ManagedPolicy) -> Self {
        let holds = |attached: &[String]| attached.iter().any(|a| a == &p.arn);
        let bounded = |b: &Option<String>| b.as_deref() == Some(p.arn.as_str());
        let (roles, users, groups) = (
            iam.roles.get().map(Vec::as_slice).unwrap_or_default(),
            iam.users.get().map(Vec::as_slice).unwrap_or_default(),
            iam.groups.get().map(Vec::as_slice).unwrap_or_default(),
        );
        Uses {
            known: iam.roles.get().is_ok() && iam.users.get().is_ok() && iam.groups.get().is_ok(),
            permissions: roles.iter().filter(|r| holds(&r.attached_policies)).count()
                + users.iter().filter(|u| holds(&u.attached_policies)).count()
                + groups
                    .iter()
                    .filter(|g| holds(&g.attached_policies))
                    .count(),
            boundary: roles
                .iter()
                .filter(|r| bounded(&r.permissions_boundary))
                .count()
                + users
                    .iter()
                    .filter(|u| bounded(&u.permissions_boundary))
                    .count(),
        }
    }
}
