//! EC2-012: a VPC endpoint's policy lets any principal make any request through it.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::{Condition, PolicyDocument, StatementView};
use std::collections::BTreeSet;

declare_check! {
    /// ## What it checks
    /// Every VPC endpoint that has a policy document (endpoints that are deleted, rejected
    /// or failed, and those without a document, are not judged). It fails when the policy
    /// has no `Deny` that narrows it and an `Allow` statement names every principal
    /// (`"Principal": "*"` or `"AWS": "*"`), every action (`"Action": "*"`, or the
    /// endpoint service's own prefix such as `"s3:*"`) and every resource (`"Resource":
    /// "*"`) with no condition, or only conditions that restrict no one through an
    /// endpoint (`aws:SecureTransport`, `aws:SourceIp`, `aws:SourceVpc`, `aws:SourceVpce`,
    /// the time, the region, `aws:CalledVia`...): the policy AWS attaches when none is
    /// given, or one that only looks narrowed. A `Deny` whose conditions all restrict no
    /// one (deny without TLS) narrows nothing. It passes when a `Deny`, or each `Allow`'s
    /// principals, actions, resources or conditions on who asks or whose resource it is
    /// (`aws:PrincipalOrgID`, `aws:ResourceAccount`, a service's own keys, any key not
    /// known to be harmless), narrow it; what such a condition leaves open is not decided
    /// further. A policy that is not a JSON policy
    /// document is not assessed. Interface endpoints of the few services that take no
    /// endpoint policy report AWS's default one and fail with it: suppress those
    /// (`[[suppressions]]`), as no policy can be set on them.
    ///
    /// ## Why it matters
    /// An endpoint policy is where a VPC decides which of the service's resources its
    /// workloads may reach: with full access, a compromised pod can push your data to a
    /// bucket or registry in any account through the endpoint, and pull from anyone's. The
    /// Amazon EKS security checklist asks for ECR to be reached over VPC endpoints and for
    /// access to be controlled with IAM policies; the endpoint policy is that control on the
    /// network path.
    ///
    /// ## Remediation
    /// Replace the policy with one naming your own resources or organisation, e.g. for S3
    /// `"Resource": ["arn:aws:s3:::my-bucket/*"]` or a condition on `aws:ResourceOrgID` /
    /// `aws:PrincipalOrgID`: `aws ec2 modify-vpc-endpoint --region <region>
    /// --vpc-endpoint-id <vpc-endpoint> --policy-document file://policy.json`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    pub(crate) struct VpcEndpointPolicyFullAccess {
        code: "EC2-012",
        name: "vpc-endpoint-policy-full-access",
        title: "A VPC endpoint policy allows any principal every action on every resource",
        service: Ec2,
        severity: Medium,
        wa: ["SEC05-BP02", "SEC03-BP02"],
        reads: ["ec2:DescribeVpcEndpoints"],
    }
}

/// The endpoint service's action prefix: `s3` for `com.amazonaws.<region>.s3`, `ecr` for
/// `...ecr.api`; `None` for a service not named by AWS's convention.
fn action_prefix(service_name: &str) -> Option<&str> {
    let rest = service_name.strip_prefix("com.amazonaws.")?;
    let (_region, service) = rest.split_once('.')?;
    service.split('.').next()
}

/// The service part of the endpoint's service name (`ecr.api`), else the whole name.
fn service_label(service_name: &str) -> &str {
    service_name
        .strip_prefix("com.amazonaws.")
        .and_then(|rest| rest.split_once('.'))
        .map_or(service_name, |(_, service)| service)
}

/// Condition keys that restrict no one through an endpoint: every request a VPC endpoint
/// carries comes from its own VPC and endpoint, and transport, time, region and the path
/// through AWS services say nothing of who asks or whose resource it is.
const RESTRICTS_NO_ONE: &[&str] = &[
    "aws:securetransport",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourcevpcarn",
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:viaawsservice",
    "aws:useragent",
    "aws:referer",
    "aws:tokenissuetime",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
];

