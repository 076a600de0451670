//! EC2-011: a launch template's next instances will allow IMDSv1, or a hop limit over 1.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::{LaunchTemplateVersion, MetadataOptions};
use auditor_model::{Evidence, Severity};
use std::collections::BTreeMap;

declare_check! {
    /// ## What it checks
    /// Every launch template in every audited region, whether or not anything uses it yet:
    /// its default version and its latest version (`ec2:DescribeLaunchTemplateVersions` for
    /// `$Default` and `$Latest`), and each version an EKS node group pins by number. These
    /// are what the next instances will run: an Auto Scaling group or node group that
    /// follows `$Latest` or `$Default` picks up a new version on its next scale-out.
    ///
    /// A version fails when its instances would serve IMDSv1 (`HttpTokens` not `required`),
    /// or pass metadata responses on to containers (`HttpPutResponseHopLimit` over 1). A
    /// version that sets no metadata options fails too: its instances get the AMI's and
    /// the account's defaults, which serve IMDSv1 unless the AMI is marked
    /// `ImdsSupport: v2.0` or the account's metadata defaults require tokens, neither of
    /// which the template controls. A disabled metadata endpoint passes. A template whose
    /// only fault is the hop limit (IMDSv2 required) fails at medium severity. One finding
    /// per template; the evidence names each version judged and why it is judged (default,
    /// latest, or the node groups that pin it).
    ///
    /// Templates a service manages are left to it: the copies EKS makes of a managed node
    /// group's template (created by `AWSServiceRoleForAmazonEKSNodegroup`; EKS-010 judges
    /// the node group) and templates with a managing operator (EKS Auto Mode). Templates
    /// the account's settings hide from `Describe` calls are not seen.
    ///
    /// ## Why it matters
    /// IMDSv1 answers any plain GET, so a server-side request forgery in anything running
    /// on the instance (or any pod on an EKS node) reads the instance role's credentials;
    /// a hop limit over 1 lets containers reach the metadata service through their own
    /// network namespace. Instance checks (EC2-008) see only what runs now: a template
    /// brings the same hole back with every instance it launches. The Amazon EKS security
    /// checklist asks to block pods from the node's metadata.
    ///
    /// ## Remediation
    /// Create a version that requires tokens and make it the default:
    /// `aws ec2 create-launch-template-version --region <region> --launch-template-id
    /// <launch-template> --source-version '$Latest' --launch-template-data
    /// '{"MetadataOptions":{"HttpTokens":"required","HttpPutResponseHopLimit":1}}'`, then
    /// `aws ec2 modify-launch-template --region <region> --launch-template-id
    /// <launch-template> --default-version <new version>`. Roll node groups that pin a
    /// version to the new one. Account-wide, `aws ec2 modify-instance-metadata-defaults
    /// --http-tokens required` covers templates that leave the options unset.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-170
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html
    pub(crate) struct LaunchTemplateAllowsImdsv1 {
        code: "EC2-011",
        name: "launch-template-allows-imdsv1",
        title: "Launch template's next instances allow IMDSv1 or a metadata hop limit over 1",
        service: Ec2,
        severity: High,
        wa: ["SEC06-BP02"],
        fsbp: ["EC2.170"],
        reads: ["ec2:DescribeLaunchTemplateVersions", "eks:DescribeNodegroup"],
    }
}

/// A template's name, and its versions with why each is judged (`$Default`, `$Latest`, the
/// node groups that pin it).
type Template<'a> = (
    Option<&'a str>,
    Vec<(&'a LaunchTemplateVersion, Vec<String>)>,
);

/// Failing and passing evidence for one version's metadata options.
fn judge(
    field: &str,
    md: Option<&MetadataOptions>,
    fail: &mut Vec<Evidence>,
    pass: &mut Vec<Evidence>,
) {
    let Some(md) = md else {
        fail.push(ev(
            format!("{field}.MetadataOptions"),
            "(not set)",
            "instances get the AMI's and the account's metadata defaults, which serve IMDSv1 \
             unless the AMI is marked ImdsSupport v2.0 or the account requires tokens",
        ));
        return;
    };
    if md
        .http_endpoint
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("disabled"))
    {
        pass.push(ev(
            format!("{field}.MetadataOptions.HttpEndpoint"),
            "disabled",
            "the metadata service is off",
        ));
        return;
    }
    match md.http_tokens.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("required") => pass.push(ev(
            format!("{field}.MetadataOptions.HttpTokens"),
            t,
            "only IMDSv2 is served",
        )),
        Some(t) => fail.push(ev(format!("{field}.MetadataOptions.HttpTokens"), t, IMDSV1)),
        None => fail.push(ev(
            format!("{field}.MetadataOptions.HttpTokens"),
            "(not set)",
            "left to the AMI's and the account's defaults, which serve IMDSv1 unless the AMI \
             is marked ImdsSupport v2.0 or the account requires tokens",
        )),
    }
    if let Some(h) = md.http_put_response_hop_limit.filter(|h| *h > 1) {
        fail.push(ev(
            format!("{field}.MetadataOptions.HttpPutResponseHopLimit"),
            h.to_string(),
            HOPS,
        ));
    }
}

