//! IAM-014: a principal can escalate its privileges.

use crate::emit::ev;
use crate::principals::{escalation_context, Subject};
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::iam::IamAccount;
use auditor_model::{Evidence, Severity};
use auditor_policy::{decide, evaluate, Action, Context, Decision, PolicySet, Request};

declare_check! {
    /// ## What it checks
    /// Every role and user (not service-linked roles), evaluated by the policy engine with
    /// its identity policies, its groups' and its boundary, against the privilege-escalation
    /// paths of pathfinding.cloud (Datadog's maintained list, which builds on Rhino Security
    /// Labs' methods). It fails when every action of one path is allowed, and the evidence
    /// names the path by its pathfinding.cloud id.
    ///
    /// First on the principal's own resources ("self-escalation"), with the real ARNs:
    /// `iam:PutRolePolicy` / `iam:AttachRolePolicy` on its own role (iam-005, iam-009);
    /// `iam:PutUserPolicy` / `iam:AttachUserPolicy` on its own user (iam-007, iam-008);
    /// `iam:PutGroupPolicy` / `iam:AttachGroupPolicy` on a group it is in (iam-011, iam-010);
    /// `iam:CreatePolicyVersion` on a customer-managed policy attached to it, directly or
    /// through a group (iam-001). A grant scoped to exactly its own ARN fails here.
    ///
    /// Then on resources only a broad grant covers (another user, role, group or policy; a
    /// new function, instance or stack):
    /// - rewrite or swap a policy: `iam:CreatePolicyVersion` (iam-001);
    ///   `iam:SetDefaultPolicyVersion` (Rhino Security Labs method 2)
    /// - grant more: `iam:Attach{User,Group,Role}Policy`, `iam:Put{User,Group,Role}Policy`,
    ///   `iam:AddUserToGroup` (iam-005 to iam-011, iam-013)
    /// - become someone else: `iam:CreateAccessKey`, `iam:CreateLoginProfile`,
    ///   `iam:UpdateLoginProfile` (iam-002, iam-004, iam-006); `iam:UpdateAssumeRolePolicy`
    ///   (iam-012: a trust that names the caller lets it in without an identity grant);
    ///   `sts:AssumeRole` on any role (sts-001)
    /// - run code as a more privileged role: `iam:PassRole` with `ec2:RunInstances`
    ///   (ec2-001); with `lambda:CreateFunction` and `lambda:InvokeFunction` or
    ///   `lambda:CreateEventSourceMapping` (lambda-001, lambda-002); with
    ///   `glue:CreateDevEndpoint`, or `glue:CreateJob` and `glue:StartJobRun` (glue-001,
    ///   glue-003); with `cloudformation:CreateStack` (cloudformation-001); with
    ///   `datapipeline:CreatePipeline`, `PutPipelineDefinition` and `ActivatePipeline`
    ///   (datapipeline-001); with `codebuild:CreateProject` and `codebuild:StartBuild`
    ///   (codebuild-001); with `sagemaker:CreateNotebookInstance` (sagemaker-001); with
    ///   `ecs:RegisterTaskDefinition` and `ecs:RunTask` (ecs-004); and
    ///   `lambda:UpdateFunctionCode`, `glue:UpdateDevEndpoint` on existing ones (lambda-003,
    ///   glue-002).
    ///
    /// Each request is the one an attacker makes: an attach is tried with
    /// `AdministratorAccess`, `IAMFullAccess`, `PowerUserAccess` and a customer-managed policy
    /// of the account in `iam:PolicyARN` (the first allowed is named), and a pass names the
    /// service in `iam:PassedToService`, so grants fenced by those keys pass and a fence
    /// that leaves one of them open does not. Conditions on other keys the caller chooses are
    /// taken as met, and said so. A principal with a permissions boundary whose only paths
    /// are on its own policies fails at medium severity, and the evidence names the boundary
    /// (what it grants itself stops there). Principals that are already administrators
    /// (IAM-007) are not reported again here.
    ///
    /// ## Why it matters
    /// A principal that can escalate has, in effect, administrator access: an attacker with
    /// its credentials "brute-forces all of AWS' API methods", as the Terraform state threat
    /// model puts it, and finds the way up. A role allowed to write its own inline policy is
    /// the shortest such way, and a scan that only tries `Resource: "*"` misses it.
    ///
    /// ## Remediation
    /// Remove the IAM write actions from principals that do not administer IAM, including
    /// on their own ARN; fence `iam:Attach*Policy` with `iam:PolicyARN`; scope
    /// `iam:PassRole` to the roles the workload must pass (with `iam:PassedToService`);
    /// give IAM administrators a permission boundary that forbids removing boundaries.
    ///
    /// ## References
    /// - https://pathfinding.cloud (pathfinding.cloud: AWS IAM privilege escalation paths, Datadog; source github.com/DataDog/pathfinding.cloud)
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

/// One known path: its id in pathfinding.cloud (or the Rhino Security Labs method, for the
/// one pathfinding.cloud does not list), what it does, the actions that together make it,
/// and the service a passed role goes to.
struct Path {
    id: &'static str,
    name: &'static str,
    actions: &'static [&'static str],
    passed_to: Option<&'static str>,
}