/// Whether a condition restricts no one (see [`RESTRICTS_NO_ONE`]). A key not known to be
/// harmless is taken to narrow, so that no policy fails on a guess.
fn restricts_no_one(c: &Condition) -> bool {
    RESTRICTS_NO_ONE.contains(&c.key.to_ascii_lowercase().as_str())
}

/// Whether the statement allows everyone every action of the service on every resource,
/// with no condition that narrows who or what.
fn full_access(s: &StatementView, prefix: Option<&str>) -> bool {
    let star = |v: &[String]| v.iter().any(|x| x == "*");
    let every_action = star(&s.action)
        || prefix.is_some_and(|p| {
            s.action.iter().any(|a| {
                a.split_once(':')
                    .is_some_and(|(svc, act)| svc.eq_ignore_ascii_case(p) && act == "*")
            })
        });
    s.allow
        && s.conditions.iter().all(restricts_no_one)
        && s.principal.as_ref().is_some_and(|p| p.is_everyone())
        && every_action
        && star(&s.resource)
}

/// Whether a Deny narrows what the endpoint carries: one without a condition takes some
/// actions, resources or principals away; one whose conditions all restrict no one (the
/// usual `aws:SecureTransport` = `false`) refuses a kind of request, not anyone's access.
fn narrows(s: &StatementView) -> bool {
    !s.allow && (s.conditions.is_empty() || !s.conditions.iter().all(restricts_no_one))
}

/// What a full-access statement's conditions are, for the evidence.
fn conditions_said(s: &StatementView) -> String {
    if s.conditions.is_empty() {
        "no condition".into()
    } else {
        let keys: BTreeSet<&str> = s.conditions.iter().map(|c| c.key.as_str()).collect();
        format!(
            "conditions only on {} (they restrict no one)",
            keys.into_iter().collect::<Vec<_>>().join(", ")
        )
    }
}

impl Check for VpcEndpointPolicyFullAccess {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each(
            ctx,
            out,
            "vpc-endpoint",
            |r| &r.vpc_endpoints,
            |region, _, e, out| {
                let gone = e.state.as_deref().is_some_and(|s| {
                    ["deleted", "deleting", "rejected", "failed"]
                        .iter()
                        .any(|g| s.eq_ignore_ascii_case(g))
                });
                let Some(text) = e.policy_document.as_deref().filter(|_| !gone) else {
                    return;
                };
                let res = super::resource(
                    inv,
                    region,
                    "vpc-endpoint",
                    &e.vpc_endpoint_id,
                    Some(e.service_name.clone()),
                );
                let doc = match PolicyDocument::parse(text) {
                    Ok(d) => d,
                    Err(err) => {
                        out.not_assessed_because(
                            res,
                            format!("PolicyDocument is not a policy document: {err}"),
                        );
                        return;
                    }
                };
                let prefix = action_prefix(&e.service_name);
                let denies = doc.statements().iter().any(narrows);
                let open: Vec<_> = doc
                    .statements()
                    .iter()
                    .filter(|s| !denies && full_access(s, prefix))
                    .map(|s| {
                        ev(
                            format!("PolicyDocument.{}", s.label()),
                            format!(
                                "Allow, Principal *, Action {}, Resource *, {}, no Deny that narrows it",
                                s.action.join(", "),
                                conditions_said(s)
                            ),
                            format!(
                                "any principal of any account can make any request to {} through the endpoint, on anyone's resources",
                                service_label(&e.service_name)
                            ),
                        )
                    })
                    .collect();
                if open.is_empty() {
                    out.pass(
                        res,
                        vec![ev(
                            "PolicyDocument",
                            format!("{} statement(s)", doc.statements().len()),
                            if denies {
                                "a Deny narrows what the endpoint carries"
                            } else {
                                "every Allow is narrowed by its principals, actions, resources or conditions"
                            },
                        )],
                    );
                } else {
                    out.fail(res, open);
                }
            },
        );
    }
}
