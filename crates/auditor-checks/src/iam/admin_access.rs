//! IAM-007: a principal has administrator access.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::{evaluate, Decision, Request};

declare_check! {
    /// ## What it checks
    /// Every role and user, with all its identity policies (inline, attached, and, for
    /// users, those of its groups) and its permission boundary, evaluated by the policy
    /// engine. It fails when the principal may perform every action on every resource
    /// (`"Action": "*"`, e.g. `AdministratorAccess`) or every IAM action (`iam:*`, which lets
    /// it grant itself anything). A boundary that removes these passes. The break-glass
    /// roles named in `checks.iam.break_glass_roles` are expected to be administrators and
    /// pass with that evidence. Service-linked roles (path `/aws-service-role/`) are AWS's
    /// and are skipped.
    ///
    /// ## Why it matters
    /// An administrator principal is the whole account: its credentials leaking, or anyone
    /// who can assume it, means everything is lost. Seeds 001 and 004 ask that administrative
    /// access be limited to a break-glass path.
    ///
    /// ## Remediation
    /// Replace the administrator policy with the permissions the principal's job needs
    /// (IAM Access Analyzer can generate one from CloudTrail), or attach a permission
    /// boundary. Keep one audited break-glass role and name it in config.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    pub(crate) struct AdminAccess {
        code: "IAM-007",
        name: "principal-has-admin-access",
        title: "Role or user has administrator access (* on *, or iam:*)",
        service: Iam,
        severity: High,
        wa: ["SEC03-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails", "iam:GetPolicyVersion"],
    }
}

/// Probes that only an administrator's policies allow: an action of no real service (so
/// only `*` matches it) on a resource of no real service, and an IAM action on any role.
pub(crate) fn probes(account: &str, partition: &str) -> [(&'static str, Request); 2] {
    let req = |action: &str, resource: String| Request {
        principal: format!("arn:{partition}:iam::{account}:role/auditor-probe"),
        action: action.into(),
        resource,
        context: Vec::new(),
    };
    [
        (
            "* on *",
            req(
                "auditorprobe:AnyAction",
                format!("arn:{partition}:auditorprobe:us-east-1:{account}:anything/x"),
            ),
        ),
        (
            "iam:*",
            req(
                "iam:AuditorProbeAction",
                format!("arn:{partition}:iam::{account}:role/any-role"),
            ),
        ),
    ]
}

fn judge(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    res: auditor_model::Resource,
    principal_arn: &str,
    policies: Result<super::Policies, String>,
) {
    let p = match policies {
        Ok(p) => p,
        Err(why) => return out.not_assessed_because(res, why),
    };
    let set = p.set();
    let inv = ctx.inventory;
    let mut grants = Vec::new();
    for (what, mut req) in probes(&inv.account_id, &inv.partition) {
        req.principal = principal_arn.to_owned();
        match evaluate(&set, &req) {
            Ok(e) if e.decision == Decision::Allow => {
                for g in e.granted_by {
                    grants.push(ev(
                        format!("{}.{}", g.policy, g.statement),
                        format!("allows {what}"),
                        "administrator access",
                    ));
                }
            }
            Ok(_) => {}
            Err(e) => return out.not_assessed_because(res, e.to_string()),
        }
    }
    let name = res.id.clone();
    if grants.is_empty() {
        out.pass(
            res,
            vec![ev(
                "identity policies",
                format!("{} policies", set.identity.len()),
                "neither * on * nor iam:* is allowed",
            )],
        );
    } else if ctx.settings.break_glass_roles.iter().any(|b| b == &name) {
        let mut e = vec![ev(
            "checks.iam.break_glass_roles",
            name,
            "the configured break-glass role is expected to be an administrator",
        )];
        e.extend(grants);
        out.pass(res, e);
    } else {
        out.fail(res, grants);
    }
}

impl Check for AdminAccess {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_principal(ctx, out, |res, arn, policies, out| {
            judge(ctx, out, res, arn, policies)
        });
    }
}