const fn path(id: &'static str, name: &'static str, actions: &'static [&'static str]) -> Path {
    Path {
        id,
        name,
        actions,
        passed_to: None,
    }
}

const fn pass(
    id: &'static str,
    name: &'static str,
    actions: &'static [&'static str],
    service: &'static str,
) -> Path {
    Path {
        id,
        name,
        actions,
        passed_to: Some(service),
    }
}

/// The paths tried on resources only a broad grant covers (another user, role, group or
/// policy; a new function, instance, stack...).
const PATHS: &[Path] = &[
    path(
        "iam-001",
        "write a new default version of a policy",
        &["iam:CreatePolicyVersion"],
    ),
    path(
        "Rhino Security Labs method 2",
        "switch a policy's default version",
        &["iam:SetDefaultPolicyVersion"],
    ),
    path(
        "iam-008",
        "attach a policy to a user",
        &["iam:AttachUserPolicy"],
    ),
    path(
        "iam-010",
        "attach a policy to a group",
        &["iam:AttachGroupPolicy"],
    ),
    path(
        "iam-009",
        "attach a policy to a role",
        &["iam:AttachRolePolicy"],
    ),
    path(
        "iam-007",
        "write a user's inline policy",
        &["iam:PutUserPolicy"],
    ),
    path(
        "iam-011",
        "write a group's inline policy",
        &["iam:PutGroupPolicy"],
    ),
    path(
        "iam-005",
        "write a role's inline policy",
        &["iam:PutRolePolicy"],
    ),
    path("iam-013", "join a group", &["iam:AddUserToGroup"]),
    path(
        "iam-002",
        "create another user's access key",
        &["iam:CreateAccessKey"],
    ),
    path(
        "iam-004",
        "set another user's console password",
        &["iam:CreateLoginProfile"],
    ),
    path(
        "iam-006",
        "change another user's console password",
        &["iam:UpdateLoginProfile"],
    ),
    // A trust policy that names the caller's own ARN lets it in without an identity grant
    // of sts:AssumeRole (same account): the rewrite is the whole path.
    path(
        "iam-012",
        "rewrite a role's trust to name itself, and assume the role",
        &["iam:UpdateAssumeRolePolicy"],
    ),
    path("sts-001", "assume any role", &["sts:AssumeRole"]),
    pass(
        "ec2-001",
        "pass a role to an EC2 instance",
        &["iam:PassRole", "ec2:RunInstances"],
        "ec2.amazonaws.com",
    ),
    pass(
        "lambda-001",
        "pass a role to a Lambda function and invoke it",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
        "lambda.amazonaws.com",
    ),
    pass(
        "lambda-002",
        "pass a role to a Lambda function triggered by a stream",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
        "lambda.amazonaws.com",
    ),
    path(
        "lambda-003",
        "replace a Lambda function's code",
        &["lambda:UpdateFunctionCode"],
    ),
    pass(
        "glue-001",
        "pass a role to a Glue dev endpoint",
        &["iam:PassRole", "glue:CreateDevEndpoint"],
        "glue.amazonaws.com",
    ),
    pass(
        "glue-003",
        "pass a role to a Glue job and run it",
        &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
        "glue.amazonaws.com",
    ),
    path(
        "glue-002",
        "take over a Glue dev endpoint",
        &["glue:UpdateDevEndpoint"],
    ),
    pass(
        "cloudformation-001",
        "pass a role to a CloudFormation stack",
        &["iam:PassRole", "cloudformation:CreateStack"],
        "cloudformation.amazonaws.com",
    ),
    pass(
        "datapipeline-001",
        "pass a role to a Data Pipeline",
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ],
        "datapipeline.amazonaws.com",
    ),
    pass(
        "codebuild-001",
        "pass a role to a CodeBuild project and build it",
        &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
        "codebuild.amazonaws.com",
    ),
    pass(
        "sagemaker-001",
        "pass a role to a SageMaker notebook",
        &["iam:PassRole", "sagemaker:CreateNotebookInstance"],
        "sagemaker.amazonaws.com",
    ),
    pass(
        "ecs-004",
        "pass a role to an ECS task and run it",
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
        "ecs-tasks.amazonaws.com",
    ),
];

