//! EKS-010: node launch template or node instances allow IMDSv1 or more than one hop.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::MetadataOptions;
use auditor_model::Evidence;

declare_check! {
    /// ## What it checks
    /// Every managed node group: the metadata options of the launch-template version it
    /// launches from (`DescribeLaunchTemplateVersions`), and of its running instances (EC2
    /// instances tagged `eks:cluster-name` and `eks:nodegroup-name`). It fails when either
    /// allows IMDSv1 (`HttpTokens` not `required`) or lets metadata responses travel more
    /// than one hop (`HttpPutResponseHopLimit` > 1). It passes when every source it could
    /// read requires tokens with a hop limit of 1 (or disables the endpoint). A node group
    /// with neither explicit template options nor running nodes is "not assessed".
    ///
    /// ## Why it matters
    /// With a hop limit of 2, or IMDSv1, any pod on the node can fetch the node role's
    /// credentials from `169.254.169.254`, and with them everything the node role may do
    /// (pull every image, describe the VPC, and with the CNI policy change network
    /// interfaces). The Amazon EKS security checklist asks to "block access to IMDS" from pods.
    ///
    /// ## Remediation
    /// In the node group's launch template set `MetadataOptions` to `HttpTokens=required`,
    /// `HttpPutResponseHopLimit=1`, create a new version and roll the node group to it
    /// (`aws eks update-nodegroup-version --region <region> --cluster-name <cluster>
    /// --nodegroup-name <nodegroup> --launch-template version=N`). Pods that need AWS
    /// access get it through IRSA or Pod Identity instead.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#_restrict_access_to_the_instance_profile_assigned_to_the_worker_node
    /// - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html
    pub(crate) struct NodesAllowImdsv1 {
        code: "EKS-010",
        name: "nodes-allow-imds-from-pods",
        title: "Node launch template or instances allow IMDSv1 or a metadata hop limit above 1",
        service: Eks,
        severity: High,
        wa: ["SEC06-BP02", "SEC03-BP02"],
        fsbp: ["EC2.170"],
        reads: [
            "eks:ListNodegroups",
            "eks:DescribeNodegroup",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:DescribeInstances",
        ],
    }
}

/// Failing and passing evidence for one set of metadata options.
fn judge(field: &str, md: &MetadataOptions, fail: &mut Vec<Evidence>, pass: &mut Vec<Evidence>) {
    if md
        .http_endpoint
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("disabled"))
    {
        pass.push(ev(
            format!("{field}.HttpEndpoint"),
            "disabled",
            "the metadata service is off",
        ));
        return;
    }
    let tokens = md.http_tokens.as_deref().unwrap_or("optional");
    if tokens.eq_ignore_ascii_case("required") {
        pass.push(ev(
            format!("{field}.HttpTokens"),
            tokens,
            "only IMDSv2 is served",
        ));
    } else {
        fail.push(ev(
            format!("{field}.HttpTokens"),
            tokens,
            "IMDSv1 is served: any pod can read the node role's credentials with a plain GET",
        ));
    }
    match md.http_put_response_hop_limit {
        Some(h) if h > 1 => fail.push(ev(
            format!("{field}.HttpPutResponseHopLimit"),
            h.to_string(),
            "metadata responses reach pods in their own network namespace",
        )),
        Some(h) => pass.push(ev(
            format!("{field}.HttpPutResponseHopLimit"),
            h.to_string(),
            "metadata responses stop at the node",
        )),
        None => {}
    }
}

impl Check for NodesAllowImdsv1 {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_nodegroup(ctx, out, |region, data, c, n, out| {
            let res = super::nodegroup_resource(inv, region, c, n);
            let (mut fail, mut pass, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
            if let Some(r) = &n.launch_template {
                match data.launch_templates.get() {
                    Err(gap) => unknown.push(gap.to_string()),
                    Ok(versions) => match versions.iter().find(|v| v.answers(r)) {
                        None => unknown.push(format!(
                            "launch template {} version {} was not found",
                            r.id.as_deref().or(r.name.as_deref()).unwrap_or("?"),
                            r.version.as_deref().unwrap_or("$Default")
                        )),
                        Some(v) => match &v.metadata_options {
                            Some(md) => judge(
                                &format!(
                                    "launchTemplate[{} v{}].MetadataOptions",
                                    v.launch_template_id, v.version_number
                                ),
                                md,
                                &mut fail,
                                &mut pass,
                            ),
                            None => unknown.push(format!(
                                "launch template {} v{} sets no metadata options",
                                v.launch_template_id, v.version_number
                            )),
                        },
                    },
                }
            }
            match ctx.ec2(region).and_then(|r| r.instances.read()) {
                Err(gap) => unknown.push(gap.to_string()),
                Ok(instances) => {
                    for i in instances.iter().filter(|i| {
                        i.tags.get("eks:cluster-name") == Some(&c.name)
                            && i.tags.get("eks:nodegroup-name") == Some(&n.name)
                    }) {
                        match &i.metadata_options {
                            Some(md) => judge(
                                &format!("instance[{}].MetadataOptions", i.instance_id),
                                md,
                                &mut fail,
                                &mut pass,
                            ),
                            None => unknown.push(format!(
                                "instance {} has no metadata options in the answer",
                                i.instance_id
                            )),
                        }
                    }
                }
            }
            if !fail.is_empty() {
                out.fail(res, fail);
            } else if !pass.is_empty() && unknown.is_empty() {
                out.pass(res, pass);
            } else if unknown.is_empty() {
                out.not_assessed_because(
                    res,
                    "no launch template with metadata options and no running node instances \
                     to inspect",
                );
            } else {
                out.not_assessed_because(res, unknown.join("; "));
            }
        });
    }
}