/// Why a version that serves IMDSv1 fails.
const IMDSV1: &str = "IMDSv1 is served: a plain GET reads the instance role's credentials";
/// Why a hop limit over 1 fails.
const HOPS: &str = "metadata responses reach containers in their own network namespace";

impl Check for LaunchTemplateAllowsImdsv1 {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        for (region, data) in &inv.ec2 {
            let current = match data.launch_templates.get() {
                Ok(v) => v,
                Err(gap) => {
                    out.not_assessed(
                        super::resource(inv, region, "launch-template", "*", None),
                        gap,
                    );
                    continue;
                }
            };
            // Template id → (name, versions with why each is judged).
            let mut templates: BTreeMap<&str, Template<'_>> = BTreeMap::new();
            // Templates a service manages are its to set: EKS's copies of a managed node
            // group's template (EKS-010 judges the node group), EKS Auto Mode's.
            let managed = |v: &LaunchTemplateVersion| {
                v.managed_by.is_some()
                    || v.created_by
                        .as_deref()
                        .is_some_and(|c| c.contains("AWSServiceRoleForAmazonEKSNodegroup"))
            };
            for v in current.iter().filter(|v| !managed(v)) {
                let t = templates
                    .entry(v.launch_template_id.as_str())
                    .or_insert((v.launch_template_name.as_deref(), Vec::new()));
                t.1.push((v, v.requested_as.clone()));
            }
            // The versions node groups launch from, by the groups that use them.
            let mut unread: Option<String> = None;
            if let Ok(eks) = ctx.eks(region) {
                if let Err(gap) = eks.clusters.get().and(eks.launch_templates.get()) {
                    unread = Some(gap.to_string());
                }
                let groups: Vec<(String, &auditor_model::eks::LaunchTemplateRef)> = eks
                    .clusters
                    .get()
                    .map(|cs| {
                        cs.iter()
                            .flat_map(|c| {
                                c.nodegroups
                                    .get()
                                    .into_iter()
                                    .flatten()
                                    .filter_map(move |n| {
                                        n.launch_template.as_ref().map(|r| {
                                            (format!("node group {}/{}", c.name, n.name), r)
                                        })
                                    })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                for v in eks
                    .launch_templates
                    .get()
                    .into_iter()
                    .flatten()
                    .filter(|v| !managed(v))
                {
                    let users: Vec<String> = groups
                        .iter()
                        .filter(|(_, r)| v.answers(r))
                        .map(|(g, _)| g.clone())
                        .collect();
                    let t = templates
                        .entry(v.launch_template_id.as_str())
                        .or_insert((v.launch_template_name.as_deref(), Vec::new()));
                    match t
                        .1
                        .iter_mut()
                        .find(|(o, _)| o.version_number == v.version_number)
                    {
                        Some((_, why)) => why.extend(users),
                        None => t.1.push((v, users)),
                    }
                }
            }
            for (id, (name, mut versions)) in templates {
                versions.sort_by_key(|(v, _)| v.version_number);
                let res =
                    super::resource(inv, region, "launch-template", id, name.map(str::to_owned));
                let (mut fail, mut pass) = (Vec::new(), Vec::new());
                for (v, why) in &versions {
                    let mut why = why.clone();
                    why.sort();
                    why.dedup();
                    let field = if why.is_empty() {
                        format!("version {}", v.version_number)
                    } else {
                        format!("version {} ({})", v.version_number, why.join(", "))
                    };
                    judge(&field, v.metadata_options.as_ref(), &mut fail, &mut pass);
                }
                if let Some(gap) = &unread {
                    let note = ev(
                        "node groups",
                        "not read",
                        format!("the versions node groups pin were not known: {gap}"),
                    );
                    if fail.is_empty() {
                        pass.push(note);
                    } else {
                        fail.push(note);
                    }
                }
                if fail.is_empty() {
                    out.pass(res, pass);
                } else if fail.iter().all(|e| {
                    e.field.ends_with("HttpPutResponseHopLimit") || &*e.field == "node groups"
                }) {
                    // Only the hop limit: IMDSv2 holds, containers can still reach it.
                    out.fail_at_most(Severity::Medium, res, fail);
                } else {
                    out.fail(res, fail);
                }
            }
        }
    }
}