/// The policies an attacker would attach, what `iam:PolicyARN` holds in an attach
/// request: AWS's administrator policies, and a customer-managed policy of the account
/// (one the attacker writes first, or one that exists). A grant fenced to one of them
/// still lets the others in.
fn attachable_policies(partition: &str, account: &str) -> [String; 4] {
    [
        format!("arn:{partition}:iam::aws:policy/AdministratorAccess"),
        format!("arn:{partition}:iam::aws:policy/IAMFullAccess"),
        format!("arn:{partition}:iam::aws:policy/PowerUserAccess"),
        format!("arn:{partition}:iam::{account}:policy/auditor-probe-policy"),
    ]
}

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
        "glue:CreateJob" | "glue:StartJobRun" => regional("glue", "job/auditor-probe"),
        a if a.starts_with("glue:") => regional("glue", "devEndpoint/auditor-probe"),
        a if a.starts_with("cloudformation:") => {
            regional("cloudformation", "stack/auditor-probe/1")
        }
        a if a.starts_with("codebuild:") => regional("codebuild", "project/auditor-probe"),
        a if a.starts_with("sagemaker:") => {
            regional("sagemaker", "notebook-instance/auditor-probe")
        }
        // RunTask is authorised on the task definition it runs.
        a if a.starts_with("ecs:") => regional("ecs", "task-definition/auditor-probe:1"),
        _ => regional("datapipeline", "pipeline/auditor-probe"),
    }
}

/// A path on one of the principal's own resources (pathfinding.cloud's "self-escalation"):
/// its id, what it does, the action and the resource.
struct OwnPath {
    id: &'static str,
    name: String,
    action: &'static str,
    resource: String,
}

/// The self-escalation paths of `who` on its real resources: its own role or user, the
/// groups it is in, and the customer-managed policies attached to it (directly or through
/// a group).
fn own_paths(iam: &IamAccount, who: &Subject<'_>) -> Vec<OwnPath> {
    let mut out = Vec::new();
    let mut attached: Vec<&String> = Vec::new();
    let own = |id, name: String, action, resource: &str| OwnPath {
        id,
        name,
        action,
        resource: resource.to_owned(),
    };
    if who.kind == "role" {
        out.push(own(
            "iam-005",
            "write an inline policy into its own role".into(),
            "iam:PutRolePolicy",
            who.arn,
        ));
        out.push(own(
            "iam-009",
            "attach a policy to its own role".into(),
            "iam:AttachRolePolicy",
            who.arn,
        ));
        if let Some(r) = iam
            .roles
            .get()
            .ok()
            .and_then(|rs| rs.iter().find(|r| r.arn == who.arn))
        {
            attached.extend(&r.attached_policies);
        }
    } else {
        out.push(own(
            "iam-007",
            "write an inline policy into its own user".into(),
            "iam:PutUserPolicy",
            who.arn,
        ));
        out.push(own(
            "iam-008",
            "attach a policy to its own user".into(),
            "iam:AttachUserPolicy",
            who.arn,
        ));
        if let Some(u) = iam
            .users
            .get()
            .ok()
            .and_then(|us| us.iter().find(|u| u.arn == who.arn))
        {
            attached.extend(&u.attached_policies);
            for g in iam.groups_of(u).unwrap_or_default() {
                out.push(own(
                    "iam-011",
                    format!("write an inline policy into its group {}", g.group_name),
                    "iam:PutGroupPolicy",
                    &g.arn,
                ));
                out.push(own(
                    "iam-010",
                    format!("attach a policy to its group {}", g.group_name),
                    "iam:AttachGroupPolicy",
                    &g.arn,
                ));
                attached.extend(&g.attached_policies);
            }
        }
    }
    attached.sort();
    attached.dedup();
    for arn in attached
        .into_iter()
        .filter(|a| !a.contains(":iam::aws:policy/"))
    {
        out.push(own(
            "iam-001",
            format!("write a new default version of {arn}, which is attached to it"),
            "iam:CreatePolicyVersion",
            arn,
        ));
    }
    out
}

