//! IAM-014: a principal can escalate its privileges.

use crate::emit::ev;
use crate::principals::principal_context;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Evidence;
use auditor_policy::{decide, evaluate, Action, Context, Decision, PolicySet, Request};

declare_check! {
    /// ## What it checks
    /// Every role and user (not service-linked roles), evaluated by the policy engine with
    /// its identity policies, its groups' and its boundary, against the well-known
    /// privilege-escalation paths. It fails when every action of one path is allowed:
    ///
    /// - rewrite or swap a policy: `iam:CreatePolicyVersion`; `iam:SetDefaultPolicyVersion`
    /// - grant yourself more: `iam:AttachUserPolicy`, `iam:AttachGroupPolicy`,
    ///   `iam:AttachRolePolicy`, `iam:PutUserPolicy`, `iam:PutGroupPolicy`,
    ///   `iam:PutRolePolicy`, `iam:AddUserToGroup`
    /// - become someone else: `iam:CreateAccessKey`, `iam:CreateLoginProfile`,
    ///   `iam:UpdateLoginProfile` (on other users); `iam:UpdateAssumeRolePolicy` with
    ///   `sts:AssumeRole`; `sts:AssumeRole` on any role (`*`)
    /// - run code as a more privileged role: `iam:PassRole` with `ec2:RunInstances`; with
    ///   `lambda:CreateFunction` and `lambda:InvokeFunction` or
    ///   `lambda:CreateEventSourceMapping`; with `glue:CreateDevEndpoint`; with
    ///   `cloudformation:CreateStack`; with `datapipeline:CreatePipeline` and
    ///   `datapipeline:PutPipelineDefinition`; and `lambda:UpdateFunctionCode`,
    ///   `glue:UpdateDevEndpoint` on existing ones.
    ///
    /// Each action is tried on a resource of the kind it acts on (another user, a role, a
    /// policy, a function) that only a broad grant covers, as a request from the principal
    /// itself (conditions on keys the caller chooses taken as met, and said so). Principals
    /// that are already administrators (IAM-007) are not reported again here.
    ///
    /// ## Why it matters
    /// A principal that can escalate has, in effect, administrator access: an attacker with
    /// its credentials "brute-forces all of AWS' API methods", as the Terraform state threat model puts it, and finds
    /// the way up.
    ///
    /// ## Remediation
    /// Remove the IAM write actions from principals that do not administer IAM; scope
    /// `iam:PassRole` to the roles the workload must pass (with `iam:PassedToService`); give
    /// IAM administrators a permission boundary that forbids removing boundaries.
    ///
    /// ## References
    /// - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    pub(crate) struct PrivilegeEscalation {
        code: "IAM-014",
        name: "principal-can-escalate-privileges",
        title: "Role or user can escalate its own privileges",
        service: Iam,
        severity: High,
        wa: ["SEC03-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails", "iam:GetPolicyVersion", "organizations:DescribeOrganization"],
    }
}

/// The well-known paths: a name and the actions that together make it.
const PATHS: &[(&str, &[&str])] = &[
    ("new policy version", &["iam:CreatePolicyVersion"]),
    (
        "switch default policy version",
        &["iam:SetDefaultPolicyVersion"],
    ),
    ("attach a policy to a user", &["iam:AttachUserPolicy"]),
    ("attach a policy to a group", &["iam:AttachGroupPolicy"]),
    ("attach a policy to a role", &["iam:AttachRolePolicy"]),
    ("write a user's inline policy", &["iam:PutUserPolicy"]),
    ("write a group's inline policy", &["iam:PutGroupPolicy"]),
    ("write a role's inline policy", &["iam:PutRolePolicy"]),
    ("join a group", &["iam:AddUserToGroup"]),
    ("create another user's access key", &["iam:CreateAccessKey"]),
    (
        "set another user's console password",
        &["iam:CreateLoginProfile"],
    ),
    (
        "change another user's console password",
        &["iam:UpdateLoginProfile"],
    ),
    (
        "rewrite a role's trust and assume it",
        &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
    ),
    ("assume any role", &["sts:AssumeRole"]),
    (
        "pass a role to an EC2 instance",
        &["iam:PassRole", "ec2:RunInstances"],
    ),
    (
        "pass a role to a Lambda function and invoke it",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
    ),
    (
        "pass a role to a Lambda function triggered by a stream",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
    ),
    (
        "replace a Lambda function's code",
        &["lambda:UpdateFunctionCode"],
    ),
    (
        "pass a role to a Glue dev endpoint",
        &["iam:PassRole", "glue:CreateDevEndpoint"],
    ),
    ("take over a Glue dev endpoint", &["glue:UpdateDevEndpoint"]),
    (
        "pass a role to a CloudFormation stack",
        &["iam:PassRole", "cloudformation:CreateStack"],
    ),
    (
        "pass a role to a Data Pipeline",
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
    ),
];

