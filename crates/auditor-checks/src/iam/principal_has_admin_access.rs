//! IAM-007: a principal has administrator access.

use crate::emit::ev;
use crate::principals::{principal_context, Subject};
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::{decide, evaluate, Action, Decision, PolicyDocument, Request};

declare_check! {
    /// ## What it checks
    /// Every role and user, with all its identity policies (inline, attached, and, for
    /// users, those of its groups) and its permission boundary, evaluated by the policy
    /// engine as a request from the principal itself (its ARN, account, type, user name and
    /// tags; conditions on keys the caller chooses, such as MFA or its address, taken as
    /// met, and a Deny on them as avoidable; the evidence says so). It fails when the
    /// principal may perform every action on every resource (`"Action": "*"`, e.g.
    /// `AdministratorAccess`), or every IAM action (`iam:*`, which lets it grant itself
    /// anything). "Every" is tried, not assumed: an action of a service no policy names,
    /// and of each service and action the policies exclude with `NotAction` or a Deny
    /// (`PowerUserAccess`, `NotAction` `iam:*`, is not an administrator). A boundary that
    /// removes these passes. The break-glass roles named in `checks.iam.break_glass_roles`
    /// are expected to be administrators and pass with that evidence. Service-linked roles
    /// (path `/aws-service-role/`) are AWS's and are skipped.
    ///
    /// ## Why it matters
    /// An administrator principal is the whole account: its credentials leaking, or anyone
    /// who can assume it, means everything is lost. The AWS Security Profile and the EKS GitOps security guide ask that administrative
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
        fsbp: ["IAM.1"],
        reads: ["iam:GetAccountAuthorizationDetails", "iam:GetPolicyVersion", "organizations:DescribeOrganization"],
    }
}

/// What an administrator may do, and the statements that let it.
pub(crate) struct Admin {
    /// `* on *` or `iam:*`.
    pub(crate) what: &'static str,
    /// `policy.Statement[...]` that grant it.
    pub(crate) granted_by: Vec<String>,
    /// Conditions taken as met (or Denies as avoided) on the way.
    pub(crate) assumed: Vec<String>,
}

/// A resource of `service` that only a grant on every resource covers.
fn probe_resource(inv: &auditor_model::Inventory, service: &str) -> String {
    match service {
        "iam" => format!(
            "arn:{}:iam::{}:role/auditor-probe",
            inv.partition, inv.account_id
        ),
        "s3" => format!(
            "arn:{}:s3:::auditor-probe-bucket/auditor-probe",
            inv.partition
        ),
        _ => inv.arn(service, "us-east-1", "auditor-probe/auditor-probe"),
    }
}

/// The actions to try for "every action of `service`": one no policy names, and one of
/// each pattern the policies exclude for that service (`NotAction`, a Deny's `Action`).
fn probe_actions(docs: &[&PolicyDocument], service: &str) -> Vec<Action> {
    let mut names = vec![format!("{service}:AuditorProbeAction")];
    for d in docs {
        for s in d.statements() {
            let excluded = s
                .not_action
                .iter()
                .chain(if s.allow { &[][..] } else { &s.action[..] });
            for a in excluded {
                if let Some((svc, name)) = a.split_once(':') {
                    if svc.eq_ignore_ascii_case(service) {
                        names.push(format!(
                            "{service}:{}",
                            name.replace('*', "Probe").replace('?', "x")
                        ));
                    }
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names.iter().filter_map(|n| Action::new(n)).collect()
}

/// The services to try for "every action": one no policy names, and each a policy
/// excludes with `NotAction` or a Deny.
fn probe_services(docs: &[&PolicyDocument]) -> Vec<String> {
    let mut out = vec!["auditorprobe".to_owned(), "iam".to_owned()];
    for d in docs {
        for s in d.statements() {
            let excluded = s
                .not_action
                .iter()
                .chain(if s.allow { &[][..] } else { &s.action[..] });
            for a in excluded {
                if let Some((svc, _)) = a.split_once(':') {
                    out.push(svc.to_ascii_lowercase());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the principal is an administrator: every action of every service tried is
/// allowed (`* on *`), or every IAM action tried (`iam:*`).
pub(crate) fn administrator(
    inv: &auditor_model::Inventory,
    who: Subject<'_>,
    p: &super::Policies,
) -> Option<Admin> {
    let set = p.set();
    let context = principal_context(inv, who);
    let docs: Vec<&PolicyDocument> = p.documents().collect();
    let allowed_all = |actions: &[(Action, String)]| -> Option<(Vec<String>, Vec<String>)> {
        let mut granted = Vec::new();
        let mut assumed = Vec::new();
        for (action, resource) in actions {
            let req = Request::new(who.arn, action, resource, &context);
            if decide(&set, &req) != Decision::Allow {
                return None;
            }
            let e = evaluate(&set, &req);
            for g in e.granted_by {
                let label = format!("{}.{}", g.policy, g.statement);
                if !granted.contains(&label) {
                    granted.push(label);
                }
            }
            for a in e.assumed {
                let note = super::assumption_note(&a);
                if !assumed.contains(&note) {
                    assumed.push(note);
                }
            }
        }
        Some((granted, assumed))
    };
    let every: Vec<(Action, String)> = probe_services(&docs)
        .iter()
        .flat_map(|svc| {
            let r = probe_resource(inv, svc);
            probe_actions(&docs, svc)
                .into_iter()
                .map(move |a| (a, r.clone()))
        })
        .collect();
    if let Some((granted_by, assumed)) = allowed_all(&every) {
        return Some(Admin {
            what: "* on *",
            granted_by,
            assumed,
        });
    }
    let iam: Vec<(Action, String)> = probe_actions(&docs, "iam")
        .into_iter()
        .map(|a| (a, probe_resource(inv, "iam")))
        .collect();
    allowed_all(&iam).map(|(granted_by, assumed)| Admin {
        what: "iam:*",
        granted_by,
        assumed,
    })
}

fn judge(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    res: auditor_model::Resource,
    who: Subject<'_>,
    policies: Result<super::Policies, String>,
) {
    let p = match policies {
        Ok(p) => p,
        Err(why) => return out.not_assessed_because(res, why),
    };
    let name = res.id.clone();
    let Some(admin) = administrator(ctx.inventory, who, &p) else {
        return out.pass(
            res,
            vec![ev(
                "identity policies",
                format!("{} policies", p.set().identity.len()),
                "neither * on * nor iam:* is allowed",
            )],
        );
    };
    let mut grants: Vec<_> = admin
        .granted_by
        .iter()
        .map(|g| {
            ev(
                g.clone(),
                format!("allows {}", admin.what),
                "administrator access",
            )
        })
        .collect();
    grants.extend(admin.assumed.iter().map(|a| {
        ev(
            "identity policies",
            a.clone(),
            "a condition the principal can meet",
        )
    }));
    if ctx.settings.break_glass_roles.iter().any(|b| b == &name) {
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
        super::for_each_principal(ctx, out, |res, who, policies, out| {
            judge(ctx, out, res, who, policies)
        });
    }
}