/// Whether `who` may perform `action` on `resource`: the statements that grant it (with the
/// policy an attach names), and what was assumed on the way. An attach request is tried
/// with each of [`attachable_policies`] in `iam:PolicyARN`, the first allowed named; a
/// PassRole request names the service the role goes to.
fn allowed(
    set: &PolicySet<'_>,
    who: &str,
    context: &Context,
    action: &str,
    resource: &str,
    (partition, account): (&str, &str),
    passed_to: Option<&str>,
) -> Option<(Vec<String>, Vec<String>)> {
    let mut context = context.clone();
    if let (Some(service), "iam:PassRole") = (passed_to, action) {
        context.insert("iam:PassedToService", service);
    }
    let act = Action::new(action)?;
    let attaches: Vec<Option<String>> = if action.starts_with("iam:Attach") {
        attachable_policies(partition, account)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None]
    };
    for policy in attaches {
        if let Some(arn) = &policy {
            context.insert("iam:PolicyARN", arn.as_str());
        }
        let req = Request::new(who, &act, resource, &context);
        if decide(set, &req) != Decision::Allow {
            continue;
        }
        let e = evaluate(set, &req);
        let mut grants: Vec<String> = e
            .granted_by
            .iter()
            .map(|g| format!("{}.{}", g.policy, g.statement))
            .collect();
        if let (Some(arn), Some(last)) = (&policy, grants.last_mut()) {
            last.push_str(&format!(" (attaching {arn})"));
        }
        return Some((
            grants,
            e.assumed.iter().map(super::assumption_note).collect(),
        ));
    }
    None
}

impl Check for PrivilegeEscalation {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let Ok(iam) = ctx.iam() else {
            // One "not assessed" for the account, said by the walk itself.
            return super::for_each_principal(ctx, out, |_, _, _, _| {});
        };
        let partition = inv.partition.as_str();
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
            let context = escalation_context(inv, who);
            let mut paths: Vec<Evidence> = Vec::new();
            let mut notes: Vec<String> = Vec::new();
            let mut note = |a: Vec<String>| {
                for a in a {
                    if !notes.contains(&a) {
                        notes.push(a);
                    }
                }
            };
            // On its own resources first: the exact request an attacker would make.
            let own = own_paths(iam, &who);
            let mut found_own: Vec<&str> = Vec::new();
            for o in &own {
                if let Some((g, a)) = allowed(
                    &set,
                    who.arn,
                    &context,
                    o.action,
                    &o.resource,
                    (partition, &inv.account_id),
                    None,
                ) {
                    paths.push(ev(
                        "identity policies",
                        format!("{} on {} by {}", o.action, o.resource, g.join(" + ")),
                        format!("can {} (pathfinding.cloud {})", o.name, o.id),
                    ));
                    found_own.push(o.action);
                    note(a);
                }
            }
            let own_found = paths.len();
            for path in PATHS {
                // Already found on its own resource: the broad grant adds nothing.
                if let [only] = path.actions {
                    if found_own.contains(only) {
                        continue;
                    }
                }
                let mut grants = Vec::new();
                let mut assumed = Vec::new();
                for action in path.actions {
                    let resource = probe_resource(action, partition, &inv.account_id);
                    match allowed(
                        &set,
                        who.arn,
                        &context,
                        action,
                        &resource,
                        (partition, &inv.account_id),
                        path.passed_to,
                    ) {
                        Some((g, a)) => {
                            grants.push(format!("{action} by {}", g.join(" + ")));
                            assumed.extend(a);
                        }
                        None => break,
                    }
                }
                if grants.len() == path.actions.len() {
                    let source = if path.id.starts_with("Rhino") {
                        path.id.to_owned()
                    } else {
                        format!("pathfinding.cloud {}", path.id)
                    };
                    paths.push(ev(
                        "identity policies",
                        grants.join("; "),
                        format!("can {} ({source})", path.name),
                    ));
                    note(assumed);
                }
            }
            if paths.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "identity policies",
                        format!(
                            "{} paths tried ({} on its own resources)",
                            PATHS.len() + own.len(),
                            own.len()
                        ),
                        "none is fully allowed",
                    )],
                );
            } else {
                let only_own = paths.len() == own_found;
                paths.extend(
                    notes
                        .into_iter()
                        .map(|n| ev("identity policies", n, "a condition the principal can meet")),
                );
                // What it writes into its own policies still stops at its boundary.
                match (&p.boundary, own_found > 0) {
                    (Some((name, _)), true) => {
                        paths.push(ev(
                            "permissions boundary",
                            name.as_str(),
                            "caps what it can grant itself: the paths on its own resources \
                             reach everything the boundary allows, not beyond",
                        ));
                        if only_own {
                            out.fail_at_most(Severity::Medium, res, paths);
                        } else {
                            out.fail(res, paths);
                        }
                    }
                    _ => out.fail(res, paths),
                }
            }
        });
    }
}