/// A resource that only a broad grant covers, of the kind `action` acts on.
fn probe_resource(action: &str, partition: &str, account: &str) -> String {
    let iam = |r: &str| format!("arn:{partition}:iam::{account}:{r}");
    let regional = |svc: &str, r: &str| format!("arn:{partition}:{svc}:us-east-1:{account}:{r}");
    match action {
        "iam:CreatePolicyVersion" | "iam:SetDefaultPolicyVersion" => {
            iam("policy/auditor-probe-policy")
        }
        "iam:AttachGroupPolicy" | "iam:PutGroupPolicy" | "iam:AddUserToGroup" => {
            iam("group/auditor-probe-admins")
        }
        a if a.contains("User") || a.contains("AccessKey") || a.contains("LoginProfile") => {
            iam("user/auditor-probe-other-user")
        }
        a if a.starts_with("iam:") || a == "sts:AssumeRole" => {
            iam("role/auditor-probe-privileged-role")
        }
        "ec2:RunInstances" => regional("ec2", "instance/*"),
        a if a.starts_with("lambda:") => regional("lambda", "function:auditor-probe-function"),
        a if a.starts_with("glue:") => regional("glue", "devEndpoint/auditor-probe"),
        a if a.starts_with("cloudformation:") => {
            regional("cloudformation", "stack/auditor-probe/1")
        }
        _ => regional("datapipeline", "pipeline/auditor-probe"),
    }
}

/// Whether `who` may perform `action` on `resource`: the statements that grant it, and
/// what was assumed on the way.
fn allowed(
    set: &PolicySet<'_>,
    who: &str,
    context: &Context,
    action: &str,
    resource: &str,
) -> Option<(Vec<String>, Vec<String>)> {
    let action = Action::new(action)?;
    let req = Request::new(who, &action, resource, context);
    if decide(set, &req) != Decision::Allow {
        return None;
    }
    let e = evaluate(set, &req);
    Some((
        e.granted_by
            .iter()
            .map(|g| format!("{}.{}", g.policy, g.statement))
            .collect(),
        e.assumed.iter().map(super::assumption_note).collect(),
    ))
}

impl Check for PrivilegeEscalation {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_principal(ctx, out, |res, who, policies, out| {
            let p = match policies {
                Ok(p) => p,
                Err(why) => return out.not_assessed_because(res, why),
            };
            // Administrators are IAM-007's finding; escalation is moot for them.
            if super::principal_has_admin_access::administrator(inv, who, &p).is_some() {
                return;
            }
            let set = p.set();
            let context = principal_context(inv, who);
            let mut paths: Vec<Evidence> = Vec::new();
            let mut notes: Vec<String> = Vec::new();
            for (name, actions) in PATHS {
                let mut grants = Vec::new();
                let mut assumed = Vec::new();
                for action in *actions {
                    let resource = probe_resource(action, &inv.partition, &inv.account_id);
                    match allowed(&set, who.arn, &context, action, &resource) {
                        Some((g, a)) => {
                            grants.push(format!("{action} by {}", g.join(" + ")));
                            assumed.extend(a);
                        }
                        None => break,
                    }
                }
                if grants.len() == actions.len() {
                    paths.push(ev(
                        "identity policies",
                        grants.join("; "),
                        format!("can {name}"),
                    ));
                    for a in assumed {
                        if !notes.contains(&a) {
                            notes.push(a);
                        }
                    }
                }
            }
            if paths.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "identity policies",
                        format!("{} known escalation paths tried", PATHS.len()),
                        "none is fully allowed",
                    )],
                );
            } else {
                paths.extend(
                    notes
                        .into_iter()
                        .map(|n| ev("identity policies", n, "a condition the principal can meet")),
                );
                out.fail(res, paths);
            }
        });
    }
}
